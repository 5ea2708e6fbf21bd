//! One webhook delivery, from the bytes that arrived to what the inbox stores: the secret
//! check ([`UnverifiedWebhook::verify`], constant time, every active secret) and the parsing
//! into a [`Delivery`] with its dedupe key. A delivery whose secret is missing or wrong leaves
//! no trace but a 401; one with the right secret that cannot be read is a 400 the caller keeps
//! in `webhook_rejected`.

use axum::body::Bytes;
use axum::http::HeaderMap;
use protocol::{OrderUuid, Sar, WebhookEvent, WebhookOrder, WebhookPayload, WebhookSecret};
use serde_json::Value;

use crate::error::ApiError;

pub mod probe;

pub const SECRET_HEADER: &str = "x-webhook-secret";
pub const EVENT_HEADER: &str = "x-webhook-event";

/// A delivery as it arrived: nothing in it is trusted yet. Only [`UnverifiedWebhook::verify`]
/// turns it into something the rest of the server accepts.
#[derive(Debug)]
pub struct UnverifiedWebhook {
    headers: HeaderMap,
    body: Bytes,
}

/// A value that came from a delivery carrying the right secret.
#[derive(Debug)]
pub struct Verified<T>(T);

/// The bytes and headers of a delivery that carried the right secret, not yet parsed.
#[derive(Debug)]
pub struct VerifiedBody {
    headers: HeaderMap,
    body: Bytes,
}

/// What the inbox stores for one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event: WebhookEvent,
    /// `order.id` (with `@<timestamp>` for repeatable events), or `merchant:<timestamp>` for
    /// events without an order.
    pub key: String,
    pub order_number: Option<String>,
    pub body: String,
}

impl UnverifiedWebhook {
    /// A delivery as the HTTP adapter read it.
    pub fn new(headers: HeaderMap, body: Bytes) -> Self {
        UnverifiedWebhook { headers, body }
    }

    /// Checks `X-Webhook-Secret` in constant time against every active secret: 401 if it is
    /// missing or matches none.
    pub fn verify(self, secrets: &[&WebhookSecret]) -> Result<Verified<VerifiedBody>, ApiError> {
        let presented = self.headers.get(SECRET_HEADER).map(|v| v.as_bytes());
        if !presented.is_some_and(|p| matches_any(secrets, p)) {
            return Err(ApiError::Unauthorized);
        }
        Ok(Verified(VerifiedBody {
            headers: self.headers,
            body: self.body,
        }))
    }
}

impl UnverifiedWebhook {
    /// Whether this delivery is a `points preflight` probe marked by someone holding one of
    /// `secrets` ([`probe`]); it only tells how to count a delivery [`Self::verify`] refused.
    pub fn is_signed_probe(&self, secrets: &[&WebhookSecret], now: std::time::SystemTime) -> bool {
        probe::is_signed_probe(&self.headers, &self.body, secrets, now)
    }
}

impl Verified<VerifiedBody> {
    /// Reads the delivery: 400 for a body that is not a well-formed event.
    pub fn parse(&self) -> Result<Verified<Delivery>, ApiError> {
        parse(&self.0.headers, &self.0.body).map(Verified)
    }

    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    pub fn event_header(&self) -> Option<&str> {
        self.0
            .headers
            .get(EVENT_HEADER)
            .and_then(|v| v.to_str().ok())
    }
}

impl<T> Verified<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Compares `presented` with every secret, always all of them and without short-circuiting,
/// so the time taken does not tell which secret (if any) matched.
fn matches_any(secrets: &[&WebhookSecret], presented: &[u8]) -> bool {
    secrets
        .iter()
        .fold(false, |matched, secret| matched | secret.verify(presented))
}

/// Reads a verified body into a [`Delivery`]: 400 with a reason for anything else. Public so
/// the fuzz targets (`fuzz/`) reach the exact code intake runs.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Delivery, ApiError> {
    let bad = |reason: String| ApiError::BadRequest(reason);
    let text = std::str::from_utf8(body).map_err(|_| bad("body is not UTF-8".into()))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("body is not valid JSON: {e}")))?;
    let name = value
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("body has no \"event\" string".into()))?
        .to_owned();
    if let Some(header) = headers.get(EVENT_HEADER)
        && header.as_bytes() != name.as_bytes()
    {
        return Err(bad(format!(
            "{EVENT_HEADER} does not match the body's event {name:?}"
        )));
    }
    let event = WebhookEvent::parse(&name);
    let (key, order_number) = if event.concerns_order() {
        let payload: WebhookPayload =
            serde_json::from_value(value).map_err(|e| bad(format!("not a {name} event: {e}")))?;
        let order = payload
            .order
            .ok_or_else(|| bad(format!("{name} event without order.id")))?;
        let key = if event.is_repeatable() {
            format!(
                "{}@{}",
                order.id,
                repeat_identity(&event, &order, payload.timestamp.as_deref())
            )
        } else {
            order.id.to_string()
        };
        (key, Some(order.order_number.to_string()))
    } else {
        // Merchant-level and unknown events are stored and ignored, whatever their shape
        // (API.md §12), so a new event name never turns into failed deliveries.
        merchant_key(&value)
    };
    Ok(Delivery {
        event,
        key,
        order_number,
        body: text.to_owned(),
    })
}

/// What tells one refund or shipping update apart from another for the same order, from the
/// payload alone: a retry carries the same content and dedupes; a different one never does.
///
/// A refund is its id when Points sends one (`refund_id`, `refund_uuid` or `refund.id`), else
/// its amount, what is left after it and its time: two partial refunds stamped in the same
/// second (Points' timestamps have second precision) differ in `left_amount`, and a refund
/// without a timestamp is still told apart from the next. A shipping update is its status,
/// label and time. Amounts are compared in halalas, so `25`, `25.00` and `"25.00"` are one.
fn repeat_identity(event: &WebhookEvent, order: &WebhookOrder, timestamp: Option<&str>) -> String {
    let time = timestamp.map(str::trim).unwrap_or("-");
    let text = |value: Option<&Value>| match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match event {
        WebhookEvent::Refunded => {
            let id = text(order.extra.get("refund_id"))
                .or_else(|| text(order.extra.get("refund_uuid")))
                .or_else(|| text(order.extra.get("refund").and_then(|r| r.get("id"))));
            if let Some(id) = id {
                return format!("refund:{id}");
            }
            let halalas = |amount: Option<f64>| match amount.map(Sar::from_f64) {
                Some(Ok(sar)) => sar.halalas().to_string(),
                Some(Err(_)) => "?".into(),
                None => "-".into(),
            };
            let left = order
                .extra
                .get("left_amount")
                .and_then(protocol::webhook::number_of);
            format!(
                "refund:{}/{}@{time}",
                halalas(order.refund_amount),
                halalas(left)
            )
        }
        _ => {
            let status = text(order.status.as_ref()).unwrap_or_else(|| "-".into());
            let label = order.status_label.as_deref().map_or("-", str::trim);
            format!("shipping:{status}/{label}@{time}")
        }
    }
}

/// The dedupe key of an event that is not a known order event: its `order.id` if it has a
/// valid one, else its `timestamp` (the same on every retry, API.md §12), else nothing stable.
fn merchant_key(value: &Value) -> (String, Option<String>) {
    let order = value.get("order");
    let uuid = order
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .and_then(OrderUuid::parse);
    let order_number = order
        .and_then(|o| o.get("order_number"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(uuid) = uuid {
        return (uuid.to_string(), order_number);
    }
    let key = match value.get("timestamp").and_then(Value::as_str) {
        Some(timestamp) => format!("merchant:{timestamp}"),
        None => format!("merchant:{}", uuid::Uuid::new_v4()),
    };
    (key, None)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn unverified(secret: Option<&str>, body: &str) -> UnverifiedWebhook {
        let mut headers = HeaderMap::new();
        if let Some(secret) = secret {
            headers.insert(
                SECRET_HEADER,
                HeaderValue::from_str(secret).expect("header"),
            );
        }
        UnverifiedWebhook {
            headers,
            body: Bytes::from(body.to_owned()),
        }
    }

    const APPROVED: &str = r#"{"event":"approved","order":{"id":"550E8400-E29B-41D4-A716-446655440000","order_number":"PK-1","order_status":"approved"}}"#;

    #[test]
    fn either_secret_verifies_during_a_rotation() {
        let current = WebhookSecret::new("new-secret");
        let previous = WebhookSecret::new("old-secret-longer");
        let check = |presented: Option<&str>, ok: bool| {
            let result = unverified(presented, APPROVED).verify(&[&current, &previous]);
            assert_eq!(result.is_ok(), ok, "{presented:?}");
        };
        check(Some("new-secret"), true);
        check(Some("old-secret-longer"), true);
        check(Some("old-secret"), false);
        check(Some("new-secret-longer"), false);
        check(None, false);
        assert!(!matches_any(&[], b"anything"));
    }

    #[test]
    fn only_the_exact_secret_verifies() {
        let secret = WebhookSecret::new("s3cret");
        let check = |presented: Option<&str>, ok: bool| {
            let result = unverified(presented, APPROVED).verify(&[&secret]);
            assert_eq!(result.is_ok(), ok, "{presented:?}");
        };
        check(Some("s3cret"), true);
        check(None, false);
        check(Some("s3creT"), false);
        check(Some("s3cre"), false);
        check(Some("s3cret!"), false);
        check(Some(""), false);
    }

    #[test]
    fn order_events_are_keyed_by_the_normalised_uuid() {
        let delivery = parse(&HeaderMap::new(), APPROVED.as_bytes()).expect("valid");
        assert_eq!(delivery.key, "550e8400-e29b-41d4-a716-446655440000");
        assert_eq!(delivery.order_number.as_deref(), Some("PK-1"));
        assert_eq!(delivery.event, WebhookEvent::Approved);
    }

    #[test]
    fn malformed_deliveries_are_rejected_with_a_reason() {
        let check = |body: &str| {
            let result = parse(&HeaderMap::new(), body.as_bytes());
            assert!(matches!(result, Err(ApiError::BadRequest(_))), "{body}");
        };
        check("not json");
        check(r#"{"order":{}}"#);
        check(r#"{"event":"approved"}"#);
        check(r#"{"event":"approved","order":{"order_number":"PK-1"}}"#);
        check(r#"{"event":"approved","order":{"id":"nope","order_number":"PK-1"}}"#);
    }

    #[test]
    fn the_event_header_must_match_the_body() {
        let mut headers = HeaderMap::new();
        headers.insert(EVENT_HEADER, HeaderValue::from_static("refunded"));
        assert!(parse(&headers, APPROVED.as_bytes()).is_err());
        headers.insert(EVENT_HEADER, HeaderValue::from_static("approved"));
        assert!(parse(&headers, APPROVED.as_bytes()).is_ok());
    }

    fn refund_key(order_extras: Value, timestamp: Option<&str>) -> String {
        let mut order = serde_json::json!({
            "id": "550e8400-e29b-41d4-a716-446655440000", "order_number": "ORD-1",
            "order_status": "partially_refunded", "total_price": 150.75 });
        if let (Some(order), Value::Object(extras)) = (order.as_object_mut(), order_extras) {
            order.extend(extras);
        }
        let mut body = serde_json::json!({ "event": "refunded", "order": order });
        if let Some(timestamp) = timestamp {
            body["timestamp"] = Value::from(timestamp);
        }
        parse(&HeaderMap::new(), body.to_string().as_bytes())
            .expect("valid")
            .key
    }

    #[test]
    fn a_refund_is_known_by_what_it_says_not_only_by_its_second() {
        use serde_json::json;
        const AT: Option<&str> = Some("2026-04-18T10:05:12Z");
        let ten = refund_key(json!({"refund_amount": 10.0, "left_amount": 140.75}), AT);
        assert_eq!(
            ten,
            "550e8400-e29b-41d4-a716-446655440000@refund:1000/14075@2026-04-18T10:05:12Z"
        );
        // A retry dedupes, whichever way the amounts are written.
        let retry = refund_key(
            json!({"refund_amount": "10.00", "left_amount": "140.75"}),
            AT,
        );
        assert_eq!(ten, retry);
        // Two partial refunds in the same second are two refunds.
        let twenty = refund_key(json!({"refund_amount": 20.0, "left_amount": 120.75}), AT);
        assert_ne!(ten, twenty);
        // So are two without a timestamp, or without `left_amount`.
        let bare = |amount: f64| refund_key(json!({"refund_amount": amount}), None);
        assert_ne!(bare(10.0), bare(20.0));
        assert_eq!(bare(10.0), bare(10.0));
        // The same refund, later: another time.
        let later = refund_key(
            json!({"refund_amount": 10.0, "left_amount": 130.75}),
            Some("2026-04-18T11:00:00Z"),
        );
        assert_ne!(ten, later);
        // A refund id, when Points sends one, is the identity.
        let by_id = |extras: Value| refund_key(extras, AT);
        assert_eq!(
            by_id(json!({"refund_id": "r-1", "refund_amount": 10.0})),
            by_id(json!({"refund_id": "r-1", "refund_amount": "10"}))
        );
        assert_ne!(
            by_id(json!({"refund": {"id": 7}, "refund_amount": 10.0})),
            by_id(json!({"refund": {"id": 8}, "refund_amount": 10.0}))
        );
    }

    #[test]
    fn shipping_updates_are_known_by_status_label_and_time() {
        let update = |status: &str, timestamp: &str| {
            let body = serde_json::json!({ "event": "shipping_status_updated", "order": {
                "id": "550e8400-e29b-41d4-a716-446655440000", "order_number": "ORD-1",
                "status": status, "status_label": "x" }, "timestamp": timestamp });
            parse(&HeaderMap::new(), body.to_string().as_bytes())
                .expect("valid")
                .key
        };
        let at = "2026-04-18T10:05:12Z";
        assert_eq!(update("delivered", at), update("delivered", at));
        assert_ne!(update("ready_shipping", at), update("delivered", at));
        assert_ne!(
            update("delivered", at),
            update("delivered", "2026-04-18T10:05:13Z")
        );
    }

    #[test]
    fn merchant_events_dedupe_on_their_timestamp() {
        let body = r#"{"event":"low_balance_warning","merchant":{"id":7},"timestamp":"2026-04-20T10:05:00Z"}"#;
        let delivery = parse(&HeaderMap::new(), body.as_bytes()).expect("valid");
        assert_eq!(delivery.key, "merchant:2026-04-20T10:05:00Z");
        assert_eq!(delivery.order_number, None);
    }
}
