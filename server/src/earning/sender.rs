//! The sender: takes pending outbox rows oldest first and sends them to Points one at a time.
//!
//! Points answers a concurrent earning for the merchant with 429, so only one process sends at
//! a time: a pass takes the database lease (`earning` in the `lease` table) when there is
//! work, renews it before every row and gives it up when no row is due. A server instance,
//! another instance on the same Postgres, or `points-server earn … --wait` on the same SQLite
//! file: whoever holds the lease sends, the others wait for it. The lease outlives any attempt
//! in flight ([`EarningConfig::lease`]), and a crashed holder's lease expires.
//!
//! Each attempt first marks the row as possibly sent (`claim`), then sends it once (no client
//! retries: the row's back-off is the retry), then records the answer. So a crash before the
//! send leaves a pending row, and a crash after Points recorded it leaves a pending row marked
//! `sent`, whose next attempt is a [`PointsClient::resend`]: "already taken" then answers
//! [`Earned::AlreadyRecorded`], never a second award.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use protocol::Earned;
use protocol::client::{ClientError, PointsClient, RetryPolicy};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::outbox::{self, OutboxRow, State};
use super::request::EarningRequest;
use crate::AppState;
use crate::config::EarningConfig;
use crate::db::{Pool, lease};
use crate::telemetry::Metrics;
use crate::telemetry::metrics::status_label;

/// How often the sender looks for due rows without being woken (a row enqueued by another
/// process, a lease given up elsewhere).
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The sender's name in the `lease` table.
pub const LEASE: &str = "earning";
/// The least pause between two passes, so a row due "now" that cannot be marked (a failing
/// database) does not spin the loop.
const MIN_PAUSE: Duration = Duration::from_millis(5);

/// Sends due rows; one per process is enough, more are harmless (they share the lease).
#[derive(Debug, Clone)]
pub struct Sender {
    pool: Pool,
    client: PointsClient,
    metrics: Arc<Metrics>,
    config: EarningConfig,
    /// This sender's name in the lease table.
    holder: String,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    /// Attempts made (sent, answered or not).
    pub attempts: usize,
    /// Another sender held the lease, so this pass sent nothing.
    pub busy: bool,
}

/// What an error says about the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Try again later; `reached`: the attempt may have reached Points.
    Retry { reached: bool },
    /// Points refused this earning for good.
    Fail,
}

impl Sender {
    /// A sender on `state`'s database and Points client (sharing its per-merchant earning
    /// lock), with one attempt per call and the configured timeout.
    pub fn new(state: &AppState) -> Sender {
        let config = state.config.earning;
        Sender {
            pool: state.db.clone(),
            client: state
                .points
                .with_retry(RetryPolicy::none())
                .with_timeout(config.timeout),
            metrics: state.metrics.clone(),
            config,
            holder: format!(
                "pid{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
        }
    }

    /// Sends every due row, one at a time, while this sender holds the lease and `stop` (if
    /// given) is not set. A pass with nothing due does not touch the lease.
    pub async fn send_due(&self, stop: Option<&watch::Receiver<bool>>) -> anyhow::Result<Pass> {
        let mut pass = Pass::default();
        if outbox::next_due(&*self.pool).await?.is_none() {
            return Ok(pass);
        }
        if !self.lease().await? {
            pass.busy = true;
            return Ok(pass);
        }
        let sent = self.send_while_leased(stop, &mut pass).await;
        if let Err(e) = lease::release(&*self.pool, LEASE, &self.holder).await {
            // It expires by itself; the next holder waits a little longer, nothing more.
            tracing::warn!(error = %e, "could not release the earning sender lease");
        }
        sent.map(|()| pass)
    }

    /// Sends row `id` once if it is pending and due, under the lease: what
    /// `points-server earn … --wait` does while it waits. `busy` if another sender holds
    /// the lease (it will send the row).
    pub async fn send_earning(&self, id: i64) -> anyhow::Result<Pass> {
        let mut pass = Pass::default();
        if !outbox::get(&*self.pool, id)
            .await?
            .is_some_and(|row| is_due(&row))
        {
            return Ok(pass);
        }
        if !self.lease().await? {
            pass.busy = true;
            return Ok(pass);
        }
        // Read again under the lease: the row as no other sender can change it now.
        let result = match outbox::get(&*self.pool, id).await {
            Ok(Some(row)) if is_due(&row) => self.attempt(&row).await.map(|()| 1),
            Ok(_) => Ok(0),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = lease::release(&*self.pool, LEASE, &self.holder).await {
            tracing::warn!(error = %e, "could not release the earning sender lease");
        }
        pass.attempts = result?;
        Ok(pass)
    }

    async fn send_while_leased(
        &self,
        stop: Option<&watch::Receiver<bool>>,
        pass: &mut Pass,
    ) -> anyhow::Result<()> {
        loop {
            if stop.is_some_and(|s| *s.borrow()) {
                return Ok(());
            }
            let Some(row) = outbox::next_due(&*self.pool)
                .await
                .context("reading the next due earning")?
            else {
                return Ok(());
            };
            // Renewed before every send: a sender that lost it (paused past its expiry while
            // another took over) stops here instead of sending beside the new holder.
            if !self.lease().await? {
                tracing::warn!("earning sender lease taken over; stopping this pass");
                pass.busy = true;
                return Ok(());
            }
            self.attempt(&row).await?;
            pass.attempts += 1;
        }
    }

    async fn lease(&self) -> anyhow::Result<bool> {
        lease::acquire(&*self.pool, LEASE, &self.holder, self.config.lease())
            .await
            .context("taking the earning sender lease")
    }

    /// One attempt of one row: claim, send once, record what happened.
    async fn attempt(&self, row: &OutboxRow) -> anyhow::Result<()> {
        if !outbox::claim(&*self.pool, row)
            .await
            .context("claiming an earning")?
        {
            return Ok(());
        }
        let request = match EarningRequest::from_stored(row.kind, &row.request) {
            Ok(request) => request,
            Err(why) => {
                tracing::error!(earning_id = row.id, why, "stored earning unreadable");
                return outbox::fail(&*self.pool, row.id, &why, row.sent)
                    .await
                    .context("failing an unreadable earning");
            }
        };
        let started = Instant::now();
        let result = request.send(&self.client, row.sent).await;
        let status = match &result {
            Ok(_) => "2xx".to_owned(),
            Err(error) => status_label(error),
        };
        self.metrics
            .points_call(&request.endpoint_name(), &status, started.elapsed());
        let (id, kind, key) = (row.id, row.kind.as_str(), row.dedup_key.as_str());
        match result {
            Ok(earned) => {
                let (state, answer, uuid) = settled(&earned);
                outbox::complete(&*self.pool, row, state, &answer, uuid.as_deref(), None)
                    .await
                    .context("recording an earning's answer")?;
                tracing::info!(earning_id = id, kind, key, state = %state, "earning settled");
            }
            Err(error) => match verdict(&error) {
                Verdict::Retry { reached } => {
                    let retry_in = self.backoff(row.attempts + 1, &error);
                    let text = reason(&error);
                    outbox::retry_later(&*self.pool, id, &text, retry_in, row.sent || reached)
                        .await
                        .context("scheduling an earning's retry")?;
                    tracing::warn!(
                        earning_id = id,
                        kind,
                        key,
                        error = text,
                        ?retry_in,
                        "earning attempt failed, will retry"
                    );
                }
                Verdict::Fail => {
                    let text = reason(&error);
                    outbox::fail(&*self.pool, id, &text, true)
                        .await
                        .context("failing an earning")?;
                    tracing::warn!(
                        earning_id = id,
                        kind,
                        key,
                        reason = text,
                        "earning refused by Points, marked failed"
                    );
                }
            },
        }
        Ok(())
    }

    /// `Retry-After` when Points sent one, else `backoff · 2^(attempts-1)` with jitter over
    /// its upper half; never more than `max_backoff`.
    fn backoff(&self, attempts: i64, error: &ClientError) -> Duration {
        if let Some(wait) = error.retry_after() {
            return wait.min(self.config.max_backoff);
        }
        let exponent = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(20);
        let full = self
            .config
            .backoff
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.config.max_backoff);
        let half = full / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// The running sender task; [`SenderHandle::stop`] lets it finish the attempt in flight.
#[derive(Debug)]
pub struct SenderHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Starts the sender on the current runtime; `notify` wakes it (see
/// [`AppState::earning_notify`]).
pub fn spawn(state: &AppState) -> SenderHandle {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(
        Sender::new(state),
        state.earning_notify.clone(),
        stopped,
    ));
    SenderHandle { stop, task }
}

impl SenderHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "earning sender task failed");
        }
    }
}

async fn run(sender: Sender, notify: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    loop {
        let pause = match sender.send_due(Some(&stopped)).await {
            Ok(pass) if !pass.busy => outbox::next_due_in(&*sender.pool)
                .await
                .ok()
                .flatten()
                .map_or(POLL_INTERVAL, |due| due.clamp(MIN_PAUSE, POLL_INTERVAL)),
            Ok(_) => POLL_INTERVAL,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "earning sender pass failed");
                POLL_INTERVAL
            }
        };
        if *stopped.borrow() {
            break;
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(pause) => {}
            _ = stopped.changed() => break,
        }
    }
}

fn is_due(row: &OutboxRow) -> bool {
    row.state == State::Pending && row.next_attempt_at <= crate::db::now()
}

/// The row's final state, the answer to keep and the Points uuid when there is one.
fn settled(earned: &Earned) -> (State, Value, Option<String>) {
    match earned {
        Earned::Recorded(order) => (
            State::Recorded,
            serde_json::to_value(order).unwrap_or(Value::Null),
            Some(order.uuid.to_string()),
        ),
        Earned::PendingActivation(pending) => (
            State::PendingActivation,
            serde_json::to_value(pending).unwrap_or(Value::Null),
            None,
        ),
        Earned::AlreadyRecorded { order_number } => (
            State::AlreadyRecorded,
            json!({"order_number": order_number.as_str()}),
            None,
        ),
    }
}

/// Refusals about this earning (its data, its key, a business rule) fail it. Refusals about
/// the merchant (a rejected key, earning disabled, an unverified merchant: 400 auth, 403) say
/// nothing about the earning: it waits, with back-off, until they are fixed, so a rotated key
/// never loses an earning. Everything else is transient.
fn verdict(error: &ClientError) -> Verdict {
    match error {
        ClientError::Validation { .. } | ClientError::BadRequest(_) | ClientError::NotFound(_) => {
            Verdict::Fail
        }
        // Proven not to have reached Points: the connection never opened, or the lock refused.
        ClientError::RateLimited { .. } | ClientError::Connect(_) | ClientError::Config(_) => {
            Verdict::Retry { reached: false }
        }
        ClientError::Auth(_) | ClientError::Forbidden(_) => Verdict::Retry { reached: false },
        // A 200 we could not read was still a 200: the resend will meet "already taken".
        ClientError::Server { .. }
        | ClientError::Network(_)
        | ClientError::Timeout
        | ClientError::Decode(_) => Verdict::Retry { reached: true },
    }
}

/// `422: Points rejected the data: … (order_number: The order number has already been taken.)`.
fn reason(error: &ClientError) -> String {
    let mut text = format!("{}: {error}", status_label(error));
    if let ClientError::Validation { errors, .. } = error
        && !errors.is_empty()
    {
        let fields: Vec<String> = errors
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
            .collect();
        text.push_str(&format!(" ({})", fields.join("; ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_of_the_earning_itself_fail_it() {
        let check = |error: ClientError, expect: Verdict| {
            assert_eq!(verdict(&error), expect, "{error:?}");
        };
        check(
            ClientError::Validation {
                message: "x".into(),
                errors: Default::default(),
            },
            Verdict::Fail,
        );
        check(ClientError::BadRequest("x".into()), Verdict::Fail);
        check(
            ClientError::RateLimited { retry_after: None },
            Verdict::Retry { reached: false },
        );
        check(
            ClientError::Forbidden("earning disabled".into()),
            Verdict::Retry { reached: false },
        );
        check(ClientError::Timeout, Verdict::Retry { reached: true });
        check(
            ClientError::Decode("x".into()),
            Verdict::Retry { reached: true },
        );
    }

    #[test]
    fn a_validation_reason_names_the_fields() {
        let error = ClientError::Validation {
            message: "The given data was invalid.".into(),
            errors: [(
                "order_number".to_owned(),
                vec!["The order number has already been taken.".to_owned()],
            )]
            .into(),
        };
        assert_eq!(
            reason(&error),
            "422: Points rejected the data: The given data was invalid. \
             (order_number: The order number has already been taken.)"
        );
    }
}
