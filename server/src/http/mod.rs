//! The HTTP adapter: each module ends with `pub fn router() -> Router<AppState>`; [`router`]
//! merges them and adds the layers (trace, timeout, body limit). Handlers read the request,
//! call the core and map its [`crate::ApiError`] to a response ([`error`]); what a request
//! does is decided in the core, never here.

pub mod admin;
pub mod checkout;
pub mod error;
pub mod health;
pub mod idempotency;
pub mod intake;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod orders;
pub mod serve;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, TraceLayer};

use crate::AppState;

/// Request bodies larger than this answer 413. Points' webhook payloads are a few KiB.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Covers a checkout with its retries to Points (see [`crate::POINTS_TIMEOUT`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// All routes with their layers.
pub fn router(state: AppState) -> Router {
    let limits = limits::Limits::new(&state);
    let limited = |class: limits::Class| {
        axum::middleware::from_fn_with_state((limits.clone(), class), limits::limit)
    };
    let router = Router::new()
        .merge(checkout::router().route_layer(limited(limits::Class::Checkout)))
        .merge(orders::router().route_layer(limited(limits::Class::Status)))
        .merge(
            webhooks::router().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                intake::gate,
            )),
        )
        .merge(health::router())
        .merge(metrics::router().route_layer(limited(limits::Class::Other)))
        .merge(openapi::router().route_layer(limited(limits::Class::Other)));
    // With `admin_addr` set the admin routes live on their own listener ([`admin_router`]).
    let router = match state.config.ops.admin_addr {
        None => router.merge(admin::router(&state)),
        Some(_) => router,
    };
    with_layers(router, state)
}

/// The admin routes alone, with the same layers, for their own listener (`admin_addr`).
pub fn admin_router(state: AppState) -> Router {
    with_layers(admin::router(&state), state)
}

/// The layers every route has: body limit, request timeout, tracing.
fn with_layers(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        // Method, URI and version only, never headers: `x-webhook-secret` and the admin token
        // travel in headers. The log writer redacts whatever slips through anyway.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().include_headers(false)),
        )
        .with_state(state)
}
