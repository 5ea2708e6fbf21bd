//! Earning: points for a purchase, a store rating or a product rating (API.md §3.4–3.6),
//! through a durable outbox.
//!
//! The merchant's code (or support, through `POST /admin/earnings` and `points-server earn`)
//! calls [`enqueue`] (inside the server, [`submit`], which also wakes the sender): the earning
//! is stored as a pending row of `earning_outbox`, unique on Points' own dedupe key (a
//! purchase's `order_number`, a rating's `review_reference`), and the call returns at once. The [`sender`] started by [`crate::App::start`] sends the rows to
//! Points one at a time per merchant, retries 429, 5xx and network failures with back-off
//! (honouring `Retry-After`), stores a pending-activation answer as such, and marks a row
//! `failed` with Points' reason when Points refuses the earning itself (a 422, a 400 business
//! rule). A row is sent at most once per dedupe key and never dropped: see [`sender`] for why
//! a crash at any point can neither lose an earning nor award it twice.
//!
//! ```no_run
//! # async fn run(state: &server::AppState) -> anyhow::Result<()> {
//! use server::earning::{self, EarningRequest};
//! let request = EarningRequest::parse(serde_json::json!({
//!     "kind": "store_rating", "review_reference": "REV-2026-0042",
//!     "phone_number": "0512345678", "rating": 5,
//! })).map_err(|errors| anyhow::anyhow!("{errors:?}"))?;
//! // `enqueue(&state.db, …)` from anywhere; `submit` also wakes this process's sender.
//! let queued = earning::submit(state, &request).await?;
//! # Ok(()) }
//! ```

pub mod outbox;
pub mod request;
pub mod sender;

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

pub use outbox::{Backlog, EnqueueError, Enqueued, OutboxRow, State};
pub use request::{EarningRequest, Kind};
pub use sender::{Pass, Sender, SenderHandle};

use crate::db::Pool;

/// Earning outbox rows by state (sampled from the database at scrape).
pub const OUTBOX_DEPTH: &str = "pointskit_earning_outbox_depth";
/// Age of the oldest pending earning, 0 when none is pending (sampled at scrape).
pub const OUTBOX_OLDEST_AGE: &str = "pointskit_earning_outbox_oldest_pending_age_seconds";

/// The most rows [`list`] returns.
pub const LIST_LIMIT: i64 = 100;

/// The outbox's answer to [`enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub id: i64,
    pub outcome: Enqueued,
}

/// Stores `request` for the sender. The same earning enqueued again is the same row
/// ([`Enqueued::Existing`]); another earning under a key already taken is
/// [`EnqueueError::Conflict`], unless the key's row failed, which the new request replaces
/// ([`Enqueued::Requeued`]). Wake the sender afterwards with
/// [`crate::AppState::earning_notify`] when there is one in this process.
pub async fn enqueue(pool: &Pool, request: &EarningRequest) -> Result<Queued, EnqueueError> {
    let (id, outcome) = outbox::insert(pool, request).await?;
    if outcome != Enqueued::Existing {
        tracing::info!(earning_id = id, kind = %request.kind(), key = %request.dedup_key(), ?outcome, "earning enqueued");
    }
    Ok(Queued { id, outcome })
}

/// [`enqueue`] and wake this process's sender, so the earning is sent now rather than at the
/// next poll: what code running inside the server (a handler, the admin API) calls.
pub async fn submit(
    state: &crate::AppState,
    request: &EarningRequest,
) -> Result<Queued, EnqueueError> {
    let queued = enqueue(&state.db, request).await?;
    state.earning_notify.notify_one();
    Ok(queued)
}

/// One row as the admin API and the CLI show it.
pub async fn get(pool: &Pool, id: i64) -> Result<Option<EarningView>, sqlx::Error> {
    Ok(outbox::get(&**pool, id).await?.map(EarningView::from))
}

/// The newest [`LIST_LIMIT`] rows, in `state` or all.
pub async fn list(pool: &Pool, state: Option<State>) -> Result<Vec<EarningView>, sqlx::Error> {
    let rows = outbox::list(&**pool, state, LIST_LIMIT).await?;
    Ok(rows.into_iter().map(EarningView::from).collect())
}

/// Puts a failed row back to pending, due now; `false` if it is not failed (or absent).
pub async fn requeue(pool: &Pool, id: i64) -> Result<bool, sqlx::Error> {
    let requeued = outbox::requeue(&**pool, id).await?;
    if requeued {
        tracing::info!(earning_id = id, "failed earning requeued");
    }
    Ok(requeued)
}

/// An outbox row for people: the request with its phone number masked, the answer as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct EarningView {
    pub id: i64,
    pub kind: Kind,
    pub dedup_key: String,
    pub state: State,
    pub attempts: i64,
    /// When the next attempt may be made (pending rows).
    pub next_attempt_at: Option<String>,
    /// Pending: the last attempt's failure. Failed: why Points refused it.
    pub last_error: Option<String>,
    pub request: Value,
    pub answer: Option<Value>,
    pub points_uuid: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
}

impl From<OutboxRow> for EarningView {
    fn from(row: OutboxRow) -> Self {
        let mut request: Value = serde_json::from_str(&row.request).unwrap_or(Value::Null);
        if let Some(phone) = request.get_mut("phone_number") {
            // Stored whole while pending, masked already once Points has the earning.
            let masked = phone
                .as_str()
                .and_then(|p| match protocol::PhoneNumber::parse(p) {
                    Ok(number) => Some(number.masked()),
                    Err(_) => (p.contains('*') || p == "[erased]").then(|| p.to_owned()),
                });
            *phone = masked.map_or(Value::Null, Value::String);
        }
        EarningView {
            id: row.id,
            kind: row.kind,
            dedup_key: row.dedup_key,
            state: row.state,
            attempts: row.attempts,
            next_attempt_at: (row.state == State::Pending).then_some(row.next_attempt_at),
            last_error: row.last_error,
            request,
            answer: row.answer.and_then(|a| serde_json::from_str(&a).ok()),
            points_uuid: row.points_uuid,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
        }
    }
}

/// The outbox gauges in the Prometheus text format, appended to `/metrics`: the depth for
/// every state (zeros included, so alerts see the series from the first scrape) and the age
/// of the oldest pending row.
pub fn render_metrics(backlog: &Backlog) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP {OUTBOX_DEPTH} Earning outbox rows by state.\n# TYPE {OUTBOX_DEPTH} gauge"
    );
    for (state, n) in &backlog.depth {
        let _ = writeln!(out, "{OUTBOX_DEPTH}{{state=\"{state}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP {OUTBOX_OLDEST_AGE} Age in seconds of the oldest pending earning (0: none).\n\
         # TYPE {OUTBOX_OLDEST_AGE} gauge\n{OUTBOX_OLDEST_AGE} {}",
        backlog.oldest_pending_age.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_gauges_cover_every_state() {
        let text = render_metrics(&Backlog {
            depth: State::ALL
                .iter()
                .map(|s| (*s, i64::from(*s == State::Pending) * 4))
                .collect(),
            oldest_pending_age: Duration::from_millis(2500),
        });
        let has = |line: &str| assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        has("pointskit_earning_outbox_depth{state=\"pending\"} 4");
        has("pointskit_earning_outbox_depth{state=\"failed\"} 0");
        has("pointskit_earning_outbox_depth{state=\"pending_activation\"} 0");
        has("pointskit_earning_outbox_oldest_pending_age_seconds 2.5");
        has("# TYPE pointskit_earning_outbox_depth gauge");
    }
}
