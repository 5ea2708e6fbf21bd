//! The layer in front of `POST /webhooks/points`: the intake switch and the delivery metrics.
//!
//! While the switch is off every delivery is answered `503` with `Retry-After`, before its body
//! is read and before its secret is checked, so nothing is stored and Points retries later
//! (API.md §6.2: 5xx is a temporary failure). Use it to stop intake during an incident (a
//! leaked webhook secret, a database migration) without losing an event: Points' retries, or
//! a replay from its dashboard, deliver them once it is back on. The switch itself is the
//! core's ([`crate::inbox::switch`]).
//!
//! Every answer the intake gives is counted in `pointskit_webhook_deliveries_total`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::telemetry::metrics::{RejectReason, WebhookOutcome};

/// What a disabled intake suggests in `Retry-After`, in seconds. Points keeps its own retry
/// schedule; this is a hint for anyone else (a replay script, a relay).
pub const DISABLED_RETRY_AFTER_SECS: u64 = 60;

/// The middleware: 503 while off; otherwise the handler's answer, counted by outcome. The
/// handler tags a 2xx with its [`WebhookOutcome`] (accepted or duplicate) as a response
/// extension; anything else is classified by status.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.intake.is_enabled() {
        state.metrics.webhook(WebhookOutcome::Disabled, 503);
        tracing::warn!("webhook delivery answered 503: intake is switched off");
        return disabled();
    }
    let response = next.run(request).await;
    let status = response.status();
    let outcome = response
        .extensions()
        .get::<WebhookOutcome>()
        .copied()
        .unwrap_or_else(|| classify(status));
    state.metrics.webhook(outcome, status.as_u16());
    response
}

fn disabled() -> Response {
    let body = json!({ "error": "webhook intake is temporarily disabled, retry later" });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(DISABLED_RETRY_AFTER_SECS),
    );
    response
}

fn classify(status: StatusCode) -> WebhookOutcome {
    match status.as_u16() {
        200..=299 => WebhookOutcome::Accepted,
        401 | 403 => WebhookOutcome::Rejected(RejectReason::Secret),
        400 => WebhookOutcome::Rejected(RejectReason::Malformed),
        413 => WebhookOutcome::Rejected(RejectReason::TooLarge),
        500..=599 => WebhookOutcome::Failed,
        _ => WebhookOutcome::Rejected(RejectReason::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        let check = |status: u16, expect: WebhookOutcome| {
            let status = StatusCode::from_u16(status).expect("status");
            assert_eq!(classify(status), expect, "{status}");
        };
        check(200, WebhookOutcome::Accepted);
        check(401, WebhookOutcome::Rejected(RejectReason::Secret));
        check(400, WebhookOutcome::Rejected(RejectReason::Malformed));
        check(413, WebhookOutcome::Rejected(RejectReason::TooLarge));
        check(415, WebhookOutcome::Rejected(RejectReason::Other));
        check(500, WebhookOutcome::Failed);
        check(503, WebhookOutcome::Failed);
    }
}
