//! Fault and load tests (issue 9), bounded and on loopback only: a duplicate storm, a SIGKILL
//! and a Postgres restart in the middle of one, Points failing every call the server makes,
//! and hostile bodies (10 MB, slow-loris). Each counts what changed in the database instead
//! of timing anything; `docs/reliability.md` says what each one shows.

mod bodies;
mod points_down;
mod postgres_restart;
mod sigkill;
mod storm;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};

use crate::helpers::{TestPoints, order_event};

/// How many deliveries one storm keeps in flight at once (ten senders, each with a few open).
pub const IN_FLIGHT: usize = 40;

/// Creates `count` orders through `POST /api/checkout` on `address`, a few at a time; their
/// order numbers.
pub async fn checkouts(http: &reqwest::Client, address: &str, count: usize) -> Vec<String> {
    futures::stream::iter(0..count)
        .map(|_| async move {
            let created: Value = http
                .post(format!("{address}/api/checkout"))
                .json(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
                .send()
                .await
                .expect("checkout")
                .json()
                .await
                .expect("checkout json");
            created["order_number"]
                .as_str()
                .expect("order_number")
                .to_owned()
        })
        .buffer_unordered(8)
        .collect()
        .await
}

/// Pays every order at Points, then one `approved` event per order with its Points uuid, as
/// Points sends it (and as the worker's check with Points confirms).
pub async fn approvals(points: &TestPoints, order_numbers: &[String]) -> Vec<Value> {
    let uuids = points.approve_all(order_numbers).await;
    order_numbers
        .iter()
        .zip(&uuids)
        .map(|(number, uuid)| order_event("approved", number, uuid, "approved"))
        .collect()
}

/// What a storm saw: the order numbers whose event was acknowledged at least once, and how
/// many deliveries were answered with something other than 200 (or not at all).
#[derive(Debug, Default)]
pub struct StormReport {
    pub acked: HashSet<String>,
    pub failed: usize,
    pub sent: usize,
}

/// Delivers every event `copies` times, the copies interleaved (copy 0 of every event, then
/// copy 1, …) and [`IN_FLIGHT`] at a time, as Points retrying into a busy endpoint would.
/// With `retry`, a delivery not answered 200 is sent again after a short pause until it is
/// (Points' own retries), so every event is eventually acknowledged; without, it is counted in
/// `failed` and dropped. `report` fills as answers arrive, so a concurrent task can watch it.
pub async fn storm(
    http: &reqwest::Client,
    address: &str,
    secret: &str,
    events: &[Value],
    copies: usize,
    retry: bool,
    report: &Arc<Mutex<StormReport>>,
) {
    let deliveries = (0..copies).flat_map(|_| events.iter());
    futures::stream::iter(deliveries)
        .for_each_concurrent(IN_FLIGHT, |event| async move {
            loop {
                let ok = deliver(http, address, secret, event).await;
                {
                    let mut seen = report.lock().expect("report");
                    seen.sent += 1;
                    if ok {
                        let number = event["order"]["order_number"].as_str().map(str::to_owned);
                        seen.acked.extend(number);
                    } else {
                        seen.failed += 1;
                    }
                }
                if ok || !retry {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
}

/// One signed delivery; whether it was answered 200.
pub async fn deliver(http: &reqwest::Client, address: &str, secret: &str, event: &Value) -> bool {
    let sent = http
        .post(format!("{address}/webhooks/points"))
        .header("content-type", "application/json")
        .header("x-webhook-secret", secret)
        .header(
            "x-webhook-event",
            event["event"].as_str().unwrap_or_default(),
        )
        .body(event.to_string())
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    sent.is_ok_and(|r| r.status() == 200)
}

/// `(order_status, number of order_transitions)` of every order, by order number.
pub async fn applied(db: &AnyPool) -> std::collections::HashMap<String, (Option<String>, i64)> {
    sqlx::query(
        "SELECT o.order_number, o.order_status, COUNT(t.id) AS changes
         FROM orders o LEFT JOIN order_transitions t ON t.order_id = o.id
         GROUP BY o.order_number, o.order_status",
    )
    .fetch_all(db)
    .await
    .expect("orders with their transitions")
    .into_iter()
    .map(|row| {
        (
            row.get::<String, _>("order_number"),
            (
                row.get::<Option<String>, _>("order_status"),
                row.get::<i64, _>("changes"),
            ),
        )
    })
    .collect()
}

/// `SELECT COUNT(*) FROM {from_where}` on `db`.
pub async fn count(db: &AnyPool, from_where: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {from_where}"))
        .fetch_one(db)
        .await
        .expect("count")
        .get("n")
}

/// Polls until no inbox row is left unprocessed, for at most `limit`.
pub async fn drained(db: &AnyPool, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let left =
            sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox WHERE processed_at IS NULL")
                .fetch_one(db)
                .await
                .map(|row| row.get::<i64, _>("n"));
        if matches!(left, Ok(0)) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the inbox did not drain within {limit:?}: {left:?} rows left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts that every order in `numbers` is `approved` with exactly one state change.
pub async fn assert_applied_once(db: &AnyPool, numbers: impl IntoIterator<Item = &String>) {
    let applied = applied(db).await;
    for number in numbers {
        assert_eq!(
            applied.get(number),
            Some(&(Some("approved".to_owned()), 1)),
            "order {number}: (status, state changes)"
        );
    }
}
