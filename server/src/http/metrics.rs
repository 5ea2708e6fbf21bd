//! `GET /metrics`: the Prometheus text exposition of [`crate::telemetry::metrics`], with the
//! inbox figures sampled from the database on each scrape. Counts only: no order numbers, no
//! personal data. It is unauthenticated like `/healthz`; expose it to the scraper only (see
//! `docs/runbook.md`).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::inbox::store as inbox;
use crate::telemetry::metrics::Sample;
use crate::{ApiError, AppState};

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    // A database that cannot answer fails the scrape: `up == 0` is itself the alert.
    let backlog = inbox::inbox_backlog(&*state.db).await?;
    let outbox = crate::earning::outbox::backlog(&state.db).await?;
    let held = inbox::held_counts(&*state.db).await?;
    let sample = Sample {
        webhooks_enabled: state.intake.is_enabled(),
        inbox_depth: backlog.depth,
        inbox_oldest_age: backlog.oldest_age,
        inbox_held_attention: held.attention,
        inbox_held_dead: held.dead,
    };
    let mut text = state.metrics.render(&sample);
    text.push_str(&crate::earning::render_metrics(&outbox));
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}
