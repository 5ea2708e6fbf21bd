//! Verified before paid: a webhook is a claim, signed only by a shared secret that anyone who
//! has seen one delivery (a proxy, a CDN, a header log) can replay with any body. So before a
//! delivery moves an order into a paid state (`approved`, `authorized`, `captured`), the worker
//! asks Points itself, with the private key, `GET /v1/orders/{uuid}`: the answer must be about
//! our order (our order number, the uuid the delivery names, a checkout, our total, see
//! [`crate::apply::mismatch`]) and Points' status must be at least as far along as the claim.
//!
//! - Confirmed: the delivery is applied as before.
//! - Refused (Points does not know the uuid, or its order differs, or is not paid): nothing is
//!   applied; the row is kept, processed, with the reason in `last_error` and the kind in
//!   `unverified`, counted in `pointskit_webhooks_unverified_total` (alert
//!   `WebhookUnverified`) and listed by `GET /admin/webhooks/unverified`. Its dedupe key is
//!   freed, so the genuine delivery for the same order, when Points sends it, is stored anew.
//! - Points unreachable, 5xx or 429: the row fails and is retried with the worker's back-off;
//!   it is never applied unverified.
//!
//! Deliveries that change nothing paid (refunds, shipping, cancellations, repeats of a paid
//! status, unknown orders) are not checked: they cost Points nothing. The checks of one group
//! run concurrently, [`CONCURRENCY`] at a time, before the group's transaction, so a storm still
//! drains and no write lock is held while Points answers.

use std::sync::Arc;

use protocol::client::{ClientError, GetOrder, PointsClient, RetryPolicy};
use protocol::{OrderStatus, OrderUuid, WebhookPayload};

use crate::db::{Pool, orders};
use crate::inbox::store::Pending;
use crate::lifecycle::{self, Observation};
use crate::telemetry::{Metrics, metrics};
use crate::{AppState, apply};

/// Checks in flight at once for one group of rows.
pub const CONCURRENCY: usize = 8;

/// Asks Points about deliveries that would move an order into a paid state.
#[derive(Debug, Clone)]
pub struct Verifier {
    client: PointsClient,
    metrics: Arc<Metrics>,
}

/// Why Points contradicts a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refusal {
    /// Points answered 404 for the uuid the delivery names.
    UnknownAtPoints,
    /// Points' order under that uuid has another order number, type or total.
    Mismatch,
    /// Points' order is ours but not (or no longer) in the status claimed.
    NotPaidAtPoints,
}

/// What the worker does with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Apply it: nothing paid depends on it, or Points confirmed it.
    Apply,
    /// Keep it unapplied, for this reason.
    Refuse(Refusal, String),
    /// Points could not answer now: fail the row and try again later.
    Retry(String),
}

impl Refusal {
    /// The `unverified` column and the metric's `reason` label.
    pub fn label(self) -> &'static str {
        let [unknown, mismatch, not_paid] = metrics::UNVERIFIED_REASONS;
        match self {
            Refusal::UnknownAtPoints => unknown,
            Refusal::Mismatch => mismatch,
            Refusal::NotPaidAtPoints => not_paid,
        }
    }
}

impl Verifier {
    /// Checks with `state`'s Points client, one short attempt each (the worker's back-off is
    /// the retry), when `verify_webhooks` is on; `None` when it is off.
    pub fn from_state(state: &AppState) -> Option<Verifier> {
        state.config.ops.verify_webhooks.then(|| Verifier {
            client: state
                .points
                .with_timeout(crate::LOOKUP_TIMEOUT)
                .with_retry(RetryPolicy::none()),
            metrics: state.metrics.clone(),
        })
    }

    /// One verdict per row of `rows`, in order, [`CONCURRENCY`] asked at once.
    pub async fn verdicts(&self, pool: &Pool, rows: &[Pending]) -> Vec<Verdict> {
        let mut verdicts = vec![Verdict::Apply; rows.len()];
        for (chunk, first) in rows.chunks(CONCURRENCY).zip((0..).step_by(CONCURRENCY)) {
            let mut asking = tokio::task::JoinSet::new();
            for (i, row) in chunk.iter().enumerate() {
                let (verifier, pool, row) = (self.clone(), pool.clone(), row.clone());
                asking.spawn(async move { (first + i, verifier.verdict(&pool, &row).await) });
            }
            while let Some(answer) = asking.join_next().await {
                match answer {
                    Ok((i, verdict)) => verdicts[i] = verdict,
                    // A panicked check must not let its row through unverified.
                    Err(e) => {
                        let why = format!("the check with Points failed: {e}");
                        for verdict in &mut verdicts[first..first + chunk.len()] {
                            *verdict = Verdict::Retry(why.clone());
                        }
                    }
                }
            }
        }
        verdicts
    }

    /// Counts a refusal that was stored.
    pub fn refused(&self, refusal: Refusal) {
        self.metrics.unverified(refusal.label());
    }

    async fn verdict(&self, pool: &Pool, row: &Pending) -> Verdict {
        let (uuid, claimed, local) = match needs_check(pool, row).await {
            Ok(Some(check)) => check,
            Ok(None) => return Verdict::Apply,
            Err(e) => return Verdict::Retry(format!("reading the order to verify: {e}")),
        };
        match self
            .metrics
            .call(&self.client, &GetOrder(uuid.clone()))
            .await
        {
            Ok(resource) => {
                if let Some(why) = apply::mismatch(&local, &uuid, &resource) {
                    return Verdict::Refuse(Refusal::Mismatch, why);
                }
                if !reached(resource.order_status, claimed) {
                    return Verdict::Refuse(
                        Refusal::NotPaidAtPoints,
                        format!(
                            "the delivery says {}, Points has the order as {}",
                            claimed.as_str(),
                            resource.order_status.as_str()
                        ),
                    );
                }
                Verdict::Apply
            }
            Err(ClientError::NotFound(_)) => Verdict::Refuse(
                Refusal::UnknownAtPoints,
                format!("Points does not know the order {uuid}"),
            ),
            Err(error) => Verdict::Retry(format!("verifying with Points: {error}")),
        }
    }
}

/// The uuid, the claimed status and our order, when `row` would move a stored order from
/// unpaid into a paid state; `None` when it would not.
async fn needs_check(
    pool: &Pool,
    row: &Pending,
) -> Result<Option<(OrderUuid, OrderStatus, orders::Order)>, sqlx::Error> {
    let Ok(payload) = serde_json::from_str::<WebhookPayload>(&row.body) else {
        return Ok(None);
    };
    // Held for attention by the worker, never applied: nothing to ask Points.
    if protocol::webhook::unrecognised_order_status(&row.body).is_some() {
        return Ok(None);
    }
    let Some(order) = payload.order.filter(|_| payload.event.concerns_order()) else {
        return Ok(None);
    };
    if order.order_type.as_deref() == Some("earning") {
        return Ok(None);
    }
    let observed = Observation::from_webhook(&payload.event, &order, payload.timestamp.as_deref());
    let Some(claimed) = observed.order_status.filter(|s| s.is_paid()) else {
        return Ok(None);
    };
    let Some(local) = orders::find_by_number(&**pool, order.order_number.as_str()).await? else {
        return Ok(None);
    };
    if local
        .lifecycle
        .order_status
        .is_some_and(OrderStatus::is_paid)
    {
        return Ok(None);
    }
    let preview = lifecycle::apply(&local.lifecycle, local.total, &observed);
    if !preview.next.order_status.is_some_and(OrderStatus::is_paid) {
        return Ok(None);
    }
    Ok(Some((observed.points_uuid, claimed, local)))
}

/// Whether Points' `actual` status is at least as far along as the `claimed` paid one: the
/// same paid state, a later one (captured after authorized), or a refund (only a paid order is
/// refunded). `new` and `cancelled` never are.
fn reached(actual: OrderStatus, claimed: OrderStatus) -> bool {
    let rank = |status: OrderStatus| match status {
        OrderStatus::New | OrderStatus::Cancelled => 0,
        OrderStatus::Authorized => 1,
        OrderStatus::Approved | OrderStatus::Captured => 2,
        OrderStatus::PartiallyRefunded | OrderStatus::FullyRefunded => 3,
    };
    rank(actual) > 0 && rank(actual) >= rank(claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_must_be_at_least_as_far_along_as_the_claim() {
        use OrderStatus::*;
        for (actual, claimed, ok) in [
            (Approved, Approved, true),
            (Captured, Authorized, true),
            (Captured, Captured, true),
            (FullyRefunded, Approved, true),
            (PartiallyRefunded, Captured, true),
            (Authorized, Authorized, true),
            (Authorized, Captured, false),
            (Authorized, Approved, false),
            (New, Approved, false),
            (New, Authorized, false),
            (Cancelled, Approved, false),
            (Cancelled, Authorized, false),
        ] {
            assert_eq!(reached(actual, claimed), ok, "{actual:?} for {claimed:?}");
        }
    }
}
