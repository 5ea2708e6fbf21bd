//! Support refunds from the admin API; the shopper's order page shows it once Points' `refunded`
//! webhook has reached the merchant server, and not a moment before (the admin answer itself
//! changes nothing locally).

use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::json;

use crate::flows::{OUD_50, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{admin, order_state, start_stack};
use crate::pages::{OrderPage, ReturnPage};

scenario!(admin_refund_shows_on_the_order_page_after_its_webhook);

async fn admin_refund_shows_on_the_order_page_after_its_webhook(session: Session) -> Result<()> {
    let stack = start_stack(true).await?;
    let gate = stack.gate.clone().context("gate requested")?;
    gate.open();
    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    hosted.approve().await?;
    let order_number = back_on_return_page(&session, &stack).await?;
    ReturnPage(&session).shows_confirmed(&order_number).await?;
    let order_page = OrderPage(&session);
    order_page
        .open(&stack.storefront_url, &order_number)
        .await?;
    order_page
        .shows(&order_number, "confirmed", OUD_50.price)
        .await?;

    // Points' `refunded` webhook is held at the gate.
    gate.close();
    let refund = admin(
        &stack,
        Method::POST,
        &format!("/admin/orders/{order_number}/refund"),
        Some(&json!({"amount": "50.00", "reason": "damaged box"})),
    )
    .await?;
    assert_eq!(
        refund["points"]["order_status"], "partially_refunded",
        "{refund}"
    );
    assert_eq!(
        refund["order"]["state"], "confirmed",
        "nothing changed locally: {refund}"
    );
    // The `approved` delivery went through the gate before; the `refunded` one is the second.
    tokio::time::timeout(Duration::from_secs(10), gate.wait_for_held(2))
        .await
        .context("Points sent the refunded webhook")?;
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "confirmed"
    );
    order_page
        .shows(&order_number, "confirmed", OUD_50.price)
        .await?;
    session.snap("refund-sent-webhook-held").await?;

    // The webhook lands: the open page turns refunded by itself, amount and Points' status shown.
    gate.open();
    order_page
        .shows_refunded("50.00", "partially_refunded")
        .await?;
    session.snap("refunded").await?;
    let order = order_state(&stack, &order_number).await?;
    assert_eq!(order["refunded_amount"], "50.00", "{order}");
    stack.stop().await;
    Ok(())
}
