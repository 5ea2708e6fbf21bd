//! The merchant API under `/api/v1` (API.md §3), one module per endpoint group.

mod actions;
mod auth;
mod bodies;
mod checkout;
mod earning;
mod error;
mod integration;
mod orders;
mod rules;
mod validate;
mod webhooks;

use axum::{
    Json, Router,
    http::header,
    middleware,
    response::{IntoResponse, Response},
};
use protocol::ErrorEnvelope;

use crate::state::AppState;

pub use error::ApiError;

/// Every `/api/v1/…` route, behind the fault injector of the control API.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(checkout::router())
        .merge(orders::router())
        .merge(earning::router())
        .merge(actions::router())
        .merge(webhooks::router())
        .merge(integration::router())
        .route_layer(middleware::from_fn_with_state(state, crate::faults::inject))
        .layer(middleware::map_response(envelope_plain_errors))
}

/// Bodies above this answer `413` (in the envelope, like every other API error).
pub const BODY_LIMIT: usize = 256 * 1024;

/// Axum's own rejections (an unparsable query, a body over its 2 MB default) are plain text;
/// Points answers every error in its envelope, so they are rewrapped with the status's reason.
async fn envelope_plain_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || status.is_redirection() || is_json {
        return response;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    (status, Json(ErrorEnvelope::new(reason))).into_response()
}
