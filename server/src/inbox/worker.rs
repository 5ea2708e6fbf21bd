//! The inbox worker: applies stored webhook deliveries to orders, oldest first.
//!
//! Intake only stores (see [`super::receive`]); this loop does the work: up to
//! [`APPLY_GROUP`] due rows in one transaction (one sync to disk), each row in a savepoint of its
//! own, so a row that fails is rolled back alone and retried while the others commit. It wakes when intake notifies it and also polls every second, so a row
//! stored just before a crash is applied after the restart. A failed row is retried with
//! back-off; nothing is dropped. Every row keeps what happened to it: `attempts`, and in
//! `last_error` the failure (while retrying) or why it changed nothing (once processed).
//!
//! A row whose `order_status` this release does not know is held for attention, and a row that
//! fails `inbox_max_attempts` times is held as a dead letter (see [`inbox::Hold`]): both wait,
//! unapplied, for `points-server inbox retry`.
//!
//! Before a row moves an order into a paid state, [`super::verify`] asks Points whether it is
//! true (unless `verify_webhooks` is off); a refused row is stored unapplied, a row Points could
//! not confirm now is retried.
//!
//! The same loop sweeps what is past its retention (idempotency keys, rejected deliveries,
//! processed inbox rows, order transitions, settled earnings; see [`crate::config::Retention`])
//! every [`crate::config::Retention::sweep_interval`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use protocol::WebhookPayload;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::apply;
use crate::config::Retention;
use crate::db::transitions::Source;
use crate::db::{self, Pool, idempotency};
use crate::inbox::store::Hold;
use crate::inbox::verify::{Refusal, Verdict, Verifier};
use crate::inbox::{rejected, store as inbox};
use crate::lifecycle::Observation;

/// How often the worker looks for due rows without being woken.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
const BATCH: i64 = 50;
/// Rows applied in one transaction at most.
pub const APPLY_GROUP: usize = 25;
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The running worker; [`WorkerHandle::stop`] lets it finish the row in hand and exit.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Starts the worker on the current runtime; `verifier` is `None` when `verify_webhooks` is off.
pub fn spawn(
    pool: Pool,
    notify: Arc<Notify>,
    retention: Retention,
    verifier: Option<Verifier>,
    max_attempts: u32,
) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(
        pool,
        notify,
        retention,
        verifier,
        max_attempts,
        stopped,
    ));
    WorkerHandle { stop, task }
}

impl WorkerHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "inbox worker task failed");
        }
    }
}

async fn run(
    pool: Pool,
    notify: Arc<Notify>,
    retention: Retention,
    verifier: Option<Verifier>,
    max_attempts: u32,
    mut stopped: watch::Receiver<bool>,
) {
    let mut next_sweep = Instant::now();
    loop {
        if Instant::now() >= next_sweep {
            if let Err(e) = sweep(&pool, &retention).await {
                tracing::error!(error = format!("{e:#}"), "retention sweep failed");
            }
            next_sweep = Instant::now() + retention.sweep_interval();
        }
        if let Err(e) = drain(&pool, verifier.as_ref(), max_attempts).await {
            tracing::error!(error = format!("{e:#}"), "inbox worker pass failed");
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = stopped.changed() => break,
        }
        if *stopped.borrow() {
            break;
        }
    }
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Swept {
    pub idempotency_keys: u64,
    pub rejected_deliveries: u64,
    pub inbox_rows: u64,
    pub transitions: u64,
    pub earnings: u64,
}

/// Deletes what is older than `retention` allows: idempotency keys (one still held by a live
/// request stays), rejected deliveries, processed inbox rows (unprocessed and held ones stay),
/// order transitions and settled earnings (pending ones stay).
pub async fn sweep(pool: &Pool, retention: &Retention) -> anyhow::Result<Swept> {
    let now = db::now();
    let swept = Swept {
        idempotency_keys: idempotency::purge(
            &**pool,
            &db::before_now(retention.idempotency_keys),
            &now,
        )
        .await
        .context("deleting expired idempotency keys")?,
        rejected_deliveries: rejected::purge(
            &**pool,
            &db::before_now(retention.rejected_deliveries),
        )
        .await
        .context("deleting expired rejected deliveries")?,
        inbox_rows: inbox::purge_processed(pool, &db::before_now(retention.inbox))
            .await
            .context("deleting expired inbox rows")?,
        transitions: db::transitions::purge(pool, &db::before_now(retention.transitions))
            .await
            .context("deleting expired order transitions")?,
        earnings: crate::earning::outbox::purge_settled(pool, &db::before_now(retention.earnings))
            .await
            .context("deleting expired settled earnings")?,
    };
    if swept != Swept::default() {
        tracing::info!(?swept, "expired rows deleted");
    }
    Ok(swept)
}

/// Applies every row that is due now; returns how many it looked at. A row that fails for the
/// `max_attempts`-th time is held as a dead letter instead of retried.
pub async fn drain(
    pool: &Pool,
    verifier: Option<&Verifier>,
    max_attempts: u32,
) -> anyhow::Result<usize> {
    let mut after = 0;
    let mut seen = 0;
    loop {
        let rows = inbox::due(&**pool, after, &db::now(), BATCH)
            .await
            .context("listing due inbox rows")?;
        let Some(last) = rows.last() else {
            return Ok(seen);
        };
        after = last.id;
        seen += rows.len();
        for group in rows.chunks(APPLY_GROUP) {
            // Points is asked before the transaction: no write turn is held while it answers.
            let verdicts = match verifier {
                Some(verifier) => verifier.verdicts(pool, group).await,
                None => vec![Verdict::Apply; group.len()],
            };
            let done = process_group(pool, group, &verdicts).await;
            if let Some(verifier) = verifier {
                done.refused.iter().for_each(|r| verifier.refused(*r));
            }
            for (row, error) in done.failed {
                let _turn = pool.write_turn().await;
                if row.attempts + 1 >= i64::from(max_attempts) {
                    tracing::error!(inbox_id = row.id, event = %row.event, error, attempts = row.attempts + 1, "inbox row failed for the last time, held as a dead letter");
                    let why = format!("dead letter after {} attempts: {error}", row.attempts + 1);
                    inbox::hold(&**pool, row.id, Hold::Dead, &why, true)
                        .await
                        .context("holding a dead letter")?;
                    continue;
                }
                let retry_in = backoff(row.attempts);
                tracing::warn!(inbox_id = row.id, event = %row.event, error, ?retry_in, "inbox row failed, will retry");
                inbox::mark_failed(&**pool, row.id, &error, retry_in)
                    .await
                    .context("recording a failed inbox row")?;
            }
        }
    }
}

/// What one group's transaction did.
struct GroupDone<'r> {
    /// The rows that failed, with why (all of them when the transaction itself failed).
    failed: Vec<(&'r inbox::Pending, String)>,
    /// The refusals stored (committed).
    refused: Vec<Refusal>,
}

/// Applies `rows` in one transaction, each in its own savepoint and with its [`Verdict`]: a
/// row's order update and its `processed_at` commit together, and a row that fails is rolled
/// back to its savepoint without touching the others.
async fn process_group<'r>(
    pool: &Pool,
    rows: &'r [inbox::Pending],
    verdicts: &[Verdict],
) -> GroupDone<'r> {
    let all_failed = |why: String| GroupDone {
        failed: rows.iter().map(|r| (r, why.clone())).collect(),
        refused: Vec::new(),
    };
    let _turn = pool.write_turn().await;
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(e) => return all_failed(format!("beginning a transaction: {e}")),
    };
    let mut failed = Vec::new();
    let mut refused = Vec::new();
    for (row, verdict) in rows.iter().zip(verdicts) {
        let mut savepoint = match sqlx::Connection::begin(&mut *tx).await {
            Ok(savepoint) => savepoint,
            Err(e) => return all_failed(format!("starting a savepoint: {e}")),
        };
        match process(&mut savepoint, pool.backend(), row, verdict).await {
            Ok(refusal) => {
                if let Err(e) = savepoint.commit().await {
                    return all_failed(format!("releasing a savepoint: {e}"));
                }
                refused.extend(refusal);
            }
            Err(e) => {
                if let Err(e) = savepoint.rollback().await {
                    return all_failed(format!("rolling back to a savepoint: {e}"));
                }
                failed.push((row, format!("{e:#}")));
            }
        }
    }
    if let Err(e) = tx.commit().await {
        return all_failed(format!("committing: {e}"));
    }
    GroupDone { failed, refused }
}

/// Claims one row and, as `verdict` says, applies it and marks it processed or stores it
/// refused, on `conn` (a savepoint of the group). Returns the refusal it stored, if any.
async fn process(
    conn: &mut sqlx::AnyConnection,
    backend: db::Backend,
    row: &inbox::Pending,
    verdict: &Verdict,
) -> anyhow::Result<Option<Refusal>> {
    if let Verdict::Retry(why) = verdict {
        anyhow::bail!("{why}");
    }
    if !inbox::claim(&mut *conn, backend, row.id)
        .await
        .context("claiming the row")?
    {
        return Ok(None);
    }
    if let Some(raw) = protocol::webhook::unrecognised_order_status(&row.body) {
        let why = format!(
            "order_status {raw:?} is not one this release knows: stored raw, not applied; \
             `points-server inbox retry --attention` re-applies it after an upgrade"
        );
        tracing::warn!(inbox_id = row.id, event = %row.event, status = raw, "webhook held for attention");
        inbox::hold(&mut *conn, row.id, Hold::Attention, &why, false)
            .await
            .context("holding the row for attention")?;
        return Ok(None);
    }
    if let Verdict::Refuse(refusal, why) = verdict {
        tracing::warn!(inbox_id = row.id, event = %row.event, reason = refusal.label(), why, "webhook not verified by Points, not applied");
        inbox::mark_unverified(
            &mut *conn,
            row.id,
            *refusal,
            &format!("not verified: {why}"),
            &db::now(),
        )
        .await
        .context("storing the row as unverified")?;
        return Ok(Some(*refusal));
    }
    let note = apply_row(conn, row).await?;
    if let Some(note) = &note {
        tracing::info!(inbox_id = row.id, event = %row.event, note, "webhook had no effect");
    }
    inbox::mark_processed(&mut *conn, row.id, note.as_deref(), &db::now())
        .await
        .context("marking the row processed")?;
    Ok(None)
}

/// Returns a note when the row changes nothing (kept in `last_error`).
async fn apply_row(
    conn: &mut sqlx::AnyConnection,
    row: &inbox::Pending,
) -> anyhow::Result<Option<String>> {
    // Intake parsed the same body before storing it; failing now means it never will parse.
    let payload: WebhookPayload = match serde_json::from_str(&row.body) {
        Ok(payload) => payload,
        Err(e) => return Ok(Some(format!("unreadable body: {e}"))),
    };
    let order = match (&payload.event, payload.order) {
        (event, _) if !event.concerns_order() => {
            return Ok(Some(format!("ignored event {}", payload.event)));
        }
        (_, None) => return Ok(Some("order event without an order".into())),
        (_, Some(order)) => order,
    };
    // Local orders are checkouts (replacing orders). An earning order that happens to carry
    // the same order number (a merchant earning for a purchase) must not settle the checkout.
    if order.order_type.as_deref() == Some("earning") {
        return Ok(Some(format!(
            "an earning order's {} event: local orders are checkouts",
            payload.event
        )));
    }
    let observation =
        Observation::from_webhook(&payload.event, &order, payload.timestamp.as_deref());
    apply::apply_to_order(
        conn,
        order.order_number.as_str(),
        &observation,
        Source::Webhook { inbox_id: row.id },
    )
    .await
    .context("applying the event to the order")
}

/// 1 s, 2 s, 4 s … up to five minutes.
fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    Duration::from_secs(2u64.saturating_pow(exponent)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
