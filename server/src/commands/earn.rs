//! `points-server earn purchase | store-rating | product-rating | list | show | retry`: the
//! earning outbox from the command line, through the same [`crate::earning`] calls as
//! `/admin/earnings`.
//!
//! An earning command enqueues and returns; with `--wait` it also sends the row itself, under
//! the outbox's database lease, so it never sends beside a running server (the server holds
//! the lease while it sends; the command then waits for the server to settle the row):
//!
//! ```sh
//! points-server earn purchase --order-number SALE-2026-0021 --phone 0512345678 \
//!     --total 115.00 --product "Cappuccino:18.50:2" --product "Croissant:39.00:2" --wait
//! points-server earn store-rating --review-reference REV-0042 --phone 0512345678 --rating 5
//! points-server earn list --state failed
//! points-server earn retry 42
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::earning::{self, EarningRequest, EarningView, EnqueueError, Sender, State};

/// `points-server earn …`.
#[derive(Debug, Args)]
pub struct EarnArgs {
    #[command(subcommand)]
    pub command: EarnCommand,
    /// Print JSON instead of lines for people.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EarnCommand {
    /// Points for a paid purchase (POST /v1/orders/earning).
    Purchase(PurchaseArgs),
    /// Flat points for rating the store (POST /v1/orders/earning/store-rating).
    StoreRating(StoreRatingArgs),
    /// Flat points for rating a product (POST /v1/orders/earning/product-rating).
    ProductRating(ProductRatingArgs),
    /// The newest outbox rows, optionally in one state.
    List {
        /// pending, recorded, pending_activation, already_recorded or failed.
        #[arg(long)]
        state: Option<String>,
    },
    /// One outbox row with its request (phone masked) and Points' answer.
    Show { id: i64 },
    /// Puts a failed earning back to pending, once its cause is fixed.
    Retry {
        id: i64,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

#[derive(Debug, Args)]
pub struct PurchaseArgs {
    /// The merchant-unique order number: Points' dedupe key.
    #[arg(long)]
    pub order_number: String,
    /// The customer's KSA mobile number.
    #[arg(long)]
    pub phone: String,
    /// The amount paid, in SAR ("115.00").
    #[arg(long)]
    pub total: String,
    /// A line as NAME:PRICE:QUANTITY ("Cappuccino:18.50:2"); at least one.
    #[arg(long = "product", required = true)]
    pub products: Vec<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub shipping_amount: Option<String>,
    #[arg(long)]
    pub tax_amount: Option<String>,
    #[arg(long)]
    pub discount_amount: Option<String>,
    /// A JSON object stored with the order at Points.
    #[arg(long)]
    pub metadata: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Args)]
pub struct StoreRatingArgs {
    /// The merchant-unique review reference: Points' dedupe key.
    #[arg(long)]
    pub review_reference: String,
    #[arg(long)]
    pub phone: String,
    /// 1 to 5.
    #[arg(long)]
    pub rating: Option<i64>,
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long)]
    pub metadata: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Args)]
pub struct ProductRatingArgs {
    #[arg(long)]
    pub review_reference: String,
    #[arg(long)]
    pub phone: String,
    /// The merchant's SKU or id of the product rated.
    #[arg(long)]
    pub product_id: String,
    #[arg(long)]
    pub product_name: Option<String>,
    #[arg(long)]
    pub rating: Option<i64>,
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long)]
    pub metadata: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct WaitArgs {
    /// Send the earning now (or let the running server send it) and wait for Points' answer.
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` waits, in seconds, before leaving the row to the server.
    #[arg(long, default_value_t = 60)]
    pub wait_timeout: u64,
}

/// Runs one `earn` command on a connected state, writing its output to `out`. A failed
/// earning (after `--wait`) is an error naming Points' reason.
pub async fn run(state: &AppState, args: EarnArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let json_output = args.json;
    let (body, wait) = match args.command {
        EarnCommand::Purchase(a) => (purchase_body(&a)?, a.wait),
        EarnCommand::StoreRating(a) => (store_rating_body(&a)?, a.wait),
        EarnCommand::ProductRating(a) => (product_rating_body(&a)?, a.wait),
        EarnCommand::List { state: wanted } => {
            let wanted = match wanted.as_deref() {
                None => None,
                Some(text) => Some(State::parse(text).with_context(|| {
                    format!("unknown state {text:?}: pending, recorded, pending_activation, already_recorded or failed")
                })?),
            };
            let rows = earning::list(&state.db, wanted).await?;
            if json_output {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                for row in &rows {
                    writeln!(out, "{}", line(row))?;
                }
            }
            return Ok(());
        }
        EarnCommand::Show { id } => {
            let row = earning::get(&state.db, id)
                .await?
                .with_context(|| format!("no earning {id}"))?;
            return print(out, &row, json_output);
        }
        EarnCommand::Retry { id, wait } => {
            let row = earning::get(&state.db, id)
                .await?
                .with_context(|| format!("no earning {id}"))?;
            if !earning::requeue(&state.db, id).await? {
                bail!(
                    "earning {id} is {}, only a failed earning can be retried",
                    row.state
                );
            }
            return finish(state, id, wait, out, json_output).await;
        }
    };
    let request = EarningRequest::parse(body).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
            .collect();
        anyhow::anyhow!("invalid earning: {}", lines.join("; "))
    })?;
    let queued = match earning::enqueue(&state.db, &request).await {
        Ok(queued) => queued,
        Err(EnqueueError::Conflict { id, key }) => {
            bail!("{key} is already enqueued as earning {id} with a different request")
        }
        Err(EnqueueError::Database(e)) => return Err(e).context("enqueueing the earning"),
    };
    finish(state, queued.id, wait, out, json_output).await
}

/// Prints the row, after waiting for it to settle when asked to.
async fn finish(
    state: &AppState,
    id: i64,
    wait: WaitArgs,
    out: &mut impl Write,
    json_output: bool,
) -> anyhow::Result<()> {
    let row = match wait.wait {
        true => wait_until_settled(state, id, Duration::from_secs(wait.wait_timeout)).await?,
        false => earning::get(&state.db, id)
            .await?
            .context("the earning vanished")?,
    };
    print(out, &row, json_output)?;
    if row.state == State::Failed {
        bail!(
            "earning {id} failed: {}",
            row.last_error.as_deref().unwrap_or("no reason recorded")
        );
    }
    Ok(())
}

/// Sends row `id` itself whenever it is due and the lease is free, else waits for whoever
/// holds the lease (a running server) to settle it.
pub async fn wait_until_settled(
    state: &AppState,
    id: i64,
    timeout: Duration,
) -> anyhow::Result<EarningView> {
    let sender = Sender::new(state);
    let deadline = Instant::now() + timeout;
    loop {
        let row = earning::get(&state.db, id)
            .await?
            .with_context(|| format!("no earning {id}"))?;
        if row.state.is_final() {
            return Ok(row);
        }
        if Instant::now() >= deadline {
            bail!(
                "earning {id} is still pending after {}s (last error: {}); it stays in the \
                 outbox and the server sends it",
                timeout.as_secs(),
                row.last_error.as_deref().unwrap_or("none")
            );
        }
        let pass = sender.send_earning(id).await?;
        if pass.attempts == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn print(out: &mut impl Write, row: &EarningView, json_output: bool) -> anyhow::Result<()> {
    if json_output {
        writeln!(out, "{}", serde_json::to_string_pretty(row)?)?;
    } else {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// `12  purchase  SALE-1  recorded  1 attempt(s)  …`.
fn line(row: &EarningView) -> String {
    let mut text = format!(
        "{}\t{}\t{}\t{}\t{} attempt(s)",
        row.id, row.kind, row.dedup_key, row.state, row.attempts
    );
    if let Some(points) = row
        .answer
        .as_ref()
        .and_then(|a| a.get("total_points"))
        .and_then(Value::as_u64)
    {
        text.push_str(&format!("\t{points} points"));
    }
    if let Some(error) = &row.last_error {
        text.push_str(&format!("\t{error}"));
    }
    text
}

fn purchase_body(args: &PurchaseArgs) -> anyhow::Result<Value> {
    let products = args
        .products
        .iter()
        .map(|text| {
            let mut parts = text.rsplitn(3, ':');
            let (Some(quantity), Some(price), Some(name)) =
                (parts.next(), parts.next(), parts.next())
            else {
                bail!("--product {text:?} is not NAME:PRICE:QUANTITY");
            };
            let quantity: i64 = quantity
                .trim()
                .parse()
                .with_context(|| format!("--product {text:?}: the quantity is not a number"))?;
            Ok(json!({"product_name": name, "product_price": price.trim(), "quantity": quantity}))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut body = object(json!({
        "kind": "purchase",
        "order_number": args.order_number,
        "phone_number": args.phone,
        "total_price": args.total,
        "products": products,
    }));
    insert(&mut body, "name", args.name.clone().map(Value::String));
    for (key, value) in [
        ("shipping_amount", &args.shipping_amount),
        ("tax_amount", &args.tax_amount),
        ("discount_amount", &args.discount_amount),
    ] {
        insert(&mut body, key, value.clone().map(Value::String));
    }
    insert(&mut body, "metadata", metadata(args.metadata.as_deref())?);
    Ok(Value::Object(body))
}

fn store_rating_body(args: &StoreRatingArgs) -> anyhow::Result<Value> {
    let mut body = object(json!({
        "kind": "store_rating",
        "review_reference": args.review_reference,
        "phone_number": args.phone,
    }));
    insert(&mut body, "rating", args.rating.map(Value::from));
    insert(
        &mut body,
        "comment",
        args.comment.clone().map(Value::String),
    );
    insert(&mut body, "metadata", metadata(args.metadata.as_deref())?);
    Ok(Value::Object(body))
}

fn product_rating_body(args: &ProductRatingArgs) -> anyhow::Result<Value> {
    let mut body = object(json!({
        "kind": "product_rating",
        "review_reference": args.review_reference,
        "phone_number": args.phone,
        "product_id": args.product_id,
    }));
    insert(
        &mut body,
        "product_name",
        args.product_name.clone().map(Value::String),
    );
    insert(&mut body, "rating", args.rating.map(Value::from));
    insert(
        &mut body,
        "comment",
        args.comment.clone().map(Value::String),
    );
    insert(&mut body, "metadata", metadata(args.metadata.as_deref())?);
    Ok(Value::Object(body))
}

fn metadata(text: Option<&str>) -> anyhow::Result<Option<Value>> {
    text.map(|t| serde_json::from_str(t).context("--metadata is not JSON"))
        .transpose()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert(body: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        body.insert(key.to_owned(), value);
    }
}
