//! One webhook delivery, from the bytes that arrived to what the inbox stores: the secret
//! check ([`UnverifiedWebhook::verify`], constant time, every active secret) and the parsing
//! into a [`Delivery`] with its dedupe key. A delivery whose secret is missing or wrong leaves
//! no trace but a 401; one with the right secret that cannot be read is a 400 the caller keeps
//! in `webhook_rejected`.

use axum::body::Bytes;
use axum::http::HeaderMap;
use protocol::{OrderUuid, WebhookEvent, WebhookPayload, WebhookSecret};
use serde_json::Value;

use crate::error::ApiError;

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
        let key = match (event.is_repeatable(), payload.timestamp.as_deref()) {
            // A second partial refund or shipping update is a new event for the same
            // `(order.id, event)`: its time tells it apart from a retry of the first.
            (true, Some(timestamp)) => format!("{}@{}", order.id, timestamp.trim()),
            _ => order.id.to_string(),
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

    #[test]
    fn repeatable_events_add_their_time_to_the_key() {
        let refund = |timestamp: &str| {
            let body = APPROVED.replace(r#""event":"approved""#, r#""event":"refunded""#);
            format!(r#"{},"timestamp":"{timestamp}"}}"#, &body[..body.len() - 1])
        };
        let first =
            parse(&HeaderMap::new(), refund("2026-04-18T10:05:12Z").as_bytes()).expect("valid");
        let retry =
            parse(&HeaderMap::new(), refund("2026-04-18T10:05:12Z").as_bytes()).expect("valid");
        let second =
            parse(&HeaderMap::new(), refund("2026-04-18T11:00:00Z").as_bytes()).expect("valid");
        assert_eq!(
            first.key,
            "550e8400-e29b-41d4-a716-446655440000@2026-04-18T10:05:12Z"
        );
        assert_eq!(first.key, retry.key);
        assert_ne!(first.key, second.key);
    }

    #[test]
    fn merchant_events_dedupe_on_their_timestamp() {
        let body = r#"{"event":"low_balance_warning","merchant":{"id":7},"timestamp":"2026-04-20T10:05:00Z"}"#;
        let delivery = parse(&HeaderMap::new(), body.as_bytes()).expect("valid");
        assert_eq!(delivery.key, "merchant:2026-04-20T10:05:00Z");
        assert_eq!(delivery.order_number, None);
    }
}
