//! `POST /v1/integration/status` (API.md §3.13): flips the key's `integration_active`;
//! 30 calls per minute per key, then `429`.

use std::time::{Duration, Instant};

use axum::{Json, Router, body::Bytes, extract::State, routing::post};
use serde_json::{Value, json};

use super::{ApiError, auth::Authenticated, bodies, checkout::parse_object};
use crate::state::AppState;

pub const LIMIT: usize = 30;
const WINDOW: Duration = Duration::from_secs(60);

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/integration/status", post(update))
}

async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    // Like Laravel's throttle middleware, every call counts, valid or not.
    {
        let mut store = state.store();
        let calls = &mut store.merchants[auth.merchant].integration_calls;
        let now = Instant::now();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            calls.pop_front();
        }
        if calls.len() >= LIMIT {
            return Err(ApiError::TooManyAttempts);
        }
        calls.push_back(now);
    }
    let active = bodies::integration(&parse_object(&body)?).map_err(ApiError::Validation)?;
    state.store().merchants[auth.merchant].integration_active = active;
    Ok(Json(json!({
        "status": true,
        "message": "Integration status updated",
        "appended_data": [],
        "data": { "active": active },
    })))
}
