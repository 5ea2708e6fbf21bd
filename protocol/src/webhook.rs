//! Webhook payloads Points posts to the merchant (API.md §6).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{OrderNumber, OrderStatus, OrderUuid};

/// The `event` of a delivery. A name we do not know is kept as [`WebhookEvent::Unknown`] so a
/// new event never breaks intake (store it, ignore it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    Approved,
    Authorized,
    Captured,
    Cancelled,
    Completed,
    Refunded,
    AutoRefunded,
    ShippingStatusUpdated,
    /// Merchant-level (SDK only, API.md §6.1): no `order` in the payload.
    DebtExceeded,
    /// Merchant-level (SDK only, API.md §6.1): no `order` in the payload.
    LowBalanceWarning,
    Unknown(String),
}

impl WebhookEvent {
    const KNOWN: [(WebhookEvent, &'static str); 10] = [
        (WebhookEvent::Approved, "approved"),
        (WebhookEvent::Authorized, "authorized"),
        (WebhookEvent::Captured, "captured"),
        (WebhookEvent::Cancelled, "cancelled"),
        (WebhookEvent::Completed, "completed"),
        (WebhookEvent::Refunded, "refunded"),
        (WebhookEvent::AutoRefunded, "auto_refunded"),
        (
            WebhookEvent::ShippingStatusUpdated,
            "shipping_status_updated",
        ),
        (WebhookEvent::DebtExceeded, "debt_exceeded"),
        (WebhookEvent::LowBalanceWarning, "low_balance_warning"),
    ];

    pub fn parse(name: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(event, _)| event.clone())
            .unwrap_or_else(|| WebhookEvent::Unknown(name.to_owned()))
    }

    /// Events about one order, which must carry `order.id` (API.md §6.1).
    pub fn concerns_order(&self) -> bool {
        matches!(
            self,
            WebhookEvent::Approved
                | WebhookEvent::Authorized
                | WebhookEvent::Captured
                | WebhookEvent::Cancelled
                | WebhookEvent::Completed
                | WebhookEvent::Refunded
                | WebhookEvent::AutoRefunded
                | WebhookEvent::ShippingStatusUpdated
        )
    }

    /// The merchant-level events (SDK only, API.md §6.1): about the merchant's balance, with no
    /// `order` in the payload. An unknown event is neither this nor an order event.
    pub fn is_merchant_level(&self) -> bool {
        matches!(
            self,
            WebhookEvent::DebtExceeded | WebhookEvent::LowBalanceWarning
        )
    }

    /// Events Points may send more than once per order with different content: `refunded`
    /// (one per partial refund) and `shipping_status_updated` (one per call). Deduping them on
    /// `(order.id, event)` alone would drop the second one.
    pub fn is_repeatable(&self) -> bool {
        matches!(
            self,
            WebhookEvent::Refunded | WebhookEvent::ShippingStatusUpdated
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            WebhookEvent::Unknown(name) => name,
            known => Self::KNOWN
                .iter()
                .find(|(event, _)| event == known)
                .map(|(_, name)| *name)
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(WebhookEvent::parse(&String::deserialize(deserializer)?))
    }
}

/// A number Points may send as a JSON number or as a numeric string (`"25.00"`, as its
/// merchant-level events do): either reads the same. `null`, absent or unreadable is `None`, so
/// a surprising amount never makes an authenticated delivery unreadable; the caller keeps the
/// raw body and applies only what it can read.
pub fn number_of(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn lenient_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(number_of))
}

fn lenient_status<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OrderStatus>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|text| OrderStatus::parse(text.trim())))
}

/// The raw `order.order_status` of a delivery `body` when it is present but not a status we
/// know (a new value, a number): the meaning of such a delivery is not certain, so it is kept
/// and held for a person or a newer release instead of applied. `None` for a known or absent
/// status, and for a body that is not an order event.
pub fn unrecognised_order_status(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let status = value.get("order")?.get("order_status")?;
    match status {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) if OrderStatus::parse(text.trim()).is_some() => None,
        serde_json::Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// The `order` object of an order event: the fields API.md §6.3 says it always carries, plus
/// the per-event extras (all optional). Anything else is kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookOrder {
    pub id: OrderUuid,
    #[serde(default)]
    pub reference_number: Option<String>,
    pub order_number: OrderNumber,
    /// `"earning"` or `"replacing"` (a string here, unlike the API's integer).
    #[serde(rename = "type", default)]
    pub order_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_price: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_points: Option<f64>,
    #[serde(default)]
    pub payment_status: Option<String>,
    /// `None` when absent *or* a value we do not know: such a delivery is still stored, and
    /// [`unrecognised_order_status`] tells the worker to hold it rather than guess.
    #[serde(default, deserialize_with = "lenient_status")]
    pub order_status: Option<OrderStatus>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub refund_amount: Option<f64>,
    #[serde(default)]
    pub status: Option<serde_json::Value>,
    #[serde(default)]
    pub status_label: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `{ "event": …, "order": { … }, "timestamp": … }`. Merchant-level events carry `merchant` and
/// `data` instead of `order`; those land in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    pub event: WebhookEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<WebhookOrder>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_same_as_numbers_or_strings() {
        let order = |amount: serde_json::Value| {
            let body = serde_json::json!({ "event": "refunded", "order": {
                "id": "550e8400-e29b-41d4-a716-446655440000", "order_number": "ORD-1",
                "total_price": amount.clone(), "refund_amount": amount, "total_points": "3000" } });
            serde_json::from_value::<WebhookPayload>(body)
                .expect("readable")
                .order
                .expect("order")
        };
        let numeric = order(serde_json::json!(25.5));
        let text = order(serde_json::json!(" 25.50 "));
        assert_eq!(numeric.refund_amount, Some(25.5));
        assert_eq!(text.refund_amount, Some(25.5));
        assert_eq!(text.total_price, Some(25.5));
        assert_eq!(text.total_points, Some(3000.0));
        let odd = order(serde_json::json!("twenty"));
        assert_eq!((odd.refund_amount, odd.total_price), (None, None));
        assert_eq!(order(serde_json::Value::Null).refund_amount, None);
    }

    #[test]
    fn every_known_event_has_exactly_one_scope() {
        for (event, name) in WebhookEvent::KNOWN {
            assert_ne!(
                event.concerns_order(),
                event.is_merchant_level(),
                "{name} must be about an order or about the merchant"
            );
            assert!(!event.is_repeatable() || event.concerns_order(), "{name}");
        }
        let unknown = WebhookEvent::parse("order_exploded");
        assert!(!unknown.concerns_order() && !unknown.is_merchant_level());
        assert!(WebhookEvent::Refunded.is_repeatable());
        assert!(!WebhookEvent::Approved.is_repeatable());
    }

    #[test]
    fn reads_the_documented_approved_example() {
        let body = r#"{ "event": "approved",
          "order": { "id": "550e8400-e29b-41d4-a716-446655440000", "reference_number": "REF-2024-001234",
                     "order_number": "ORD-2024-0001", "type": "replacing", "total_price": 150.75,
                     "total_points": 500, "payment_status": "fully_paid", "order_status": "approved",
                     "metadata": { "source": "web" }, "created_at": "2026-04-18T10:00:00Z",
                     "updated_at": "2026-04-18T10:05:12Z" },
          "timestamp": "2026-04-18T10:05:12Z" }"#;
        let payload: WebhookPayload = serde_json::from_str(body).expect("documented example");
        assert_eq!(payload.event, WebhookEvent::Approved);
        let order = payload.order.expect("order event");
        assert_eq!(order.order_status, Some(OrderStatus::Approved));
        assert_eq!(order.order_number.as_str(), "ORD-2024-0001");
    }

    #[test]
    fn an_unknown_order_status_parses_and_is_reported_raw() {
        let body = r#"{"event":"approved","order":{"id":"550e8400-e29b-41d4-a716-446655440000",
            "order_number":"PK-1","order_status":"settled_v2"},"timestamp":"2026-12-07T10:00:00Z"}"#;
        let payload: WebhookPayload = serde_json::from_str(body).expect("still parses");
        assert_eq!(payload.order.expect("order").order_status, None);
        assert_eq!(
            unrecognised_order_status(body).as_deref(),
            Some("settled_v2")
        );
        for known in [
            r#"{"order":{"order_status":"approved"}}"#,
            r#"{"order":{"order_status":null}}"#,
            r#"{"order":{}}"#,
            r#"{"event":"debt_exceeded"}"#,
        ] {
            assert_eq!(unrecognised_order_status(known), None, "{known}");
        }
        assert_eq!(
            unrecognised_order_status(r#"{"order":{"order_status":7}}"#).as_deref(),
            Some("7")
        );
    }

    #[test]
    fn unknown_events_are_kept_not_rejected() {
        let body = r#"{"event":"points_expired","timestamp":"2026-04-18T10:05:12Z"}"#;
        let payload: WebhookPayload = serde_json::from_str(body).expect("unknown event parses");
        assert_eq!(
            payload.event,
            WebhookEvent::Unknown("points_expired".into())
        );
        assert_eq!(payload.event.as_str(), "points_expired");
    }

    #[test]
    fn event_names_round_trip() {
        for (event, name) in WebhookEvent::KNOWN {
            assert_eq!(WebhookEvent::parse(name), event);
            assert_eq!(event.as_str(), name);
        }
    }
}
