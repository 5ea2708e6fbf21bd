//! `bench-load`: the load generator `cargo xtask bench` runs as a separate process.
//!
//! ```text
//! bench-load intake URL SECRET RATE SECONDS   # open-loop constant rate; JSON on stdout
//! bench-load storm SERVER SECRET SANDBOX DB ORDERS COPIES
//! bench-load reconcile SERVER ADMIN_TOKEN SANDBOX DB ORDERS LIMITED EVERY
//! bench-load createdb ADMIN_URL NAME | dropdb ADMIN_URL NAME
//! ```
//!
//! `intake` sends signed `approved` deliveries, each for a new Points uuid (so every one is a
//! real durable insert, not a duplicate), at a fixed offered rate: request `i` is due at
//! `start + i / RATE` whatever happened to the others (open loop), and its latency counts from
//! that due time, so a server that falls behind shows it in p99 instead of slowing the
//! generator down (no coordinated omission). The first second is warm-up and not counted.
//!
//! `storm` creates ORDERS orders through the server's checkout and has the shopper pay each on
//! the sandbox's hosted page (so the server's check with Points, when on, confirms them; the
//! paying is not timed), then delivers each order's `approved` event, with its Points uuid,
//! COPIES times, interleaved, 40 at a time; once the inbox is drained it
//! reads, per event, the time from its storage (the moment before the 200) to its state change
//! from the database: `order_transitions.at - webhook_inbox.received_at`.
//!
//! `reconcile` has the sandbox create ORDERS orders at Points (approved, new, cancelled and
//! captured in turn), stores them here as `new` (as if every webhook had been lost), has the
//! sandbox answer every EVERY-th order read with 429, LIMITED times (0: none), and times a
//! whole `POST /admin/reconcile {"all": true}` run, from the request to the report saying
//! `finished`, with the server's default pacing. It reads the calls made from the report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyPoolOptions;

/// Requests in flight at most; a request due while all are busy waits, and its wait counts.
const CONNECTIONS: usize = 256;
const WARM_UP: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, what: &str| {
        args.get(i)
            .cloned()
            .with_context(|| format!("missing argument {i}: {what}"))
    };
    let report = match args.first().map(String::as_str) {
        Some("intake") => {
            intake(
                &arg(1, "URL")?,
                &arg(2, "SECRET")?,
                arg(3, "RATE")?.parse()?,
                arg(4, "SECONDS")?.parse()?,
            )
            .await?
        }
        Some("flooded") => {
            flooded(
                &arg(1, "SERVER")?,
                &arg(2, "SECRET")?,
                arg(3, "RATE")?.parse()?,
                arg(4, "SECONDS")?.parse()?,
                arg(5, "FLOODERS")?.parse()?,
            )
            .await?
        }
        Some("storm") => {
            storm(
                &arg(1, "SERVER")?,
                &arg(2, "SECRET")?,
                &arg(3, "SANDBOX")?,
                &arg(4, "DB")?,
                arg(5, "ORDERS")?.parse()?,
                arg(6, "COPIES")?.parse()?,
            )
            .await?
        }
        Some("reconcile") => {
            reconcile(
                &arg(1, "SERVER")?,
                &arg(2, "ADMIN_TOKEN")?,
                &arg(3, "SANDBOX")?,
                &arg(4, "DB")?,
                arg(5, "ORDERS")?.parse()?,
                arg(6, "LIMITED")?.parse()?,
                arg(7, "EVERY")?.parse()?,
            )
            .await?
        }
        Some(command @ ("createdb" | "dropdb")) => {
            let admin = arg(1, "ADMIN_URL")?;
            let name = arg(2, "NAME")?;
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("a database name of letters, digits and _ only");
            }
            sqlx::any::install_default_drivers();
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect(&admin)
                .await?;
            let sql = if command == "createdb" {
                format!("CREATE DATABASE {name}")
            } else {
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            };
            sqlx::query(&sql).execute(&pool).await?;
            json!({ "ok": true })
        }
        _ => bail!("usage: bench-load intake|storm|reconcile|createdb|dropdb …"),
    };
    println!("{report}");
    Ok(())
}

fn approved(order_number: &str) -> String {
    approved_with(order_number, &uuid::Uuid::new_v4().to_string())
}

fn approved_with(order_number: &str, uuid: &str) -> String {
    json!({
        "event": "approved",
        "order": {
            "id": uuid,
            "reference_number": "REF-BENCH",
            "order_number": order_number,
            "type": "replacing",
            "total_price": 150.75,
            "total_points": 5025,
            "payment_status": "fully_paid",
            "order_status": "approved",
            "metadata": null,
            "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:05:12Z"
        },
        "timestamp": "2026-12-01T10:05:12Z"
    })
    .to_string()
}

/// The shopper approves each order's latest checkout session on the sandbox's hosted page;
/// the orders' Points uuids, in order.
async fn pay_at_points(sandbox: &str, numbers: &[String]) -> Result<Vec<String>> {
    // The hosted page answers 303 back to the store, which is not running here.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let orders: Value = http
        .get(format!("{sandbox}/_sandbox/orders"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mine: std::collections::HashMap<&str, &Value> = orders
        .as_array()
        .context("the sandbox's orders")?
        .iter()
        .filter(|o| o["merchant"] == MERCHANT)
        .filter_map(|o| Some((o["order_number"].as_str()?, o)))
        .collect();
    let found = numbers
        .iter()
        .map(|number| {
            let order = mine
                .get(number.as_str())
                .with_context(|| format!("no order {number} at the sandbox"))?;
            let session = order["sessions"]
                .as_array()
                .and_then(|s| s.last())
                .and_then(|s| s["id"].as_str())
                .with_context(|| format!("no checkout session for {number}"))?;
            let uuid = order["uuid"].as_str().context("an order without uuid")?;
            Ok((session.to_owned(), uuid.to_owned()))
        })
        .collect::<Result<Vec<(String, String)>>>()?;
    futures::stream::iter(&found)
        .map(|(session, _)| {
            let http = http.clone();
            async move {
                let answer = http
                    .post(format!("{sandbox}/checkout/{session}/approve"))
                    .form(&[("lang", "en")])
                    .send()
                    .await?;
                if answer.status() != reqwest::StatusCode::SEE_OTHER {
                    bail!("the hosted page answered {} to approve", answer.status());
                }
                Ok(())
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<Result<()>>>()
        .await
        .into_iter()
        .collect::<Result<()>>()?;
    Ok(found.into_iter().map(|(_, uuid)| uuid).collect())
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .timeout(Duration::from_secs(10))
        .build()?)
}

async fn intake(url: &str, secret: &str, rate: f64, seconds: f64) -> Result<Value> {
    let http = client()?;
    let total = (rate * (seconds + WARM_UP.as_secs_f64())) as usize;
    let warm_up = (rate * WARM_UP.as_secs_f64()) as usize;
    let period = Duration::from_secs_f64(1.0 / rate);
    let permits = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let start = tokio::time::Instant::now();
    for i in 0..total {
        let due = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let permit = permits.clone().acquire_owned().await?;
        let (http, done_tx) = (http.clone(), done_tx.clone());
        let (url, secret) = (url.to_owned(), secret.to_owned());
        tokio::spawn(async move {
            let body = approved(&format!("PK-BENCH-{i}"));
            let answer = http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-webhook-secret", secret)
                .header("x-webhook-event", "approved")
                .body(body)
                .send()
                .await;
            let ok = answer.is_ok_and(|r| r.status().is_success());
            let latency = due.elapsed();
            drop(permit);
            let _ = done_tx.send((i, ok, latency, tokio::time::Instant::now()));
        });
    }
    drop(done_tx);
    let mut latencies = Vec::with_capacity(total);
    let (mut ok, mut errors) = (0usize, 0usize);
    let mut last = start;
    while let Some((i, success, latency, finished)) = done_rx.recv().await {
        if i < warm_up {
            continue;
        }
        last = last.max(finished);
        if success {
            ok += 1;
            latencies.push(latency.as_secs_f64() * 1000.0);
        } else {
            errors += 1;
        }
    }
    let measured_from = start + period.mul_f64(warm_up as f64);
    let elapsed = last.duration_since(measured_from).as_secs_f64();
    Ok(json!({
        "offered_rps": rate,
        "seconds": seconds,
        "requests": total - warm_up,
        "ok": ok,
        "errors": errors,
        "achieved_rps": ok as f64 / elapsed.max(f64::EPSILON),
        "p50_ms": percentile(&mut latencies, 0.50),
        "p99_ms": percentile(&mut latencies, 0.99),
        "max_ms": percentile(&mut latencies, 1.0),
    }))
}

/// Webhook intake at `rate` a second while `flooders` anonymous clients hammer the public
/// endpoints as fast as they are answered, each request from another address: status polls of
/// guessed order numbers, checkouts with an empty cart, `/metrics`. Intake's latencies, and
/// what the flood got back.
async fn flooded(
    server: &str,
    secret: &str,
    rate: f64,
    seconds: f64,
    flooders: usize,
) -> Result<Value> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counts = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<
        String,
        u64,
    >::new()));
    let mut tasks = Vec::new();
    for flooder in 0..flooders {
        // Its own connection pool per flooder, as separate clients would have.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let (stop, counts, server) = (stop.clone(), counts.clone(), server.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let request = match n % 3 {
                    0 => http.get(format!(
                        "{server}/api/orders/PK-000000-{:08X}",
                        n * 7919 + flooder as u64
                    )),
                    1 => http
                        .post(format!("{server}/api/checkout"))
                        .json(&json!({"items": []})),
                    _ => http.get(format!("{server}/metrics")),
                };
                // A distributed flood: each request from another address (the server reads
                // them from this header in the bench), so only the global and in-flight limits
                // can hold it, not the per-address ones.
                let request = request.header(
                    "x-forwarded-for",
                    format!("10.{}.{}.{}", flooder % 250, (n / 250) % 250, n % 250),
                );
                let label = match request.send().await {
                    Ok(response) => response.status().as_u16().to_string(),
                    Err(_) => "error".to_owned(),
                };
                *counts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(label)
                    .or_default() += 1;
            }
        }));
    }
    let mut report = intake(&format!("{server}/webhooks/points"), secret, rate, seconds).await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let counts = counts.lock().unwrap_or_else(|p| p.into_inner()).clone();
    report["flood"] = json!({
        "clients": flooders,
        "answers": counts,
        "requests": counts.values().sum::<u64>(),
    });
    Ok(report)
}

async fn storm(
    server: &str,
    secret: &str,
    sandbox: &str,
    db: &str,
    orders: usize,
    copies: usize,
) -> Result<Value> {
    let http = client()?;
    let numbers: Vec<String> = futures::stream::iter(0..orders)
        .map(|_| {
            let http = http.clone();
            async move {
                let created: Value = http
                    .post(format!("{server}/api/checkout"))
                    .json(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                created["order_number"]
                    .as_str()
                    .map(str::to_owned)
                    .context("no order_number")
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<Result<String>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let uuids = pay_at_points(sandbox, &numbers).await?;
    let events: Vec<String> = numbers
        .iter()
        .zip(&uuids)
        .map(|(n, uuid)| approved_with(n, uuid))
        .collect();
    let url = format!("{server}/webhooks/points");
    let started = Instant::now();
    let failed = futures::stream::iter((0..copies).flat_map(|_| events.iter()))
        .map(|body| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let answer = http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-webhook-secret", secret)
                    .header("x-webhook-event", "approved")
                    .body(body.clone())
                    .send()
                    .await;
                !answer.is_ok_and(|r| r.status().is_success())
            }
        })
        .buffer_unordered(40)
        .filter(|failed| futures::future::ready(*failed))
        .count()
        .await;
    let storm_ms = started.elapsed().as_secs_f64() * 1000.0;

    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(1).connect(db).await?;
    let drain_started = Instant::now();
    loop {
        let left: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox WHERE processed_at IS NULL")
                .fetch_one(&pool)
                .await?
                .get("n");
        if left == 0 {
            break;
        }
        if drain_started.elapsed() > Duration::from_secs(120) {
            bail!("the inbox did not drain in 120 s ({left} left)");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained_ms = started.elapsed().as_secs_f64() * 1000.0;
    let rows = sqlx::query(
        "SELECT i.received_at, t.at FROM order_transitions t
         JOIN webhook_inbox i ON i.id = t.inbox_id",
    )
    .fetch_all(&pool)
    .await?;
    let mut lags: Vec<f64> = rows
        .iter()
        .filter_map(|row| {
            let received = millis(&row.get::<String, _>("received_at"))?;
            let applied = millis(&row.get::<String, _>("at"))?;
            Some((applied - received) as f64)
        })
        .collect();
    Ok(json!({
        "orders": orders,
        "deliveries": orders * copies,
        "failed_deliveries": failed,
        "state_changes": lags.len(),
        "storm_ms": storm_ms,
        "drained_ms": drained_ms,
        "ack_to_applied_p50_ms": percentile(&mut lags, 0.50),
        "ack_to_applied_p99_ms": percentile(&mut lags, 0.99),
        "ack_to_applied_max_ms": percentile(&mut lags, 1.0),
    }))
}

/// The demo merchant's public key, the one `cargo xtask bench` starts the server with.
const MERCHANT: &str = "pk_sandbox_demo";

async fn reconcile(
    server: &str,
    admin_token: &str,
    sandbox: &str,
    db: &str,
    orders: u32,
    limited: u32,
    every: u32,
) -> Result<Value> {
    let http = client()?;
    let prefix = format!("RC{}-", uuid::Uuid::new_v4().simple());
    let seeded: Value = http
        .post(format!("{sandbox}/_sandbox/orders/bulk"))
        .timeout(Duration::from_secs(120))
        .json(
            &json!({"merchant": MERCHANT, "count": orders, "order_number_prefix": prefix,
                      "total_price": 150.75,
                      "statuses": ["approved", "new", "cancelled", "captured"]}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let seeded = seeded.as_array().context("the sandbox's bulk answer")?;
    if seeded.len() != orders as usize {
        bail!("the sandbox created {} orders, not {orders}", seeded.len());
    }
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(1).connect(db).await?;
    let now = time::OffsetDateTime::now_utc().format(STAMP)?;
    let mut tx = pool.begin().await?;
    for chunk in seeded.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO orders (order_number, points_uuid, reference_number, order_status, \
             total_halalas, lang, items_json, created_at, updated_at) VALUES ",
        );
        for (i, order) in chunk.iter().enumerate() {
            let field = |name: &str| {
                order[name]
                    .as_str()
                    .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                    .with_context(|| format!("the sandbox's order {name}"))
            };
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{}', '{}', '{}', 'new', 15075, 'ar', '[]', '{now}', '{now}')",
                field("order_number")?,
                field("uuid")?,
                field("reference_number")?,
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if limited > 0 {
        http.post(format!("{sandbox}/_sandbox/faults"))
            .json(
                &json!({"route": "/api/v1/orders/{order_uuid}", "method": "GET",
                          "fault": "status", "status": 429, "count": limited, "every": every}),
            )
            .send()
            .await?
            .error_for_status()?;
    }

    let started = Instant::now();
    let answer = http
        .post(format!("{server}/admin/reconcile"))
        .bearer_auth(admin_token)
        .json(&json!({"all": true}))
        .send()
        .await?;
    if answer.status() != reqwest::StatusCode::ACCEPTED {
        bail!("POST /admin/reconcile answered {}", answer.status());
    }
    let run_id = answer.json::<Value>().await?["run_id"].clone();
    let report = loop {
        let report: Value = http
            .get(format!("{server}/admin/reconcile/runs/latest"))
            .bearer_auth(admin_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if report["run_id"] == run_id && report["status"] != "running" {
            break report;
        }
        if started.elapsed() > Duration::from_secs(900) {
            bail!("the reconciliation did not finish in 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let counts = &report["counts"];
    if report["status"] != "finished" || counts["checked"] != orders || counts["errors"] != 0 {
        bail!("the reconciliation did not check every order: {report}");
    }
    Ok(json!({
        "orders": orders,
        "injected_429": limited,
        "wall_ms": wall_ms,
        "report_wall_time_ms": report["wall_time_ms"],
        "points_calls": report["points_calls"],
        "rate_limited": report["rate_limited"],
        // One read per order, and one more per 429: nothing fewer can check them all.
        "fewest_calls": orders + limited,
        "fixed": counts["fixed"],
        "unchanged": counts["unchanged"],
    }))
}

/// How the server stores timestamps (`server::db::timestamp`).
const STAMP: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// Milliseconds since the epoch of a stored `2026-12-01T10:05:12.123Z`.
fn millis(stamp: &str) -> Option<i64> {
    let at = time::PrimitiveDateTime::parse(stamp, STAMP)
        .ok()?
        .assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Nearest-rank percentile (sorts in place); `null` when empty.
fn percentile(values: &mut [f64], q: f64) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    json!((values[rank - 1] * 100.0).round() / 100.0)
}
