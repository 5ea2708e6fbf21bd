//! How what Points tells us moves a local order: the one transition table.
//!
//! Webhooks arrive late, twice, or out of order (API.md §6.2), so [`apply`] never moves an order
//! backwards: a late `approved` after `refunded` is recorded as ignored, not applied. The worker
//! feeds it webhook observations; the later reconciliation (a verified `GET /v1/orders/{uuid}`)
//! will feed it [`Observation::from_resource`] through the same function.
//!
//! Besides the financial status it keeps two things only webhooks tell: the shipping status
//! (`shipping_status_updated`, independent of `order_status`, newest event time wins) and how
//! much has been refunded (`refunded`, which only ever grows, up to the total).

use protocol::{
    OrderResource, OrderStatus, OrderUuid, Sar, ShippingStatus, WebhookEvent, WebhookOrder,
};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    /// The last shipping update applied; `None` before the first.
    pub shipping: Option<Shipping>,
    /// How much Points has refunded so far (never more than the total).
    pub refunded: Sar,
}

/// The shipping status Points reported (API.md §5.3, §6.3 `shipping_status_updated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipping {
    /// `None` when Points sent a value we do not know (kept as its label only).
    pub status: Option<ShippingStatus>,
    /// The label Points resolved (the custom label when one is set), as it sent it.
    pub label: Option<String>,
    /// The event time; a delivery older than the stored one is not applied.
    pub at: Option<OffsetDateTime>,
}

/// What a `refunded` / `auto_refunded` webhook says about the money (API.md §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSeen {
    /// `refund_amount`: this refund alone.
    pub amount: Option<Sar>,
    /// `left_amount`: what remains refundable after it, which makes the refunded total exact
    /// however often or in whichever order the events are applied.
    pub left: Option<Sar>,
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
    /// A shipping update, from `shipping_status_updated`.
    pub shipping: Option<Shipping>,
    /// A refund, from `refunded` or `auto_refunded`.
    pub refund: Option<RefundSeen>,
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

/// A webhook's `timestamp` as a time: RFC 3339 (`2026-04-18T10:05:12Z`, with or without a
/// fraction), or the zone-less `2026-04-18 10:05:12` / `2026-04-18T10:05:12` real Points may
/// write, read as UTC. The zone of a zone-less time is unknown, but every event of one Points
/// is written the same way, so ordering two of them (what the time is for) holds either way.
pub fn event_time(text: &str) -> Option<OffsetDateTime> {
    use time::PrimitiveDateTime;
    use time::macros::format_description;
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let spaced = format_description!(
        version = 2,
        "[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, spaced)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

impl Observation {
    /// What an order webhook says; `timestamp` is the payload's (the event time, API.md §12).
    pub fn from_webhook(
        event: &WebhookEvent,
        order: &WebhookOrder,
        timestamp: Option<&str>,
    ) -> Self {
        let shipping = (*event == WebhookEvent::ShippingStatusUpdated).then(|| Shipping {
            status: order.status.as_ref().and_then(shipping_status_of),
            label: order.status_label.clone(),
            at: timestamp.and_then(event_time),
        });
        let refund =
            matches!(event, WebhookEvent::Refunded | WebhookEvent::AutoRefunded).then(|| {
                RefundSeen {
                    amount: order.refund_amount.and_then(|a| Sar::from_f64(a).ok()),
                    left: order
                        .extra
                        .get("left_amount")
                        .and_then(protocol::webhook::number_of)
                        .and_then(|a| Sar::from_f64(a).ok()),
                }
            });
        Observation {
            shipping,
            refund,
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
            // The resource's shipping `status` is also Points' default `new` on every order that
            // never shipped, and it carries no refunded amount: both stay with the webhooks.
            shipping: None,
            refund: None,
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
    let stale_shipping = observed
        .shipping
        .as_ref()
        .is_some_and(|seen| !apply_shipping(&mut next, seen));
    let stale_shipping = stale_shipping.then(|| "an older shipping update".to_owned());

    let Some(to) = observed.order_status else {
        apply_refund(&mut next, total, observed.refund.as_ref());
        return Transition {
            next,
            ignored: stale_shipping,
        };
    };
    let from = current.order_status.unwrap_or(OrderStatus::New);
    if from == to {
        if to == OrderStatus::Cancelled && next.cancel_reason.is_none() {
            next.cancel_reason.clone_from(&observed.reason);
        }
        next.order_status = Some(to);
        apply_refund(&mut next, total, observed.refund.as_ref());
        return Transition {
            next,
            ignored: stale_shipping,
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
    apply_refund(&mut next, total, observed.refund.as_ref());
    Transition {
        next,
        ignored: stale_shipping,
    }
}

/// Points' `status` field: a name in webhooks, the backed integer in API resources (§11.4).
fn shipping_status_of(value: &serde_json::Value) -> Option<ShippingStatus> {
    match value {
        serde_json::Value::String(name) => ShippingStatus::parse(name.trim()),
        serde_json::Value::Number(code) => code
            .as_u64()
            .and_then(|code| u8::try_from(code).ok())
            .and_then(ShippingStatus::from_code),
        _ => None,
    }
}

/// Takes `seen` unless the stored update is newer; `false` when it is. An update that names
/// no status we know keeps the stored one and takes only the label.
fn apply_shipping(next: &mut Lifecycle, seen: &Shipping) -> bool {
    let stored = next.shipping.as_ref();
    if let (Some(stored_at), Some(at)) = (stored.and_then(|s| s.at), seen.at)
        && at < stored_at
    {
        return false;
    }
    let status = seen.status.or(stored.and_then(|s| s.status));
    next.shipping = Some(Shipping {
        status,
        label: seen.label.clone(),
        at: seen.at.or(stored.and_then(|s| s.at)),
    });
    true
}

/// Raises the refunded amount to what `seen` and the status imply. It never falls (a late or
/// repeated event changes nothing) and never passes `total`. `left_amount` gives the exact
/// figure; without it each `refund_amount` adds up, and `fully_refunded` means all of it.
fn apply_refund(next: &mut Lifecycle, total: Sar, seen: Option<&RefundSeen>) {
    let mut refunded = next.refunded;
    if let Some(seen) = seen {
        let implied = match (seen.left, seen.amount) {
            (Some(left), _) => total.checked_sub(left),
            (None, Some(amount)) => refunded.checked_add(amount),
            (None, None) => None,
        };
        refunded = refunded.max(implied.unwrap_or(refunded));
    }
    if next.order_status == Some(OrderStatus::FullyRefunded) {
        refunded = total;
    }
    next.refunded = refunded.min(total);
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
        // Shipping, merchant-level and unknown events say nothing about the money.
        _ => None,
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
            shipping: None,
            refund: None,
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

    fn shipped(status: ShippingStatus, label: &str, at: &str) -> Observation {
        Observation {
            order_status: None,
            shipping: Some(Shipping {
                status: Some(status),
                label: Some(label.into()),
                at: event_time(at),
            }),
            ..seen(Approved)
        }
    }

    #[test]
    fn event_times_are_read_in_every_form_points_writes() {
        let at = |text: &str| event_time(text).map(|t| t.unix_timestamp());
        let expected = Some(1_776_506_712); // 2026-04-18T10:05:12Z
        for text in [
            "2026-04-18T10:05:12Z",
            "2026-04-18T10:05:12.000000Z",
            "2026-04-18T13:05:12+03:00",
            "2026-04-18 10:05:12",
            "2026-04-18T10:05:12",
            " 2026-04-18 10:05:12.5 ",
        ] {
            assert_eq!(at(text), expected, "{text}");
        }
        assert!(event_time("2026-04-18 10:05:13") > event_time("2026-04-18 10:05:12"));
        for text in ["yesterday", "2026-04-18", "10:05:12", ""] {
            assert_eq!(event_time(text), None, "{text}");
        }
    }

    #[test]
    fn the_newest_shipping_update_wins_whatever_the_arrival_order() {
        // As the sandbox writes times, and as real Points may (no `T`, no zone).
        for (earlier, later) in [
            ("2026-04-18T10:00:00Z", "2026-04-18T12:00:00Z"),
            ("2026-04-18 10:00:00", "2026-04-18 12:00:00"),
        ] {
            let approved = apply(&Lifecycle::default(), TOTAL, &seen(Approved)).next;
            let ready = shipped(ShippingStatus::ReadyShipping, "Ready", earlier);
            let delivered = shipped(ShippingStatus::Delivered, "Delivered", later);

            let in_order = apply(&apply(&approved, TOTAL, &ready).next, TOTAL, &delivered);
            assert_eq!(in_order.ignored, None);
            let late = apply(&in_order.next, TOTAL, &ready);
            assert!(
                late.ignored.is_some(),
                "an older update is noted ({earlier})"
            );
            for result in [&in_order, &late] {
                let shipping = result.next.shipping.as_ref().expect("shipping");
                assert_eq!(
                    shipping.status,
                    Some(ShippingStatus::Delivered),
                    "{earlier}"
                );
                assert_eq!(shipping.label.as_deref(), Some("Delivered"));
            }
            // Shipping never touches the financial status.
            assert_eq!(late.next.order_status, Some(Approved));
        }
    }

    #[test]
    fn shipping_status_reads_names_and_backed_integers() {
        let check = |value: serde_json::Value, expect: Option<ShippingStatus>| {
            assert_eq!(shipping_status_of(&value), expect, "{value}");
        };
        check(
            serde_json::json!("delivery_is_in_progress"),
            Some(ShippingStatus::DeliveryIsInProgress),
        );
        check(serde_json::json!(3), Some(ShippingStatus::ReadyShipping));
        check(serde_json::json!(6), Some(ShippingStatus::Cancelled));
        check(serde_json::json!(7), None);
        check(serde_json::json!("flying"), None);
        check(serde_json::Value::Null, None);
        for status in ShippingStatus::ALL {
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(serde_json::json!(status.as_str())),
                "our names are protocol's"
            );
        }
    }

    fn refunded(status: OrderStatus, amount: u64, left: Option<u64>) -> Observation {
        Observation {
            refund: Some(RefundSeen {
                amount: Some(Sar::from_halalas(amount)),
                left: left.map(Sar::from_halalas),
            }),
            ..seen(status)
        }
    }

    #[test]
    fn the_refunded_amount_only_grows_and_stops_at_the_total() {
        let approved = apply(&Lifecycle::default(), TOTAL, &seen(Approved)).next;
        assert_eq!(approved.refunded, Sar::ZERO);
        // 150.75: 25.00 refunded, 125.75 left; then the rest.
        let first = refunded(PartiallyRefunded, 2500, Some(12575));
        let partial = apply(&approved, TOTAL, &first).next;
        assert_eq!(partial.refunded, Sar::from_halalas(2500));
        assert_eq!(
            apply(&partial, TOTAL, &first).next.refunded,
            Sar::from_halalas(2500),
            "a repeat adds nothing"
        );
        let rest = refunded(FullyRefunded, 12575, Some(0));
        let full = apply(&partial, TOTAL, &rest).next;
        assert_eq!(full.refunded, TOTAL);
        // The first refund arriving last changes nothing.
        assert_eq!(apply(&full, TOTAL, &first).next.refunded, TOTAL);
        // Without `left_amount` the amounts add up.
        let bare = refunded(PartiallyRefunded, 1000, None);
        let once = apply(&approved, TOTAL, &bare).next;
        assert_eq!(once.refunded, Sar::from_halalas(1000));
        assert_eq!(
            apply(&once, TOTAL, &bare).next.refunded,
            Sar::from_halalas(2000)
        );
        // `fully_refunded` alone (a verified read) means all of it.
        assert_eq!(
            apply(&approved, TOTAL, &seen(FullyRefunded)).next.refunded,
            TOTAL
        );
    }

    #[test]
    fn a_refund_on_a_cancelled_order_is_not_counted() {
        let cancelled = apply(&Lifecycle::default(), TOTAL, &seen(Cancelled)).next;
        let result = apply(
            &cancelled,
            TOTAL,
            &refunded(PartiallyRefunded, 2500, Some(12575)),
        );
        assert_eq!(result.next.refunded, Sar::ZERO);
        assert!(result.ignored.is_some());
    }
}
