//! `POST /admin/reconcile` (run a reconciliation now) and `GET /admin/reconcile/runs/latest`
//! (the last run's report, also while it runs). See [`crate::reconcile`].
//!
//! The run itself can take minutes (10,000 orders), longer than a request may: the POST takes
//! the lease, creates the run and answers `202` with its id at once; the run goes on in the
//! background and its report, saved after every batch, is what `runs/latest` shows.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::config::parse_duration;
use crate::reconcile::{self, Report, RunError, Scope, Trigger};
use crate::{ApiError, AppState};

/// The optional body of `POST /admin/reconcile`; empty means the scheduled run's scope.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Every order with a Points uuid, settled or not.
    #[serde(default)]
    pub all: bool,
    /// The window of settled orders to check, `"7d"` (default: the configured one).
    pub since: Option<String>,
}

/// The answer of `POST /admin/reconcile`.
#[derive(Debug, Serialize)]
pub struct RunStarted {
    pub run_id: i64,
    /// `true` when this continues a run that had stopped half-way.
    pub resumed: bool,
    pub scope: Scope,
    /// Where the report appears as the run goes.
    pub report: &'static str,
}

async fn run_now(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    let request: RunRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RunRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?
    };
    let scope = scope_of(&state, &request)?;
    let started = match reconcile::begin(&state, scope, Trigger::Admin, None).await {
        Ok(started) => started,
        Err(RunError::Busy) => {
            return Err(ApiError::Conflict(
                "a reconciliation is already running; see GET /admin/reconcile/runs/latest".into(),
            ));
        }
        Err(RunError::NotDue) => return Err(ApiError::Internal("not due".into())),
        Err(RunError::Database(e)) => return Err(ApiError::Database(e)),
    };
    let answer = RunStarted {
        run_id: started.run_id(),
        resumed: started.report().resumed > 0,
        scope: started.report().scope,
        report: "/admin/reconcile/runs/latest",
    };
    tracing::warn!(run = answer.run_id, "admin: reconciliation started");
    state.reconcile.finish_in_background(started);
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

async fn latest_run(State(state): State<AppState>) -> Result<Json<Report>, ApiError> {
    reconcile::latest(&*state.db)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("reconciliation run"))
}

/// The scope a request asks for; a bad `since` is a 422 naming it.
fn scope_of(state: &AppState, request: &RunRequest) -> Result<Scope, ApiError> {
    if request.all {
        if request.since.is_some() {
            return Err(ApiError::field(
                "since",
                "since and all exclude each other: all checks every order",
            ));
        }
        return Ok(Scope::everything());
    }
    match &request.since {
        None => Ok(Scope::from_config(&state.config.reconcile)),
        Some(text) => parse_duration(text)
            .map(Scope::recent)
            .map_err(|e| ApiError::field("since", format!("since {text:?}: {e}"))),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/reconcile", post(run_now))
        .route("/admin/reconcile/runs/latest", get(latest_run))
}
