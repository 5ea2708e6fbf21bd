//! `GET /healthz`: the process is up and the database answers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::{ApiError, AppState};

async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    sqlx::query("SELECT 1").execute(&*state.db).await?;
    Ok(Json(json!({ "status": "ok" })))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}
