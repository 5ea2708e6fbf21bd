//! `POST /webhooks/points`: webhook intake, the source of truth, over HTTP.
//!
//! The handler reads the delivery (its body within [`BODY_READ_TIMEOUT`]), hands it to
//! [`crate::inbox::receive`], which verifies, parses and durably stores it, and answers 200
//! within milliseconds (API.md §6.2 asks for about 2 s); the inbox worker applies it later.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Serialize;

use crate::inbox::{self, UnverifiedWebhook};
use crate::telemetry::metrics::WebhookOutcome;
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

async fn receive(
    State(state): State<AppState>,
    webhook: UnverifiedWebhook,
) -> Result<(Extension<WebhookOutcome>, Json<Received>), ApiError> {
    let duplicate = inbox::receive(&state, webhook).await? == inbox::Received::Duplicate;
    // The intake layer counts the delivery under this outcome.
    let outcome = if duplicate {
        WebhookOutcome::Duplicate
    } else {
        WebhookOutcome::Accepted
    };
    Ok((
        Extension(outcome),
        Json(Received {
            received: true,
            duplicate,
        }),
    ))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/points", post(receive))
}
