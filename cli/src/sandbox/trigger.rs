//! `points trigger EVENT`: creates, on the sandbox, the order state that fires `EVENT`, the way
//! a shopper and the merchant would (a checkout paid on the hosted page, then the API call).

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use protocol::client::{
    Authorize, Cancel, Capture, Complete, CreateCheckout, Refund, UpdateShipping,
};
use protocol::{CheckoutRequest, OrderNumber, OrderUuid, Sar, ShippingStatus};
use serde_json::Value;

use super::Sandbox;

/// The events `trigger` can fire, with what it does for each.
pub const EVENTS: [(&str, &str); 8] = [
    ("approved", "checkout, paid on the hosted page"),
    (
        "completed",
        "checkout, completed by the merchant (also fires approved)",
    ),
    ("authorized", "checkout, authorized"),
    ("captured", "checkout, authorized, captured"),
    ("cancelled", "checkout, cancelled by the merchant"),
    (
        "refunded",
        "checkout paid on the hosted page, refunded in full",
    ),
    (
        "auto_refunded",
        "checkout paid on the hosted page, reversed by Points",
    ),
    (
        "shipping_status_updated",
        "checkout paid on the hosted page, marked delivered",
    ),
];

/// What a trigger created.
#[derive(Debug, Clone)]
pub struct Triggered {
    pub order_number: String,
    pub uuid: OrderUuid,
    /// The events the steps fired, in order.
    pub fired: Vec<&'static str>,
}

pub async fn trigger(sandbox: &Sandbox, event: &str, out: &mut impl Write) -> Result<Triggered> {
    let Some((event, _)) = EVENTS.iter().find(|(name, _)| *name == event) else {
        let known: Vec<&str> = EVENTS.iter().map(|(name, _)| *name).collect();
        bail!("unknown event {event:?}; one of: {}", known.join(", "));
    };
    let client = sandbox.client()?;
    let order_number = format!(
        "PK-TRIGGER-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let request = CheckoutRequest {
        total_price: Sar::from_halalas(15_075),
        order_number: OrderNumber::parse(&order_number).context("order number")?,
        phone_number: None,
        name: None,
        shipping_amount: None,
        tax_amount: None,
        discount_amount: None,
        shipping_address: None,
        products: None,
        metadata: Some(serde_json::json!({"created_by": "points trigger"})),
        callback_url: None,
    };
    let session = client
        .send(&CreateCheckout(request))
        .await
        .context("creating the checkout")?;
    let uuid = uuid_of(sandbox, &order_number).await?;
    writeln!(out, "created order {order_number} ({uuid})")?;
    let mut fired = Vec::new();
    let paid = matches!(
        *event,
        "approved" | "refunded" | "auto_refunded" | "shipping_status_updated"
    );
    if paid {
        approve_on_hosted_page(sandbox, &session.checkout_url, &order_number).await?;
        writeln!(out, "  paid on the hosted page → approved")?;
        fired.push("approved");
    }
    match *event {
        "completed" => {
            client
                .send(&Complete::new(uuid.clone(), None))
                .await
                .context("complete")?;
            fired.extend(["approved", "completed"]);
        }
        "authorized" | "captured" => {
            client
                .send(&Authorize(uuid.clone()))
                .await
                .context("authorize")?;
            fired.push("authorized");
            if *event == "captured" {
                client
                    .send(&Capture(uuid.clone()))
                    .await
                    .context("capture")?;
                fired.push("captured");
            }
        }
        "cancelled" => {
            client
                .send(&Cancel::new(uuid.clone()).reason("points trigger"))
                .await
                .context("cancel")?;
            fired.push("cancelled");
        }
        "refunded" => {
            client
                .send(&Refund::full(uuid.clone()).reason("points trigger"))
                .await
                .context("refund")?;
            fired.push("refunded");
        }
        "auto_refunded" => {
            sandbox
                .control_post(&format!("/orders/{uuid}/auto-refund"), None)
                .await?;
            fired.push("auto_refunded");
        }
        "shipping_status_updated" => {
            client
                .send(&UpdateShipping::status(
                    uuid.clone(),
                    ShippingStatus::Delivered,
                ))
                .await
                .context("shipping status")?;
            fired.push("shipping_status_updated");
        }
        _ => {}
    }
    writeln!(out, "  fired {}", fired.join(", "))?;
    Ok(Triggered {
        order_number,
        uuid,
        fired,
    })
}

/// The uuid Points gave `order_number` (a checkout answers only the hosted page's URL).
pub(crate) async fn uuid_of(sandbox: &Sandbox, order_number: &str) -> Result<OrderUuid> {
    let order = sandbox
        .orders()
        .await?
        .into_iter()
        .find(|o| o["order_number"] == order_number)
        .with_context(|| format!("the sandbox does not list order {order_number}"))?;
    let uuid = order["uuid"].as_str().context("uuid")?;
    OrderUuid::parse(uuid).with_context(|| format!("uuid {uuid}"))
}

/// The shopper's one-click approve on the hosted page: a form POST, answered with a redirect to
/// the store (or, without a `callback_url`, Points' own success page). Checked on Points' side.
pub(crate) async fn approve_on_hosted_page(
    sandbox: &Sandbox,
    checkout_url: &str,
    order_number: &str,
) -> Result<()> {
    let session = checkout_url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .context("a session id in the checkout URL")?;
    let url = format!(
        "{}/checkout/{session}/approve",
        sandbox.url.as_str().trim_end_matches('/')
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()?;
    let response = http.post(&url).form(&[("lang", "en")]).send().await?;
    let status = response.status();
    let order = sandbox
        .orders()
        .await?
        .into_iter()
        .find(|o| o["order_number"] == order_number)
        .with_context(|| format!("the sandbox does not list order {order_number}"))?;
    if order["order_status"] != "approved" {
        bail!(
            "the hosted page answered {status} but the order is {}",
            order["order_status"]
        );
    }
    Ok(())
}

/// The delivery log of one order, as `GET /_sandbox/deliveries?order=` answers it.
pub async fn deliveries_of(sandbox: &Sandbox, uuid: &OrderUuid) -> Result<Vec<Value>> {
    let log = sandbox
        .control_get(&format!("/deliveries?order={uuid}"))
        .await?;
    Ok(log.as_array().cloned().unwrap_or_default())
}
