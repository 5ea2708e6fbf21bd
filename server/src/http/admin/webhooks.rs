//! `GET /admin/webhooks`, `POST /admin/webhooks/disable`, `POST /admin/webhooks/enable`: the
//! intake switch of [`crate::http::intake`], for this process. `GET /admin/webhooks/unverified`:
//! the deliveries Points contradicted (see [`crate::inbox::verify`]), newest first.
//! `GET /admin/webhooks/held[?state=attention|dead]` and `POST /admin/webhooks/held/retry`
//! (`{"ids": [..]}` or `{"state": "dead"}`): rows the worker holds unapplied (see
//! [`crate::inbox::Hold`]), and releasing them, as `points-server inbox` does.

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::inbox::store::{self as inbox, Held, Hold, Release, Unverified};
use crate::inbox::switch::IntakeState;
use crate::{ApiError, AppState};

/// Rows `/admin/webhooks/unverified` answers at most.
pub const UNVERIFIED_MAX: i64 = 500;

/// The answer of all three routes.
#[derive(Debug, Serialize)]
pub struct SwitchView {
    #[serde(flatten)]
    pub state: IntakeState,
    /// Whether this request flipped the switch (`false`: it already was so).
    pub changed: bool,
    /// The switch is held in memory by each server process: behind a load balancer, flip it
    /// on every instance (see `docs/runbook.md`).
    pub scope: &'static str,
}

async fn status(State(state): State<AppState>) -> Json<SwitchView> {
    Json(view(&state, false))
}

async fn disable(State(state): State<AppState>) -> Json<SwitchView> {
    let changed = state.intake.disable();
    tracing::warn!(
        changed,
        "admin: webhook intake disabled, deliveries now answer 503"
    );
    Json(view(&state, changed))
}

async fn enable(State(state): State<AppState>) -> Json<SwitchView> {
    let changed = state.intake.enable();
    tracing::warn!(changed, "admin: webhook intake enabled");
    Json(view(&state, changed))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<i64>,
}

/// The answer of `GET /admin/webhooks/unverified`.
#[derive(Debug, Serialize)]
pub struct UnverifiedView {
    pub deliveries: Vec<Unverified>,
}

async fn unverified(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UnverifiedView>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=UNVERIFIED_MAX).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {UNVERIFIED_MAX}"
        )));
    }
    let deliveries = inbox::unverified(&*state.db, limit).await?;
    Ok(Json(UnverifiedView { deliveries }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeldQuery {
    state: Option<Hold>,
    limit: Option<i64>,
}

/// The answer of `GET /admin/webhooks/held`.
#[derive(Debug, Serialize)]
pub struct HeldView {
    pub deliveries: Vec<Held>,
}

async fn held(
    State(state): State<AppState>,
    query: Result<Query<HeldQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<HeldView>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=UNVERIFIED_MAX).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {UNVERIFIED_MAX}"
        )));
    }
    let deliveries = inbox::held(&*state.db, query.state, limit).await?;
    Ok(Json(HeldView { deliveries }))
}

/// `POST /admin/webhooks/held/retry`: exactly one of `ids` and `state`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    ids: Option<Vec<i64>>,
    state: Option<Hold>,
}

/// The answer of `POST /admin/webhooks/held/retry`.
#[derive(Debug, Serialize)]
pub struct RetryView {
    /// Rows released for the worker to try again now.
    pub released: u64,
}

async fn retry_held(
    State(state): State<AppState>,
    body: Result<Json<RetryBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RetryView>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let which = match (body.ids, body.state) {
        (Some(ids), None) if !ids.is_empty() => Release::Ids(ids),
        (None, Some(hold)) => Release::All(hold),
        _ => {
            return Err(ApiError::BadRequest(
                "give either \"ids\" (a non-empty list) or \"state\" (attention or dead)".into(),
            ));
        }
    };
    let released = crate::inbox::retry_held(&state, &which).await?;
    tracing::warn!(released, ?which, "admin: held inbox rows released");
    Ok(Json(RetryView { released }))
}

fn view(state: &AppState, changed: bool) -> SwitchView {
    SwitchView {
        state: state.intake.state(),
        changed,
        scope: "instance",
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(status))
        .route("/admin/webhooks/disable", post(disable))
        .route("/admin/webhooks/enable", post(enable))
        .route("/admin/webhooks/unverified", get(unverified))
        .route("/admin/webhooks/held", get(held))
        .route("/admin/webhooks/held/retry", post(retry_held))
}
