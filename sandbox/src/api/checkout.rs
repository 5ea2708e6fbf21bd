//! `POST /api/v1/orders/checkout/{publicKey}` (API.md §3.2): the public key in the path, no
//! `x-api-key`, a replacing order in `new` and a hosted `checkout_url`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    routing::post,
};
use protocol::{CheckoutSession, Envelope};
use serde_json::Value;

use super::{ApiError, validate};
use crate::{clock, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/orders/checkout/{public_key}", post(create))
}

async fn create(
    State(state): State<AppState>,
    Path(public_key): Path<String>,
    body: Bytes,
) -> Result<Json<Envelope<CheckoutSession>>, ApiError> {
    let merchant = {
        let store = state.store();
        let merchant = store
            .merchant_by_public_key(&public_key)
            .ok_or(ApiError::InvalidApiKey)?;
        if !store.merchants[merchant].verified {
            return Err(ApiError::MerchantNotVerified);
        }
        merchant
    };
    let body = parse_object(&body)?;
    let valid = validate::checkout(&body).map_err(ApiError::Validation)?;
    let order_number = valid.request.order_number.clone();
    let session_id = state
        .update(|store| {
            store.begin_checkout(merchant, valid.request, valid.callback_url, clock::now())
        })
        .map_err(|taken| ApiError::field("order_number", taken.to_string()))?;
    tracing::info!(%order_number, merchant, "checkout session created");
    let checkout_url = format!("{}/checkout/{session_id}", state.public_url());
    Ok(Json(Envelope::ok(CheckoutSession { checkout_url })))
}

/// The body as a JSON object; anything else is a 400 with the reason.
pub fn parse_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.len() > super::BODY_LIMIT {
        return Err(ApiError::PayloadTooLarge);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::MalformedBody(
            "Malformed JSON body: expected a JSON object".to_owned(),
        )),
        Err(err) => Err(ApiError::MalformedBody(format!(
            "Malformed JSON body: {err}"
        ))),
    }
}
