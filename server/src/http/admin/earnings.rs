//! The earning outbox for support and on-call (see [`crate::earning`]):
//!
//! - `POST /admin/earnings` `{"kind": "purchase" | "store_rating" | "product_rating", …}`:
//!   enqueues an earning, `202` with its outbox id; the same earning again is the same row
//! - `GET /admin/earnings?state=pending|recorded|pending_activation|already_recorded|failed`
//! - `GET /admin/earnings/{id}`
//! - `POST /admin/earnings/{id}/retry`: a failed earning pending again, once its cause is fixed
//!
//! Phone numbers are masked in every answer.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::earning::{self, EarningRequest, EarningView, EnqueueError, Enqueued};
use crate::http::checkout::ApiJson;
use crate::{ApiError, AppState};

/// The answer of `POST /admin/earnings`.
#[derive(Debug, Serialize)]
pub struct Accepted {
    pub id: i64,
    /// `new`, `existing` (enqueued before: nothing changed) or `requeued` (replaced a failed
    /// row with the same key).
    pub outcome: Enqueued,
    pub earning: EarningView,
}

#[derive(Debug, Serialize)]
pub struct EarningList {
    pub earnings: Vec<EarningView>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let request = EarningRequest::parse(body).map_err(ApiError::fields)?;
    let queued = earning::submit(&state, &request)
        .await
        .map_err(|e| match e {
            EnqueueError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            EnqueueError::Database(e) => ApiError::Database(e),
        })?;
    let view = earning::get(&state.db, queued.id)
        .await?
        .ok_or_else(|| ApiError::not_found("earning"))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id: queued.id,
            outcome: queued.outcome,
            earning: view,
        }),
    ))
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<EarningList>, ApiError> {
    let Query(ListQuery { state: wanted }) =
        query.map_err(|e| ApiError::field("state", format!("The query string is invalid: {e}")))?;
    let wanted = match wanted.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(earning::State::parse(text).ok_or_else(|| {
            ApiError::field(
                "state",
                "The state must be pending, recorded, pending_activation, already_recorded or failed.",
            )
        })?),
    };
    let earnings = earning::list(&state.db, wanted).await?;
    Ok(Json(EarningList { earnings }))
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EarningView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found("earning"))?;
    earning::get(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("earning"))
}

async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EarningView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found("earning"))?;
    let view = earning::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("earning"))?;
    if !earning::requeue(&state.db, id).await? {
        return Err(ApiError::Conflict(format!(
            "earning {id} is {}, only a failed earning can be retried",
            view.state
        )));
    }
    state.earning_notify.notify_one();
    tracing::warn!(earning_id = id, "admin: failed earning requeued");
    earning::get(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("earning"))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/earnings", post(create).get(list))
        .route("/admin/earnings/{id}", get(show))
        .route("/admin/earnings/{id}/retry", post(retry))
}
