//! `/admin/orders/{order}/…`: support's operations on one order, by `order_number` or Points
//! uuid. Each runs the matching [`crate::actions`] function and answers its [`Outcome`]: Points'
//! answer and the local order, which changes only when the event's webhook is applied.
//!
//! - `GET /admin/orders/{order}`: the order with its history (local database only)
//! - `POST …/refund` `{"amount": "12.50" | null, "reason"?: "…"}` (no amount: all that remains),
//!   with an optional `Idempotency-Key` so a retried refund is made once
//! - `POST …/cancel` `{"reason"?: "…"}`
//! - `POST …/authorize`, `POST …/capture` (no body)
//! - `POST …/complete` `{"payment_method"?: "mada" | "2"}`
//! - `POST …/shipping` `{"status"?: "ready_shipping", "label"?: {"ar"?: "…", "en"?: "…"}}`
//!
//! Bodies are strict: an unknown field is a 400, so a typo (`"ammount"`) can never turn a
//! partial refund into a full one.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::actions::{self, Label, OrderRef, Outcome, RefundRequest, ShippingChange};
use crate::db::idempotency;
use crate::http::checkout::ApiJson;
use crate::http::idempotency::{self as key, Held};
use crate::support::with_history;
use crate::views::SupportOrder;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    #[serde(default)]
    amount: Option<Text>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    #[serde(default)]
    payment_method: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippingBody {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    label: Option<LabelBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelBody {
    #[serde(default)]
    ar: Option<String>,
    #[serde(default)]
    en: Option<String>,
}

/// A value written as a JSON string or number (`"12.50"` or `12.5`, `"2"` or `2`), read as the
/// text it was written as, so no float rounding happens on the way.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Text {
    String(String),
    Number(serde_json::Number),
}

impl Text {
    fn into_string(self) -> String {
        match self {
            Text::String(text) => text,
            Text::Number(number) => number.to_string(),
        }
    }
}

async fn show(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
) -> Result<Json<SupportOrder>, ApiError> {
    let reference = reference(order)?;
    let order = actions::find(&state, &reference).await?;
    Ok(Json(with_history(&state, order).await?))
}

/// A refund, optionally under an `Idempotency-Key`: a retry of the same refund (same order,
/// same body) answers what the first answered instead of refunding again; the same key with
/// another refund is a 409. A refund Points may have made without confirming it
/// (`Unconfirmed`) keeps its key, so a blind retry cannot refund twice: look at the order,
/// then use a new key.
async fn refund(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let reference = reference(order)?;
    let key = key::from_headers(&headers)?;
    let raw = body.clone();
    let body: RefundBody = strict(body)?;
    let amount = body.amount.map(Text::into_string);
    let request = RefundRequest::parse(amount.as_deref(), body.reason)?;
    let Some(key) = key else {
        return Ok(Json(actions::refund(&state, &reference, request).await?).into_response());
    };
    // Its own namespace: a storefront's checkout key can never replay a refund.
    let key = format!("admin-refund:{key}");
    let order_key = match &reference {
        OrderRef::Number(number) => number.as_str().to_owned(),
        OrderRef::Uuid(uuid) => uuid.to_string(),
    };
    let fingerprint = key::hash_request(&serde_json::json!({"order": order_key, "body": raw}));
    if let Held::Replay(stored) = key::hold(&state, &key, &fingerprint).await? {
        return replay(&stored);
    }
    let result = actions::refund(&state, &reference, request).await;
    let stored = match &result {
        Ok(outcome) => Some(stored_answer(
            StatusCode::OK,
            &serde_json::to_value(outcome)
                .map_err(|e| ApiError::Internal(format!("serialising the refund: {e}")))?,
        )),
        Err(ApiError::Unconfirmed(_)) => Some(stored_answer(
            StatusCode::BAD_GATEWAY,
            &serde_json::json!({"error": "Points did not confirm the refund, which may still have \
                taken effect: look at the order before refunding again (with a new key)"}),
        )),
        Err(_) => None,
    };
    match stored {
        Some(answer) => {
            let completed = idempotency::complete(&*state.db, &key, &answer).await;
            key::finished(&key);
            completed?;
        }
        None => {
            if let Err(error) = idempotency::release(&*state.db, &key).await {
                tracing::error!(%error, "could not release an admin refund's idempotency key");
            }
            key::finished(&key);
        }
    }
    Ok(Json(result?).into_response())
}

/// What a refund under a key answered, to answer it again: `{"status": 200, "body": …}`.
fn stored_answer(status: StatusCode, body: &Value) -> String {
    serde_json::json!({"status": status.as_u16(), "body": body}).to_string()
}

fn replay(stored: &str) -> Result<Response, ApiError> {
    let stored: Value = serde_json::from_str(stored)
        .map_err(|e| ApiError::Internal(format!("stored refund answer: {e}")))?;
    let status = stored["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ApiError::Internal("stored refund answer without a status".into()))?;
    Ok((status, Json(stored["body"].clone())).into_response())
}

async fn cancel(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Outcome>, ApiError> {
    let reference = reference(order)?;
    let body: CancelBody = strict(body)?;
    Ok(Json(
        actions::cancel(&state, &reference, body.reason).await?,
    ))
}

async fn authorize(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
) -> Result<Json<Outcome>, ApiError> {
    let reference = reference(order)?;
    Ok(Json(actions::authorize(&state, &reference).await?))
}

async fn capture(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
) -> Result<Json<Outcome>, ApiError> {
    let reference = reference(order)?;
    Ok(Json(actions::capture(&state, &reference).await?))
}

async fn complete(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Outcome>, ApiError> {
    let reference = reference(order)?;
    let body: CompleteBody = strict(body)?;
    let method = body
        .payment_method
        .map(|m| actions::parse_payment_method(&m.into_string()))
        .transpose()?;
    Ok(Json(actions::complete(&state, &reference, method).await?))
}

async fn shipping(
    State(state): State<AppState>,
    order: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Outcome>, ApiError> {
    let reference = reference(order)?;
    let body: ShippingBody = strict(body)?;
    let label = body
        .label
        .map_or_else(Label::default, |l| Label { ar: l.ar, en: l.en });
    let change = ShippingChange::parse(body.status.as_deref(), label)?;
    Ok(Json(
        actions::update_shipping(&state, &reference, change).await?,
    ))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/orders/{order}", get(show))
        .route("/admin/orders/{order}/refund", post(refund))
        .route("/admin/orders/{order}/cancel", post(cancel))
        .route("/admin/orders/{order}/authorize", post(authorize))
        .route("/admin/orders/{order}/capture", post(capture))
        .route("/admin/orders/{order}/complete", post(complete))
        .route("/admin/orders/{order}/shipping", post(shipping))
}

fn reference(path: Result<Path<String>, PathRejection>) -> Result<OrderRef, ApiError> {
    let Path(text) = path.map_err(|e| ApiError::BadRequest(format!("order: {}", e.body_text())))?;
    OrderRef::parse(&text)
}

/// The body as `T`: 400 with serde's reason (an unknown field, a wrong type) otherwise.
fn strict<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(ApiError::BadRequest("body: expected a JSON object".into()));
    }
    serde_json::from_value(body).map_err(|e| ApiError::BadRequest(format!("body: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_refuse_unknown_fields_and_keep_amounts_exact() {
        let refund: RefundBody = strict(json!({"amount": 12.5})).expect("number");
        assert_eq!(
            refund.amount.map(Text::into_string).as_deref(),
            Some("12.5")
        );
        let refund: RefundBody = strict(json!({"amount": "12.50", "reason": "r"})).expect("text");
        assert_eq!(
            refund.amount.map(Text::into_string).as_deref(),
            Some("12.50")
        );
        let full: RefundBody = strict(json!({"amount": null})).expect("null");
        assert!(full.amount.is_none());
        assert!(strict::<RefundBody>(json!({"ammount": "12.50"})).is_err());
        assert!(strict::<RefundBody>(json!([])).is_err());
        assert!(strict::<ShippingBody>(json!({"label": {"fr": "x"}})).is_err());
        assert!(strict::<CancelBody>(json!({"reason": 5})).is_err());
    }
}
