//! `GET /admin/webhooks`, `POST /admin/webhooks/disable`, `POST /admin/webhooks/enable`: the
//! intake switch of [`crate::http::intake`], for this process.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use crate::AppState;
use crate::inbox::switch::IntakeState;

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
}
