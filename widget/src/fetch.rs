//! Asking the merchant server about an order: `GET {server}/api/orders/{reference}`.
//!
//! Driven by callbacks (see [`crate::status`]) rather than futures: the async executor and its
//! wakers cost about 2 KB gzip on every product page. The answer is read with `JSON.parse` and two
//! property reads; serde would cost more bytes than the rest of the widget.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, RequestCache, RequestCredentials, RequestInit};

use crate::order::{OrderReference, OrderState};

/// What the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderAnswer {
    /// 200 with a JSON body. `state` is `None` for a state this widget does not know.
    Found {
        /// The mapped `state` field.
        state: Option<OrderState>,
        /// The `order_number` field, when present.
        order_number: Option<String>,
    },
    /// 404: the server does not know this reference.
    NotFound,
}

/// The URL the return widget polls. A well-formed `uuid` from the callback URL goes along as a
/// hint: the server checks it with Points (the order number must match) before using it, so the
/// hint can speed up a confirmation but never make one.
pub fn order_url(server: &str, reference: &OrderReference, uuid_hint: Option<&str>) -> String {
    let encoded = String::from(js_sys::encode_uri_component(reference.as_str()));
    match uuid_hint.filter(|hint| is_uuid(hint)) {
        Some(hint) => [server, "/api/orders/", &encoded, "?uuid=", hint].concat(),
        None => [server, "/api/orders/", &encoded].concat(),
    }
}

/// `8-4-4-4-12` hexadecimal digits: nothing else is ever put into the status URL.
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// `GET`, no cache, same-origin credentials, JSON, cancelled by `signal`.
pub fn request_init(signal: Option<&AbortSignal>) -> RequestInit {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_signal(signal);
    let headers = Object::new();
    let _ = Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    init.set_headers(&headers);
    init
}

/// Reads a 200 body; `None` when it is not a JSON object (worth asking again).
pub fn parse_body(text: &str) -> Option<OrderAnswer> {
    let body = JSON::parse(text).ok().filter(JsValue::is_object)?;
    let field = |name: &str| {
        Reflect::get(&body, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    Some(OrderAnswer::Found {
        state: field("state").as_deref().and_then(OrderState::parse),
        order_number: field("order_number"),
    })
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn only_canonical_uuids_are_passed_as_hints() {
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
        assert!(!is_uuid(
            "550e8400-e29b-41d4-a716-44665544000&status=approved"
        ));
        assert!(!is_uuid("550e8400-e29b-41d4-a716-4466554400zz"));
        assert!(!is_uuid(""));
    }
}
