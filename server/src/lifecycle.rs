//! How what Points tells us moves a local order: the one transition table.
//!
//! Webhooks arrive late, twice, or out of order (API.md §6.2), so [`apply`] never moves an order
//! backwards: a late `approved` after `refunded` is recorded as ignored, not applied. The worker
//! feeds it webhook observations; the later reconciliation (a verified `GET /v1/orders/{uuid}`)
//! will feed it [`Observation::from_resource`] through the same function.

use protocol::{OrderResource, OrderStatus, OrderUuid, Sar, WebhookEvent, WebhookOrder};
use serde::Serialize;

/// The reason Points gives when a checkout session runs out (API.md §12).
pub const EXPIRED_REASON: &str = "Checkout session expired";

/// What the storefront is told about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// No webhook yet, or Points says `new`.
    Pending,
    /// `approved`, `authorized` or `captured`: the shopper has paid.
    Confirmed,
    /// `cancelled` for any reason but expiry.
    Failed,
    /// `cancelled` because the checkout session expired.
    Expired,
    /// `fully_refunded` or `partially_refunded`.
    Refunded,
}

/// The Points-owned part of a local order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lifecycle {
    pub points_uuid: Option<OrderUuid>,
    pub reference_number: Option<String>,
    pub order_status: Option<OrderStatus>,
    pub cancel_reason: Option<String>,
}

/// One authenticated statement from Points about an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub points_uuid: OrderUuid,
    pub reference_number: Option<String>,
    /// `None` when the source says nothing about the financial status.
    pub order_status: Option<OrderStatus>,
    pub reason: Option<String>,
    /// The order total Points holds, when the source carries one.
    pub total: Option<Sar>,
}

/// The result of [`apply`]: the lifecycle to store (equal to the current one when nothing
/// changes) and, when the observation was not (fully) applied, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub next: Lifecycle,
    pub ignored: Option<String>,
}

impl Lifecycle {
    pub fn state(&self) -> OrderState {
        state_of(self.order_status, self.cancel_reason.as_deref())
    }
}

/// Maps Points' financial status (and cancel reason) to the storefront's state.
pub fn state_of(status: Option<OrderStatus>, cancel_reason: Option<&str>) -> OrderState {
    match status {
        None | Some(OrderStatus::New) => OrderState::Pending,
        Some(OrderStatus::Approved | OrderStatus::Authorized | OrderStatus::Captured) => {
            OrderState::Confirmed
        }
        Some(OrderStatus::Cancelled)
            if cancel_reason.is_some_and(|r| r.trim().eq_ignore_ascii_case(EXPIRED_REASON)) =>
        {
            OrderState::Expired
        }
        Some(OrderStatus::Cancelled) => OrderState::Failed,
        Some(OrderStatus::FullyRefunded | OrderStatus::PartiallyRefunded) => OrderState::Refunded,
    }
}

impl Observation {
    /// What an order webhook says.
    pub fn from_webhook(event: &WebhookEvent, order: &WebhookOrder) -> Self {
        Observation {
            points_uuid: order.id.clone(),
            reference_number: order.reference_number.clone(),
            // The payload's `order_status` is the contract (API.md §6.3); the event name is the
            // fallback for deliveries that omit it.
            order_status: order.order_status.or_else(|| status_implied_by(event)),
            reason: order.reason.clone(),
            total: order.total_price.and_then(|t| Sar::from_f64(t).ok()),
        }
    }

    /// What a verified `GET /v1/orders/{uuid}` says (for reconciliation).
    pub fn from_resource(order: &OrderResource) -> Self {
        Observation {
            points_uuid: order.uuid.clone(),
            reference_number: order.reference_number.clone(),
            order_status: Some(order.order_status),
            reason: None,
            total: Some(order.total_price),
        }
    }
}

/// Applies `observed` to an order whose current lifecycle is `current` and whose total (as the
/// merchant priced it) is `total`.
pub fn apply(current: &Lifecycle, total: Sar, observed: &Observation) -> Transition {
    let unchanged = |why: String| Transition {
        next: current.clone(),
        ignored: Some(why),
    };
    if let Some(known) = &current.points_uuid
        && *known != observed.points_uuid
    {
        return unchanged(format!(
            "points uuid {} does not match the order's {known}",
            observed.points_uuid
        ));
    }
    if let Some(theirs) = observed.total
        && theirs != total
    {
        return unchanged(format!(
            "Points total {theirs} does not match the order total {total}"
        ));
    }

    // Identifiers only ever fill in; a later event without a reference does not erase it.
    let mut next = current.clone();
    next.points_uuid = Some(observed.points_uuid.clone());
    if observed.reference_number.is_some() {
        next.reference_number.clone_from(&observed.reference_number);
    }

    let Some(to) = observed.order_status else {
        return Transition {
            next,
            ignored: None,
        };
    };
    let from = current.order_status.unwrap_or(OrderStatus::New);
    if from == to {
        if to == OrderStatus::Cancelled && next.cancel_reason.is_none() {
            next.cancel_reason.clone_from(&observed.reason);
        }
        next.order_status = Some(to);
        return Transition {
            next,
            ignored: None,
        };
    }
    if !may_move(from, to) {
        return Transition {
            next,
            ignored: Some(format!(
                "stale or impossible transition {} -> {}",
                from.as_str(),
                to.as_str()
            )),
        };
    }
    next.order_status = Some(to);
    next.cancel_reason = match to {
        OrderStatus::Cancelled => observed.reason.clone(),
        _ => None,
    };
    Transition {
        next,
        ignored: None,
    }
}

/// The transition table: which financial status may follow which (API.md §5.2, §12), widened
/// to accept a later state whose intermediate event has not arrived yet (for example `captured`
/// before `authorized`). Everything else would move an order backwards.
fn may_move(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (
            New,
            Authorized | Captured | Approved | Cancelled | PartiallyRefunded | FullyRefunded
        ) | (
            Authorized,
            Captured | Approved | Cancelled | PartiallyRefunded | FullyRefunded
        ) | (Captured, Approved | PartiallyRefunded | FullyRefunded)
            | (Approved, PartiallyRefunded | FullyRefunded)
            | (PartiallyRefunded, FullyRefunded)
    )
}

/// The financial status an event implies when its payload does not say.
fn status_implied_by(event: &WebhookEvent) -> Option<OrderStatus> {
    match event {
        WebhookEvent::Approved | WebhookEvent::Completed => Some(OrderStatus::Approved),
        WebhookEvent::Authorized => Some(OrderStatus::Authorized),
        WebhookEvent::Captured => Some(OrderStatus::Captured),
        WebhookEvent::Cancelled => Some(OrderStatus::Cancelled),
        // Full or partial is unknown; partial still reads as refunded and lets a full one follow.
        WebhookEvent::Refunded => Some(OrderStatus::PartiallyRefunded),
        WebhookEvent::AutoRefunded => Some(OrderStatus::FullyRefunded),
        WebhookEvent::ShippingStatusUpdated
        | WebhookEvent::DebtExceeded
        | WebhookEvent::LowBalanceWarning
        | WebhookEvent::Unknown(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    const UUID: &str = "550e8400-e29b-41d4-a716-446655440000";
    const TOTAL: Sar = Sar::from_halalas(15075);

    fn at(status: Option<OrderStatus>) -> Lifecycle {
        Lifecycle {
            points_uuid: status.map(|_| OrderUuid::parse(UUID).expect("uuid")),
            order_status: status,
            ..Lifecycle::default()
        }
    }

    fn seen(status: OrderStatus) -> Observation {
        Observation {
            points_uuid: OrderUuid::parse(UUID).expect("uuid"),
            reference_number: Some("REF-1".into()),
            order_status: Some(status),
            reason: None,
            total: Some(TOTAL),
        }
    }

    /// `check(from, observed, expected status afterwards)`.
    fn check(from: Option<OrderStatus>, to: OrderStatus, expect: OrderStatus) {
        let result = apply(&at(from), TOTAL, &seen(to));
        assert_eq!(
            result.next.order_status,
            Some(expect),
            "{from:?} + {to:?}: {:?}",
            result.ignored
        );
        assert_eq!(
            result.ignored.is_none(),
            expect == to,
            "{from:?} + {to:?} ignored flag"
        );
    }

    #[test]
    fn forward_transitions_apply() {
        check(None, Approved, Approved);
        check(None, New, New);
        check(Some(New), Authorized, Authorized);
        check(Some(Authorized), Captured, Captured);
        check(Some(Authorized), Cancelled, Cancelled);
        check(Some(Captured), Approved, Approved);
        check(Some(Approved), PartiallyRefunded, PartiallyRefunded);
        check(Some(Approved), FullyRefunded, FullyRefunded);
        check(Some(PartiallyRefunded), FullyRefunded, FullyRefunded);
        check(Some(Captured), FullyRefunded, FullyRefunded);
    }

    #[test]
    fn events_that_overtook_their_predecessors_still_apply() {
        check(None, Captured, Captured);
        check(None, FullyRefunded, FullyRefunded);
        check(Some(Authorized), Approved, Approved);
    }

    #[test]
    fn orders_never_move_backwards() {
        check(Some(FullyRefunded), Approved, FullyRefunded);
        check(Some(PartiallyRefunded), Approved, PartiallyRefunded);
        check(Some(FullyRefunded), PartiallyRefunded, FullyRefunded);
        check(Some(Approved), New, Approved);
        check(Some(Approved), Authorized, Approved);
        check(Some(Approved), Captured, Approved);
        check(Some(Approved), Cancelled, Approved);
        check(Some(Captured), Authorized, Captured);
        check(Some(Cancelled), Approved, Cancelled);
        check(Some(Cancelled), New, Cancelled);
        check(Some(Cancelled), FullyRefunded, Cancelled);
    }

    #[test]
    fn repeated_status_is_a_quiet_no_op() {
        check(Some(Approved), Approved, Approved);
        check(
            Some(PartiallyRefunded),
            PartiallyRefunded,
            PartiallyRefunded,
        );
    }

    #[test]
    fn identifiers_fill_in_and_are_not_erased() {
        let first = apply(&Lifecycle::default(), TOTAL, &seen(Approved)).next;
        assert_eq!(first.reference_number.as_deref(), Some("REF-1"));
        let mut later = seen(FullyRefunded);
        later.reference_number = None;
        let second = apply(&first, TOTAL, &later).next;
        assert_eq!(second.reference_number.as_deref(), Some("REF-1"));
        assert_eq!(second.order_status, Some(FullyRefunded));
    }

    #[test]
    fn a_different_uuid_or_total_is_not_applied() {
        let current = at(Some(New));
        let mut other = seen(Approved);
        other.points_uuid = OrderUuid::parse("00000000-0000-4000-8000-000000000000").expect("uuid");
        let result = apply(&current, TOTAL, &other);
        assert_eq!(result.next, current);
        assert!(result.ignored.is_some());

        let mut cheaper = seen(Approved);
        cheaper.total = Some(Sar::from_halalas(100));
        let result = apply(&current, TOTAL, &cheaper);
        assert_eq!(result.next, current);
        assert!(result.ignored.is_some());
    }

    #[test]
    fn cancel_reason_decides_failed_or_expired() {
        let mut cancelled = seen(Cancelled);
        cancelled.reason = Some(EXPIRED_REASON.into());
        let expired = apply(&Lifecycle::default(), TOTAL, &cancelled).next;
        assert_eq!(expired.state(), OrderState::Expired);
        cancelled.reason = Some("Payment failed".into());
        let failed = apply(&Lifecycle::default(), TOTAL, &cancelled).next;
        assert_eq!(failed.state(), OrderState::Failed);
    }

    #[test]
    fn states_map_from_points_statuses() {
        let check = |status, reason, expect| assert_eq!(state_of(status, reason), expect);
        check(None, None, OrderState::Pending);
        check(Some(New), None, OrderState::Pending);
        check(Some(Approved), None, OrderState::Confirmed);
        check(Some(Authorized), None, OrderState::Confirmed);
        check(Some(Captured), None, OrderState::Confirmed);
        check(Some(Cancelled), None, OrderState::Failed);
        check(Some(Cancelled), Some(EXPIRED_REASON), OrderState::Expired);
        check(Some(FullyRefunded), None, OrderState::Refunded);
        check(Some(PartiallyRefunded), None, OrderState::Refunded);
    }

    #[test]
    fn event_names_imply_a_status_when_the_payload_omits_it() {
        assert_eq!(status_implied_by(&WebhookEvent::Completed), Some(Approved));
        assert_eq!(
            status_implied_by(&WebhookEvent::AutoRefunded),
            Some(FullyRefunded)
        );
        assert_eq!(
            status_implied_by(&WebhookEvent::ShippingStatusUpdated),
            None
        );
        assert_eq!(status_implied_by(&WebhookEvent::Unknown("x".into())), None);
    }
}
