//! Asking the merchant server about an order: `GET {server}/api/orders/{reference}`.
//!
//! The answer is read with `JSON.parse` and two property reads; serde would cost more bytes than
//! the rest of the widget.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestCredentials, RequestInit, Response};

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

/// A failure worth retrying: network error, 5xx, a body that is not our JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transient(pub String);

/// The URL the return widget polls.
pub fn order_url(server: &str, reference: &OrderReference) -> String {
    let encoded = String::from(js_sys::encode_uri_component(reference.as_str()));
    format!("{server}/api/orders/{encoded}")
}

/// One request. Dropping the future aborts the request.
pub async fn fetch_order(url: &str) -> Result<OrderAnswer, Transient> {
    let window = web_sys::window().ok_or_else(|| Transient("no window".into()))?;
    let abort = AbortOnDrop(AbortController::new().ok());
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(controller) = &abort.0 {
        init.set_signal(Some(&controller.signal()));
    }
    let headers = Object::new();
    let _ = Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    init.set_headers(&headers);

    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| Transient(describe(&e)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| Transient("not a Response".into()))?;
    match response.status() {
        200 => {}
        404 => return Ok(OrderAnswer::NotFound),
        status => return Err(Transient(format!("HTTP {status}"))),
    }
    let text = response
        .text()
        .map_err(|_| Transient("unreadable body".into()))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| Transient(describe(&e)))?;
    let body = JSON::parse(&text.as_string().unwrap_or_default())
        .map_err(|_| Transient("body is not JSON".into()))?;
    if !body.is_object() {
        return Err(Transient("body is not a JSON object".into()));
    }
    let field = |name: &str| {
        Reflect::get(&body, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    Ok(OrderAnswer::Found {
        state: field("state").as_deref().and_then(OrderState::parse),
        order_number: field("order_number"),
    })
}

/// Aborts the request if its future is dropped before it settles (a destroyed widget).
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "request failed".into())
}
