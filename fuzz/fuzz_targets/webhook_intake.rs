//! Webhook intake's parsing path, headers and body: whatever arrives, `parse` answers a
//! delivery or a 400 with a reason, never a panic; a delivery it accepts keeps the exact body
//! and, for order events, a key built from the normalised `order.id`.
//!
//! And what real Points may change must not turn an accepted delivery into a lost one: the same
//! delivery with an `order_status` no release knows, or with its amounts written as strings,
//! is still accepted (and the unknown status is reported, so the worker holds the row).
#![no_main]

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use server::inbox::delivery::{EVENT_HEADER, parse};

fuzz_target!(|data: &[u8]| {
    // The first line, if any, is the `X-Webhook-Event` header; the rest is the body.
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (Some(&data[..at]), &data[at + 1..]),
        None => (None, data),
    };
    let mut headers = HeaderMap::new();
    if let Some(value) = header.and_then(|h| HeaderValue::from_bytes(h).ok()) {
        headers.insert(EVENT_HEADER, value);
    }
    match parse(&headers, body) {
        Ok(delivery) => {
            assert_eq!(
                delivery.body.as_bytes(),
                body,
                "the stored body is the received one"
            );
            assert!(!delivery.key.is_empty());
            if let Some(value) = headers.get(EVENT_HEADER) {
                assert_eq!(value.as_bytes(), delivery.event.as_str().as_bytes());
            }
            let _ = protocol::webhook::unrecognised_order_status(&delivery.body);
            surprises_are_still_accepted(&headers, &delivery.body);
        }
        Err(error) => assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{error}"),
    }
});

/// `body` (accepted) changed the ways real Points may surprise us, each still accepted.
fn surprises_are_still_accepted(headers: &HeaderMap, body: &str) {
    let Ok(serde_json::Value::Object(original)) = serde_json::from_str(body) else {
        return;
    };
    let Some(serde_json::Value::Object(order)) = original.get("order") else {
        return;
    };
    if order.get("order_status").is_some_and(|s| s.is_string()) {
        let mut changed = original.clone();
        changed["order"]["order_status"] = "zz_status_from_the_future".into();
        let text = serde_json::Value::Object(changed).to_string();
        assert!(
            parse(headers, text.as_bytes()).is_ok(),
            "an unknown order_status is stored, not refused: {text}"
        );
        assert_eq!(
            protocol::webhook::unrecognised_order_status(&text).as_deref(),
            Some("zz_status_from_the_future")
        );
    }
    for field in ["total_price", "refund_amount", "left_amount"] {
        let plain = |n: &f64| n.is_finite() && (0.0..1e9).contains(n);
        if let Some(number) = order.get(field).and_then(|v| v.as_f64()).filter(plain) {
            let mut changed = original.clone();
            changed["order"][field] = format!("{number:.2}").into();
            let text = serde_json::Value::Object(changed).to_string();
            assert!(
                parse(headers, text.as_bytes()).is_ok(),
                "{field} as a string is read, not refused: {text}"
            );
        }
    }
}
