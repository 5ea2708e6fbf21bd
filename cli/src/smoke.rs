//! `points smoke`: the checklist's "sandbox end-to-end per flow", run for real and reconciled.
//!
//! Against a sandbox (the in-process one by default, or one at a URL with given keys) it starts
//! the points-kit merchant server in-process (a fresh SQLite file), registers the server's
//! webhook on the sandbox, then runs each flow and checks both sides agree:
//!
//! | flow | how | reconciled by |
//! |---|---|---|
//! | earning | `POST /v1/orders/earning` | `GET /v1/orders/{uuid}`: approved, our order number |
//! | checkout | the server's `POST /api/checkout`, the hosted page approved | the server says confirmed; Points says approved |
//! | webhook | the checkout's `approved` delivery | the server's inbox holds it, verified and applied |
//! | shipping | `POST /v1/orders/{uuid}/status` | the `shipping_status_updated` delivery applied |
//! | refund | `POST /v1/orders/{uuid}/refund` | the server says refunded; Points says fully_refunded |
//! | cancel | a second checkout, `POST /v1/orders/{uuid}/cancel` | the server says failed; Points says cancelled |
//!
//! A flow that fails says why and the flows that need it are skipped; the webhook registration
//! is deleted at the end (orders cannot be deleted through the API).

use std::fmt::Write as _;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use protocol::client::{
    Cancel, CreateWebhook, DeleteWebhook, Earning, GetOrder, Refund, UpdateShipping,
};
use protocol::{
    ApiKey, Earned, OrderNumber, OrderUuid, PhoneNumber, ProductLine, Sar, ShippingStatus,
    WebhookSecret,
};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::sandbox::Sandbox;

/// How long a flow waits for a webhook to be applied.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Pass,
    Fail,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub name: &'static str,
    pub outcome: Outcome,
    pub detail: String,
    pub millis: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct SmokeReport {
    pub flows: Vec<Flow>,
}

impl SmokeReport {
    pub fn passed(&self) -> bool {
        self.flows.iter().all(|f| f.outcome == Outcome::Pass)
    }

    pub fn flow(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name == name)
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<10} {:<8} {:>7}  DETAIL", "FLOW", "RESULT", "MS");
        for flow in &self.flows {
            let result = match flow.outcome {
                Outcome::Pass => "PASS",
                Outcome::Fail => "FAIL",
                Outcome::Skipped => "SKIPPED",
            };
            let _ = writeln!(
                out,
                "{:<10} {:<8} {:>7}  {}",
                flow.name, result, flow.millis, flow.detail
            );
        }
        out
    }
}

/// Starts the sandbox in-process on 127.0.0.1 with the demo merchant and fast webhook retries;
/// it runs until the returned task is aborted (or the process ends).
pub async fn in_process_sandbox() -> Result<(Sandbox, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let config = ::sandbox::SandboxConfig {
        webhook_backoff_scale: 0.01,
        ..::sandbox::SandboxConfig::demo(url.clone())
    };
    let task = tokio::spawn(async move {
        let _ = ::sandbox::serve(listener, ::sandbox::Sandbox::new(config)).await;
    });
    Ok((Sandbox::demo(url.parse()?), task))
}

/// The merchant server smoke starts, with what the flows need to reach it.
struct Merchant {
    url: String,
    admin_token: String,
    app: server::App,
    dir: std::path::PathBuf,
    http: reqwest::Client,
}

/// Runs every flow against `sandbox`, writing progress lines to `progress`.
pub async fn run(sandbox: &Sandbox, progress: &mut impl Write) -> Result<SmokeReport> {
    let client = sandbox.client()?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the merchant server")?;
    let url = format!("http://{}", listener.local_addr()?);
    let webhook = client
        .send(&CreateWebhook {
            name: "points smoke".into(),
            url: format!("{url}/webhooks/points"),
        })
        .await
        .context("registering the smoke server's webhook on the sandbox")?;
    writeln!(
        progress,
        "registered webhook {} → {url}/webhooks/points",
        webhook.uuid
    )?;
    let merchant = start_merchant(sandbox, listener, url, webhook.secret.clone()).await?;

    let mut flows = Vec::new();
    let mut step = |flow: Flow, progress: &mut dyn Write| {
        let _ = writeln!(
            progress,
            "{:<10} {:?} ({} ms) {}",
            flow.name, flow.outcome, flow.millis, flow.detail
        );
        flows.push(flow);
    };
    step(timed("earning", earning(sandbox)).await, progress);
    let (checkout, paid) = timed_with("checkout", checkout(sandbox, &merchant, true)).await;
    step(checkout, progress);
    match paid {
        Some(order) => {
            step(
                timed("webhook", webhook_stored(&merchant, &order)).await,
                progress,
            );
            step(
                timed("shipping", shipping(sandbox, &merchant, &order)).await,
                progress,
            );
            step(
                timed("refund", refund(sandbox, &merchant, &order)).await,
                progress,
            );
        }
        None => {
            for name in ["webhook", "shipping", "refund"] {
                step(skipped(name, "needs a paid checkout order"), progress);
            }
        }
    }
    step(timed("cancel", cancel(sandbox, &merchant)).await, progress);

    // Clean up what the API lets us: the webhook registration.
    if let Err(e) = client.send(&DeleteWebhook(webhook.uuid.clone())).await {
        writeln!(progress, "could not delete webhook {}: {e}", webhook.uuid)?;
    } else {
        writeln!(progress, "deleted webhook {}", webhook.uuid)?;
    }
    merchant.app.shutdown().await;
    let _ = std::fs::remove_dir_all(&merchant.dir);
    Ok(SmokeReport { flows })
}

async fn start_merchant(
    sandbox: &Sandbox,
    listener: TcpListener,
    url: String,
    secret: WebhookSecret,
) -> Result<Merchant> {
    let dir = std::env::temp_dir().join(format!("points-smoke-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let admin_token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let config = server::Config {
        ops: server::config::OpsConfig {
            admin_token: Some(server::config::AdminToken::new(admin_token.clone())),
            ..server::config::OpsConfig::default()
        },
        ..server::Config::new(
            format!("sqlite://{}", dir.join("smoke.db").display()),
            server::config::PointsAccount {
                base_url: format!("{}/api", sandbox.url.as_str().trim_end_matches('/')),
                public_key: sandbox.public_key.clone(),
                private_key: ApiKey::new(sandbox.private_key.expose()),
            },
            secret,
            url.clone(),
            server::Catalog::from_json(SMOKE_CATALOG).context("the smoke catalog")?,
        )
    };
    let app = server::App::start(config)
        .await
        .context("starting the merchant server")?;
    let router = app.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Merchant {
        url,
        admin_token,
        app,
        dir,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()?,
    })
}

/// One product, so the checkout total is known.
const SMOKE_CATALOG: &str = r#"{"products": [
  {"sku": "smoke-1", "name": {"ar": "منتج الفحص", "en": "Smoke test item"}, "price": "25.00"}
]}"#;

async fn timed(name: &'static str, flow: impl Future<Output = Result<String>>) -> Flow {
    timed_with(name, async { flow.await.map(|detail| (detail, ())) })
        .await
        .0
}

async fn timed_with<T>(
    name: &'static str,
    flow: impl Future<Output = Result<(String, T)>>,
) -> (Flow, Option<T>) {
    let started = Instant::now();
    let result = flow.await;
    let millis = started.elapsed().as_millis();
    match result {
        Ok((detail, value)) => (
            Flow {
                name,
                outcome: Outcome::Pass,
                detail,
                millis,
            },
            Some(value),
        ),
        Err(e) => (
            Flow {
                name,
                outcome: Outcome::Fail,
                detail: format!("{e:#}"),
                millis,
            },
            None,
        ),
    }
}

fn skipped(name: &'static str, why: &str) -> Flow {
    Flow {
        name,
        outcome: Outcome::Skipped,
        detail: why.into(),
        millis: 0,
    }
}

fn smoke_number() -> Result<OrderNumber> {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
    OrderNumber::parse(&format!("PK-SMOKE-{suffix}")).context("order number")
}

/// Points' view of an order, checked to be ours.
async fn reconcile(sandbox: &Sandbox, uuid: &OrderUuid, order_number: &str) -> Result<Value> {
    let order = sandbox
        .client()?
        .send(&GetOrder(uuid.clone()))
        .await
        .context("GET /v1/orders/{uuid}")?;
    if order.order_number.as_str() != order_number {
        bail!(
            "Points' order {uuid} carries order number {}, not ours ({order_number})",
            order.order_number
        );
    }
    Ok(json!({
        "order_status": order.order_status.as_str(),
        "total_price": order.total_price.to_string(),
    }))
}

async fn earning(sandbox: &Sandbox) -> Result<String> {
    let number = smoke_number()?;
    let phone = PhoneNumber::parse("0500000002").context("the sandbox's earning phone")?;
    let total = Sar::from_halalas(10_000);
    let request = Earning::new(
        number.clone(),
        phone,
        total,
        vec![ProductLine {
            product_name: "Smoke test item".into(),
            product_price: total,
            quantity: 1,
        }],
    );
    match sandbox.client()?.send(&request).await.context("earning")? {
        Earned::Recorded(order) => {
            let seen = reconcile(sandbox, &order.uuid, number.as_str()).await?;
            if seen["order_status"] != "approved" {
                bail!("Points recorded the earning but reads it back as {seen}");
            }
            Ok(format!(
                "{number}: {} points, reconciled approved",
                order.total_points
            ))
        }
        Earned::PendingActivation(_) => Ok(format!("{number}: pending the customer's activation")),
        Earned::AlreadyRecorded { order_number } => {
            bail!("a new order number {order_number} met 'already taken'")
        }
    }
}

/// A checkout order as the merchant server and Points know it.
struct Paid {
    order_number: String,
    uuid: OrderUuid,
}

async fn checkout(sandbox: &Sandbox, merchant: &Merchant, pay: bool) -> Result<(String, Paid)> {
    let created: Value = {
        let response = merchant
            .http
            .post(format!("{}/api/checkout", merchant.url))
            .json(&json!({"items": [{"sku": "smoke-1", "quantity": 1}], "lang": "en"}))
            .send()
            .await
            .context("the server's POST /api/checkout")?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("the merchant server answered the checkout {status}: {body}");
        }
        serde_json::from_str(&body).context("the checkout answer")?
    };
    let number = created["order_number"]
        .as_str()
        .context("order_number")?
        .to_owned();
    let checkout_url = created["checkout_url"].as_str().context("checkout_url")?;
    let uuid = crate::sandbox::trigger::uuid_of(sandbox, &number).await?;
    if !pay {
        return Ok((
            format!("{number} open"),
            Paid {
                order_number: number,
                uuid,
            },
        ));
    }
    crate::sandbox::trigger::approve_on_hosted_page(sandbox, checkout_url, &number).await?;
    server_reaches(merchant, &number, "confirmed").await?;
    let seen = reconcile(sandbox, &uuid, &number).await?;
    if seen["order_status"] != "approved" {
        bail!("the server says confirmed but Points says {seen}");
    }
    Ok((
        format!(
            "{number}: hosted page approved, server confirmed, Points approved {}",
            seen["total_price"]
        ),
        Paid {
            order_number: number,
            uuid,
        },
    ))
}

async fn webhook_stored(merchant: &Merchant, order: &Paid) -> Result<String> {
    let rows = inbox(merchant, &order.uuid).await?;
    let approved: Vec<&Value> = rows.iter().filter(|r| r["event"] == "approved").collect();
    match approved.as_slice() {
        [row] if row["processed"] == true => Ok(format!(
            "approved for {}: verified, stored once, applied",
            order.order_number
        )),
        [_] => bail!("the approved delivery is stored but not applied"),
        [] => bail!("no approved delivery stored for {}", order.uuid),
        more => bail!("{} approved rows for one order", more.len()),
    }
}

async fn shipping(sandbox: &Sandbox, merchant: &Merchant, order: &Paid) -> Result<String> {
    sandbox
        .client()?
        .send(&UpdateShipping::status(
            order.uuid.clone(),
            ShippingStatus::Delivered,
        ))
        .await
        .context("POST /v1/orders/{uuid}/status")?;
    eventually("the shipping_status_updated delivery applied", || async {
        let rows = inbox(merchant, &order.uuid).await?;
        Ok(rows
            .iter()
            .any(|r| r["event"] == "shipping_status_updated" && r["processed"] == true)
            .then_some(()))
    })
    .await?;
    Ok(format!(
        "{} delivered; its webhook applied",
        order.order_number
    ))
}

async fn refund(sandbox: &Sandbox, merchant: &Merchant, order: &Paid) -> Result<String> {
    sandbox
        .client()?
        .send(&Refund::full(order.uuid.clone()).reason("points smoke"))
        .await
        .context("POST /v1/orders/{uuid}/refund")?;
    server_reaches(merchant, &order.order_number, "refunded").await?;
    let seen = reconcile(sandbox, &order.uuid, &order.order_number).await?;
    if seen["order_status"] != "fully_refunded" {
        bail!("the server says refunded but Points says {seen}");
    }
    Ok(format!(
        "{}: refunded in full, server refunded, Points fully_refunded",
        order.order_number
    ))
}

async fn cancel(sandbox: &Sandbox, merchant: &Merchant) -> Result<String> {
    let (_, order) = checkout(sandbox, merchant, false).await?;
    sandbox
        .client()?
        .send(&Cancel::new(order.uuid.clone()).reason("points smoke"))
        .await
        .context("POST /v1/orders/{uuid}/cancel")?;
    server_reaches(merchant, &order.order_number, "failed").await?;
    let seen = reconcile(sandbox, &order.uuid, &order.order_number).await?;
    if seen["order_status"] != "cancelled" {
        bail!("the server says failed but Points says {seen}");
    }
    Ok(format!(
        "{}: cancelled, server failed, Points cancelled",
        order.order_number
    ))
}

async fn inbox(merchant: &Merchant, uuid: &OrderUuid) -> Result<Vec<Value>> {
    let rows: Value = merchant
        .http
        .get(format!("{}/admin/selftest/inbox/{uuid}", merchant.url))
        .bearer_auth(&merchant.admin_token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(rows["rows"].as_array().cloned().unwrap_or_default())
}

async fn server_reaches(merchant: &Merchant, number: &str, state: &str) -> Result<()> {
    eventually(&format!("the server says {state} for {number}"), || async {
        let order: Value = merchant
            .http
            .get(format!("{}/api/orders/{number}", merchant.url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok((order["state"] == state).then_some(()))
    })
    .await
}

async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    let mut last = None;
    loop {
        match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
        if started.elapsed() > SETTLE_TIMEOUT {
            match last {
                Some(e) => bail!("{what}: not after {SETTLE_TIMEOUT:?} ({e:#})"),
                None => bail!("{what}: not after {SETTLE_TIMEOUT:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
