//! The HTTP surface: each module ends with `pub fn router() -> Router<AppState>`; [`router`]
//! merges them and adds the layers (trace, timeout, body limit).

pub mod admin;
pub mod checkout;
pub mod error;
pub mod health;
pub mod idempotency;
pub mod intake;
pub mod metrics;
pub mod openapi;
pub mod orders;
pub mod serve;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use protocol::WebhookSecret;
use protocol::client::{ClientConfig, PointsClient, RetryPolicy};
use tokio::sync::Notify;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, TraceLayer};

pub use error::ApiError;

use crate::telemetry::Metrics;
use crate::{Config, catalog::Catalog, db::Pool};

/// Request bodies larger than this answer 413. Points' webhook payloads are a few KiB.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Covers a checkout with its retries to Points (see [`crate::POINTS_TIMEOUT`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Pool,
    pub points: PointsClient,
    /// For the return page's lookups: one short attempt, since the page polls again anyway.
    pub lookup: PointsClient,
    pub config: Arc<Config>,
    /// Intake's group commit into the inbox (see [`crate::db::inbox::Writer`]).
    pub inbox_writer: crate::db::inbox::Writer,
    /// Wakes the inbox worker after a new delivery is stored.
    pub inbox_notify: Arc<Notify>,
    /// Wakes the earning sender after an earning is enqueued (see [`crate::earning`]).
    pub earning_notify: Arc<Notify>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Whether webhook intake accepts deliveries (see [`intake`]).
    pub intake: Arc<intake::IntakeSwitch>,
    /// Stops this process's reconciliation runs at shutdown (see [`crate::reconcile`]).
    pub reconcile: Arc<crate::reconcile::Control>,
}

impl AppState {
    /// Validates the config, connects and migrates the database and builds the Points clients:
    /// everything [`crate::App::start`] does except starting background work. CLI commands run
    /// on this, so an operation from the command line takes the same path as one from
    /// `/admin/…`.
    pub async fn connect(config: Config) -> anyhow::Result<AppState> {
        config.validate().context("invalid configuration")?;
        let points = PointsClient::new(ClientConfig {
            base_url: config.points_base_url.clone(),
            public_key: config.public_key.clone(),
            private_key: config.private_key.clone(),
            timeout: crate::POINTS_TIMEOUT,
            retry: RetryPolicy {
                max_retries: crate::POINTS_RETRIES,
                ..RetryPolicy::default()
            },
        })
        .context("building the Points client")?;
        // Shares the connections and the per-merchant earning lock with `points`.
        let lookup = points
            .with_timeout(crate::LOOKUP_TIMEOUT)
            .with_retry(RetryPolicy::none());
        let db = crate::db::connect(&config.database_url).await?;
        let intake = if config.ops.webhooks_enabled {
            intake::IntakeSwitch::enabled()
        } else {
            tracing::warn!("webhook intake starts disabled (webhooks_enabled = false)");
            intake::IntakeSwitch::disabled()
        };
        Ok(AppState {
            inbox_writer: crate::db::inbox::Writer::spawn(db.clone()),
            db,
            points,
            lookup,
            config: Arc::new(config),
            inbox_notify: Arc::new(Notify::new()),
            earning_notify: Arc::new(Notify::new()),
            metrics: Arc::new(Metrics::default()),
            intake: Arc::new(intake),
            reconcile: Arc::default(),
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.config.catalog
    }

    /// Every secret a webhook delivery may carry right now (two during a rotation).
    pub fn webhook_secrets(&self) -> Vec<&WebhookSecret> {
        self.config.webhook_secrets()
    }
}

/// All routes with their layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(checkout::router())
        .merge(orders::router())
        .merge(
            webhooks::router().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                intake::gate,
            )),
        )
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .merge(admin::router(&state))
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
