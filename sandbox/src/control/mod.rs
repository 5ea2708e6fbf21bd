//! The sandbox's own control API under `/_sandbox/…`: look inside, and bend the world for tests.
//! Unauthenticated by design: the sandbox is a local tool, never a public service.
//!
//! - `GET /_sandbox/orders`: every order with its state (and `refunded_amount`, which Points'
//!   `OrderResource` does not carry)
//! - `GET /_sandbox/deliveries`: the webhook delivery log, one entry per attempt;
//!   `?webhook={uuid}` is one webhook's own log (also `?order={uuid}`, `?event=`)
//! - `GET /_sandbox/merchants`: merchants and their webhooks (with secrets, as Points returns them)
//! - `PATCH /_sandbox/merchants/{publicKey}` `{ "verified": false }`
//! - `POST /_sandbox/merchants/{publicKey}/webhooks` `{ "url", "secret"?, "name"? }`
//! - `POST /_sandbox/sessions/{sessionId}/expire`: the 30 minutes are up, now
//!
//! and, in [`world`]:
//!
//! - `POST /_sandbox/merchants` `{ "name", "public_key", "private_key", "multiplier"? }`
//! - `GET /_sandbox/state`: merchants with their switches, customers, pending earnings, faults
//! - `PATCH /_sandbox/merchants/{publicKey}` also takes `earning_enabled`, `ip_allow_list`
//!   (list of IPs, or `null` for none), `earning_delay_ms` (how long an earning call holds the
//!   merchant's lock), `multiplier` and `product_points` (`{ "name": points }`), and how the
//!   merchant's webhook payloads are written, to send them as real Points may:
//!   `webhook_timestamps` for `timestamp`, `created_at` and `updated_at` (`"micros"`, the
//!   default: `2026-04-18T10:05:12.123456Z`; `"seconds"`: `2026-04-18T10:05:12Z`;
//!   `"seconds_space"`: `2026-04-18 10:05:12`) and `omit_left_amount` (`true`: no
//!   `left_amount` in `refunded` / `auto_refunded`). Only events fired afterwards change; a
//!   replay resends the logged payload as it was
//! - `POST /_sandbox/faults` `{ "route": "/api/v1/orders/earning" | "*", "method"?: "POST",
//!   "fault": "status", "status": 500, "count": 2 }` or `{ …, "fault": "hang", "ms": 15000 }`,
//!   optionally `"every": 50` (only each 50th matching call meets it);
//!   `GET` lists what is pending, `DELETE` clears
//! - `POST /_sandbox/webhook-faults` `{ "fault": "delay", "ms": 500, "count": 1 }` (also
//!   `duplicate`, `drop`, `reorder`); `GET` / `DELETE` likewise
//! - `POST /_sandbox/deliveries/{id}/replay`: resend a logged delivery's exact body
//! - `POST /_sandbox/orders/{uuid}/auto-refund`: Points reverses the order (`auto_refunded`)
//! - `POST /_sandbox/merchants/{publicKey}/events/{event}`: `debt_exceeded` or
//!   `low_balance_warning`, optional body = the event's `data`
//! - `POST /_sandbox/customers/{phone}/activate`, `GET /_sandbox/customers/{phone}`
//!
//! and, in [`bulk`] (test-only seeding, no webhooks):
//!
//! - `POST /_sandbox/orders/bulk` `{ "merchant", "count", "order_number_prefix",
//!   "total_price", "statuses": ["approved", …] }`: `count` checkout orders in those states

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use protocol::{ErrorEnvelope, FieldErrors};
use serde::Deserialize;
use serde_json::{Value, json};

mod bulk;
mod world;

use crate::{
    clock,
    lang::Lang,
    state::{AppState, Store, Webhook},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/orders", get(orders))
        .route("/_sandbox/deliveries", get(deliveries))
        .route("/_sandbox/merchants", get(merchants))
        .route(
            "/_sandbox/merchants/{public_key}/webhooks",
            post(add_webhook),
        )
        .route(
            "/_sandbox/sessions/{session_id}/expire",
            post(expire_session),
        )
        .merge(world::router())
        .merge(bulk::router())
        // Axum's own rejections (malformed JSON, a wrong type) in the envelope too.
        .layer(axum::middleware::map_response(envelope_rejections))
}

/// Axum's plain-text rejections become the envelope, keeping their reason ("missing field
/// `name`") as the `message`.
async fn envelope_rejections(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    };
    (status, Json(ErrorEnvelope::new(message))).into_response()
}

/// Failures of the control API, in Points' envelope so every client reads them alike.
#[derive(Debug, thiserror::Error)]
enum ControlError {
    #[error("Unknown merchant")]
    UnknownMerchant,
    #[error("Unknown checkout session")]
    UnknownSession,
    #[error("Unknown order")]
    UnknownOrder,
    #[error("Unknown delivery, or its webhook is gone")]
    UnknownDelivery,
    #[error("{0}")]
    Refused(String),
    #[error("The given data was invalid.")]
    Invalid(FieldErrors),
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        match self {
            ControlError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ErrorEnvelope::validation(errors)),
            )
                .into_response(),
            ControlError::Refused(message) => {
                (StatusCode::BAD_REQUEST, Json(ErrorEnvelope::new(message))).into_response()
            }
            other => (
                StatusCode::NOT_FOUND,
                Json(ErrorEnvelope::new(other.to_string())),
            )
                .into_response(),
        }
    }
}

async fn orders(State(state): State<AppState>) -> Json<Vec<Value>> {
    let store = state.store();
    Json(
        store
            .orders
            .iter()
            .map(|o| order_json(&store, o.id))
            .collect(),
    )
}

/// `GET /_sandbox/deliveries?webhook=&order=&event=`: the log, narrowed to one webhook (its
/// own delivery log), one order or one event when asked.
#[derive(Debug, Deserialize)]
struct DeliveryFilter {
    webhook: Option<uuid::Uuid>,
    order: Option<String>,
    event: Option<String>,
}

async fn deliveries(
    State(state): State<AppState>,
    Query(filter): Query<DeliveryFilter>,
) -> Json<Value> {
    let store = state.store();
    let entries: Vec<_> = store
        .deliveries
        .iter()
        .filter(|d| filter.webhook.is_none_or(|w| d.webhook_uuid == w))
        .filter(|d| filter.order.as_ref().is_none_or(|o| &d.order_uuid == o))
        .filter(|d| filter.event.as_ref().is_none_or(|e| &d.event == e))
        .collect();
    Json(json!(entries))
}

async fn merchants(State(state): State<AppState>) -> Json<Vec<Value>> {
    let store = state.store();
    let list = store
        .merchants
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "public_key": m.public_key,
                "multiplier": m.multiplier,
                "verified": m.verified,
                "webhooks": m.webhooks.iter().map(webhook_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(list)
}

#[derive(Debug, Deserialize)]
struct NewWebhook {
    url: String,
    secret: Option<String>,
    name: Option<String>,
}

async fn add_webhook(
    State(state): State<AppState>,
    Path(public_key): Path<String>,
    Json(body): Json<NewWebhook>,
) -> Result<Json<Value>, ControlError> {
    let mut store = state.store();
    let merchant = store
        .merchant_by_public_key(&public_key)
        .ok_or(ControlError::UnknownMerchant)?;
    let secret = body.secret.filter(|s| !s.is_empty());
    let mut webhook = store
        .add_webhook(merchant, &body.url, secret, clock::now())
        .map_err(|err| invalid("url", err.to_string()))?;
    if let Some(name) = body.name.filter(|n| !n.trim().is_empty()) {
        webhook.name = name.trim().to_owned();
        if let Some(stored) = store.merchants[merchant].webhooks.last_mut() {
            stored.name = webhook.name.clone();
        }
    }
    tracing::info!(merchant = public_key, url = %webhook.url, "webhook registered");
    Ok(Json(webhook_json(&webhook)))
}

async fn expire_session(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    // Expiring cancels the order and queues `cancelled`, exactly as a late page load would.
    state.update(|store| store.expire_now(&session_id, clock::now()));
    let store = state.store();
    let session = store
        .sessions
        .get(&session_id)
        .ok_or(ControlError::UnknownSession)?;
    Ok(Json(json!({
        "session": session.id,
        "state": session.state.as_str(),
        "order": order_json(&store, store.orders[session.order].id),
    })))
}

fn invalid(key: &str, message: String) -> ControlError {
    let mut errors = FieldErrors::new();
    errors.insert(key.to_owned(), vec![message]);
    ControlError::Invalid(errors)
}

/// An order as the API shows it (English labels), plus what only the sandbox knows.
fn order_json(store: &Store, id: u64) -> Value {
    let index = usize::try_from(id - 1).unwrap_or_default();
    let order = &store.orders[index];
    let mut value = json!(order.resource(Lang::En, clock::now()));
    let mut sessions: Vec<_> = store
        .sessions
        .values()
        .filter(|s| s.order == index)
        .collect();
    sessions.sort_by_key(|s| s.created_at);
    if let Value::Object(fields) = &mut value {
        let extra = json!({
            "merchant": store.merchants[order.merchant].public_key,
            "payment_status": order.payment_status.as_str(),
            "reason": order.cancel_reason,
            "callback_url": order.callback_url().map(url::Url::as_str),
            "phone_number": order.checkout.phone_number.as_ref().map(|p| p.masked()),
            "name": order.checkout.name,
            "shipping_amount": order.checkout.shipping_amount,
            "tax_amount": order.checkout.tax_amount,
            "discount_amount": order.checkout.discount_amount,
            "shipping_address": order.checkout.shipping_address,
            // Not in Points' OrderResource: what the sandbox has refunded so far.
            "refunded_amount": order.refunded_amount.to_string(),
            "sessions": sessions.iter().map(|s| json!({
                "id": s.id,
                "state": s.state.as_str(),
                "expires_at": clock::iso(s.expires_at),
            })).collect::<Vec<_>>(),
        });
        if let Value::Object(extra) = extra {
            fields.extend(extra);
        }
    }
    value
}

fn webhook_json(webhook: &Webhook) -> Value {
    json!({
        "uuid": webhook.uuid,
        "name": webhook.name,
        "url": webhook.url.as_str(),
        "secret": webhook.secret.expose(),
        "created_at": clock::iso(webhook.created_at),
    })
}
