//! `GET /admin/selftest` and `GET /admin/selftest/inbox/{order_uuid}`: what `points preflight`
//! asks the running server, so its report rests on the deployed process, not on the config
//! file alone.
//!
//! - `/admin/selftest`: how webhook secrets are checked (configured, how many are accepted, the
//!   comparison used), the redaction probe ([`crate::telemetry::probe_redaction`]) run in this
//!   process with its configuration, and the intake switch.
//! - `/admin/selftest/inbox/{order_uuid}`: the inbox rows stored for one order uuid (with its
//!   repeatable events). Preflight
//!   posts one signed test event twice and expects exactly one row here.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::inbox::{self, store::Trace};
use crate::telemetry::{RedactionProbe, probe_redaction};
use crate::{ApiError, AppState};

#[derive(Debug, Serialize)]
pub struct SelfTest {
    pub webhook_secret: SecretCheck,
    pub redaction: RedactionProbe,
    pub webhooks_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct SecretCheck {
    pub configured: bool,
    /// 1, or 2 during a rotation.
    pub accepted_secrets: usize,
    /// How `X-Webhook-Secret` is compared: `constant-time` (`subtle::ConstantTimeEq`).
    pub comparison: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InboxRows {
    pub order_uuid: String,
    pub rows: Vec<Trace>,
}

async fn selftest(State(state): State<AppState>) -> Json<SelfTest> {
    let secrets = state.webhook_secrets();
    Json(SelfTest {
        webhook_secret: SecretCheck {
            configured: secrets.iter().all(|s| !s.expose().trim().is_empty()),
            accepted_secrets: secrets.len(),
            comparison: protocol::WebhookSecret::COMPARISON,
        },
        redaction: probe_redaction(&state.config),
        webhooks_enabled: state.intake.state().webhooks_enabled,
    })
}

async fn inbox(
    State(state): State<AppState>,
    Path(order_uuid): Path<String>,
) -> Result<Json<InboxRows>, ApiError> {
    if order_uuid.is_empty() || order_uuid.len() > 100 {
        return Err(ApiError::BadRequest(
            "order_uuid must be 1 to 100 characters".into(),
        ));
    }
    let rows = inbox::store::traces_for(&*state.db, &order_uuid).await?;
    Ok(Json(InboxRows { order_uuid, rows }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/selftest", get(selftest))
        .route("/admin/selftest/inbox/{order_uuid}", get(inbox))
}
