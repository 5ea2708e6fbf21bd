//! `POST /webhooks/points`: webhook intake, the source of truth, over HTTP.
//!
//! The handler reads the delivery (its body within [`BODY_READ_TIMEOUT`]), hands it to
//! [`crate::inbox::receive`], which verifies, parses and durably stores it, and answers 200
//! within milliseconds (API.md §6.2 asks for about 2 s); the inbox worker applies it later. A
//! refused delivery that `points preflight` marked as its probe
//! ([`crate::inbox::delivery::probe`]) is counted as `reason="probe"`, not as a wrong secret.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Serialize;

use crate::inbox::{self, UnverifiedWebhook};
use crate::telemetry::metrics::{RejectReason, WebhookOutcome};
use crate::{ApiError, AppState};

/// How long a delivery may take to send its body once its head arrived. Points sends a few
/// KiB at once; a body that trickles in is a client holding the connection (slow-loris).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Serialize)]
struct Received {
    received: bool,
    duplicate: bool,
}

impl<S: Send + Sync> FromRequest<S> for UnverifiedWebhook {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let body = tokio::time::timeout(BODY_READ_TIMEOUT, Bytes::from_request(request, state))
            .await
            .map_err(|_| ApiError::RequestTimeout)??;
        Ok(UnverifiedWebhook::new(headers, body))
    }
}

async fn receive(State(state): State<AppState>, webhook: UnverifiedWebhook) -> Response {
    // Looked at before intake consumes the delivery; it costs a MAC only when the probe
    // header is there, and it changes how a refusal is counted, never whether it is refused.
    let probe = webhook.is_signed_probe(&state.webhook_secrets(), SystemTime::now());
    // The intake layer counts the delivery under the outcome tagged here.
    match inbox::receive(&state, webhook).await {
        Ok(received) => {
            let duplicate = received == inbox::Received::Duplicate;
            let outcome = if duplicate {
                WebhookOutcome::Duplicate
            } else {
                WebhookOutcome::Accepted
            };
            let body = Json(Received {
                received: true,
                duplicate,
            });
            (Extension(outcome), body).into_response()
        }
        Err(ApiError::Unauthorized) if probe => {
            tracing::info!("preflight's wrong-secret probe refused, as it should be");
            let outcome = WebhookOutcome::Rejected(RejectReason::Probe);
            (Extension(outcome), ApiError::Unauthorized).into_response()
        }
        Err(error) => error.into_response(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/points", post(receive))
}
