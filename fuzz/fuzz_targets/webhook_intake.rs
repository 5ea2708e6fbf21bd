//! Webhook intake's parsing path, headers and body: whatever arrives, `parse` answers a
//! delivery or a 400 with a reason, never a panic; a delivery it accepts keeps the exact body
//! and, for order events, a key built from the normalised `order.id`.
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
        }
        Err(error) => assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{error}"),
    }
});
