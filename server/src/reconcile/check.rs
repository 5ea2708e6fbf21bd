//! One order checked against Points, and the [`Pacer`] every check of a run shares.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use protocol::OrderResource;
use protocol::client::{ClientError, GetOrder, RetryPolicy};
use serde::{Deserialize, Serialize};

use super::Drift;
use crate::AppState;
use crate::apply::{self, ReadOutcome};
use crate::config::ReconcileConfig;
use crate::db::orders::Order;
use crate::db::transitions::Source;
use crate::telemetry::metrics;

/// 429s one order may meet before it is given up (and reported as an error) for this run.
/// The run goes on with the next order; the pause keeps growing up to its maximum meanwhile.
pub const MAX_RATE_LIMITED_PER_ORDER: u32 = 30;

/// What became of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    /// Points knew more; applied.
    Fixed(Drift),
    /// A difference not applied (including "unknown at Points").
    Drift(Drift),
    Error(String),
}

/// The kinds of [`Drift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// Points' status differs from ours: applied when it is newer, reported when older.
    Status,
    /// Points answered 404 for our uuid.
    UnknownAtPoints,
    /// Points' order has another order number, uuid, type or total than ours.
    Mismatch,
}

impl DriftKind {
    pub fn metric(self) -> metrics::DriftKind {
        match self {
            DriftKind::Status => metrics::DriftKind::Status,
            DriftKind::UnknownAtPoints => metrics::DriftKind::UnknownAtPoints,
            DriftKind::Mismatch => metrics::DriftKind::Mismatch,
        }
    }
}

/// Reads `order` at Points (with retries and pacing) and applies or reports the difference.
/// `order` must have a Points uuid (the selection guarantees it).
pub async fn check(state: &AppState, pacer: &Pacer, order: Order) -> Outcome {
    let Some(uuid) = order.lifecycle.points_uuid.clone() else {
        return Outcome::Error("no Points uuid".into());
    };
    let local = order.lifecycle.order_status.map(|s| s.as_str().to_owned());
    let drift = |kind, points: Option<String>, note: String| Drift {
        order_number: order.order_number.to_string(),
        kind,
        local: local.clone(),
        points,
        applied: None,
        note: Some(note),
    };
    let resource = match read(state, pacer, &GetOrder(uuid.clone())).await {
        Ok(resource) => resource,
        Err(ClientError::NotFound(_)) => {
            return Outcome::Drift(drift(
                DriftKind::UnknownAtPoints,
                None,
                format!("Points does not know the order {uuid}"),
            ));
        }
        Err(error) => return Outcome::Error(error.to_string()),
    };
    let theirs = Some(resource.order_status.as_str().to_owned());
    match apply::verified_read(&state.db, &order, &uuid, &resource, Source::Reconciliation).await {
        Ok(ReadOutcome::Mismatch(why)) => Outcome::Drift(drift(DriftKind::Mismatch, theirs, why)),
        Ok(ReadOutcome::Unchanged { note: None }) => Outcome::Unchanged,
        Ok(ReadOutcome::Unchanged { note: Some(why) }) => {
            Outcome::Drift(drift(DriftKind::Status, theirs, why))
        }
        Ok(ReadOutcome::Applied(applied)) => Outcome::Fixed(Drift {
            order_number: order.order_number.to_string(),
            kind: DriftKind::Status,
            local: applied.from.map(|s| s.as_str().to_owned()),
            points: theirs,
            applied: applied.to.map(|s| s.as_str().to_owned()),
            note: applied.note,
        }),
        Err(error) => Outcome::Error(format!("database: {error}")),
    }
}

/// One `GET`, attempt by attempt: each goes through [`crate::telemetry::Metrics::call`] and
/// is counted. 429s wait for the shared pause and are retried up to
/// [`MAX_RATE_LIMITED_PER_ORDER`]; other transient failures follow [`RetryPolicy::default`].
async fn read(
    state: &AppState,
    pacer: &Pacer,
    request: &GetOrder,
) -> Result<OrderResource, ClientError> {
    let client = state.points.with_retry(RetryPolicy::none());
    let policy = RetryPolicy::default();
    let (mut limited, mut failed) = (0u32, 0u32);
    loop {
        let sent = pacer.ready().await;
        pacer.calls.fetch_add(1, Ordering::Relaxed);
        let error = match state.metrics.call(&client, request).await {
            Ok(resource) => {
                pacer.succeeded();
                return Ok(resource);
            }
            Err(error) => error,
        };
        if let ClientError::RateLimited { retry_after } = &error {
            pacer.rate_limited.fetch_add(1, Ordering::Relaxed);
            pacer.back_off(sent, *retry_after);
            limited += 1;
            if limited >= MAX_RATE_LIMITED_PER_ORDER {
                return Err(error);
            }
            continue;
        }
        let Some(delay) = policy.delay_for(failed, &error, true) else {
            return Err(error);
        };
        failed += 1;
        tokio::time::sleep(delay).await;
    }
}

/// The pace of one run, shared by its concurrent checks: after a 429 nobody sends before
/// `not_before`. The pause doubles only for a 429 to a request sent after the last pause was
/// set (the others were already in flight), and halves with every success.
#[derive(Debug)]
pub struct Pacer {
    pace: Mutex<Pace>,
    base: Duration,
    max: Duration,
    calls: AtomicU64,
    rate_limited: AtomicU64,
}

#[derive(Debug)]
struct Pace {
    not_before: Instant,
    delay: Duration,
    /// When `not_before` was last pushed back.
    paused_at: Option<Instant>,
}

impl Pacer {
    pub fn new(config: &ReconcileConfig) -> Self {
        Pacer {
            pace: Mutex::new(Pace {
                not_before: Instant::now(),
                delay: Duration::ZERO,
                paused_at: None,
            }),
            base: config.backoff,
            max: config.max_backoff,
            calls: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        }
    }

    /// Waits out the pause, if any; returns when the request is sent.
    async fn ready(&self) -> Instant {
        loop {
            let wait = self
                .lock()
                .not_before
                .saturating_duration_since(Instant::now());
            if wait.is_zero() {
                return Instant::now();
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn back_off(&self, sent: Instant, retry_after: Option<Duration>) {
        let mut pace = self.lock();
        let fresh = pace.paused_at.is_none_or(|at| sent >= at);
        if !fresh && retry_after.is_none() {
            return;
        }
        pace.delay = match retry_after {
            Some(wait) => wait.min(self.max),
            None => (pace.delay * 2).clamp(self.base, self.max),
        };
        let now = Instant::now();
        pace.not_before = pace.not_before.max(now + pace.delay);
        pace.paused_at = Some(now);
    }

    fn succeeded(&self) {
        let mut pace = self.lock();
        pace.delay /= 2;
    }

    /// Calls counted since the last take.
    pub fn take_calls(&self) -> u64 {
        self.calls.swap(0, Ordering::Relaxed)
    }

    pub fn take_rate_limited(&self) -> u64 {
        self.rate_limited.swap(0, Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.pace
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer() -> Pacer {
        Pacer::new(&ReconcileConfig {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..ReconcileConfig::default()
        })
    }

    fn delay(pacer: &Pacer) -> Duration {
        pacer.lock().delay
    }

    #[test]
    fn the_pause_doubles_per_fresh_429_up_to_its_cap_and_shrinks_on_success() {
        let pacer = pacer();
        let expected = [100, 200, 400, 800, 800];
        for ms in expected {
            pacer.back_off(Instant::now(), None);
            assert_eq!(delay(&pacer), Duration::from_millis(ms));
        }
        pacer.succeeded();
        assert_eq!(delay(&pacer), Duration::from_millis(400));
    }

    #[test]
    fn requests_already_in_flight_do_not_double_the_pause_again() {
        let pacer = pacer();
        let sent = Instant::now();
        pacer.back_off(sent, None);
        // Three more 429s to requests sent before that pause began.
        for _ in 0..3 {
            pacer.back_off(sent, None);
        }
        assert_eq!(delay(&pacer), Duration::from_millis(100));
        assert!(pacer.lock().not_before > sent);
    }

    #[test]
    fn retry_after_sets_the_pause_within_the_cap() {
        let pacer = pacer();
        pacer.back_off(Instant::now(), Some(Duration::from_millis(300)));
        assert_eq!(delay(&pacer), Duration::from_millis(300));
        pacer.back_off(Instant::now(), Some(Duration::from_secs(60)));
        assert_eq!(delay(&pacer), Duration::from_millis(800));
    }
}
