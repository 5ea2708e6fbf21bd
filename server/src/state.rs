//! The core's shared state: what the HTTP handlers, the `points-server` commands, the workers
//! and the operations all run on. Built once by [`AppState::connect`]; cheap to clone.

use std::sync::Arc;

use anyhow::Context;
use protocol::WebhookSecret;
use protocol::client::{ClientConfig, PointsClient, RetryPolicy};
use tokio::sync::Notify;

use crate::inbox::switch::IntakeSwitch;
use crate::telemetry::Metrics;
use crate::{Config, catalog::Catalog, db::Pool, inbox};

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Pool,
    pub points: PointsClient,
    /// For the return page's lookups: one short attempt, since the page polls again anyway.
    pub lookup: PointsClient,
    pub config: Arc<Config>,
    /// Intake's group commit into the inbox (see [`inbox::Writer`]).
    pub inbox_writer: inbox::Writer,
    /// Wakes the inbox worker after a new delivery is stored.
    pub inbox_notify: Arc<Notify>,
    /// Wakes the earning sender after an earning is enqueued (see [`crate::earning`]).
    pub earning_notify: Arc<Notify>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Whether webhook intake accepts deliveries (see [`crate::inbox::switch`]).
    pub intake: Arc<IntakeSwitch>,
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
            https_only: config.mode == crate::config::Mode::Production,
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
            IntakeSwitch::enabled()
        } else {
            tracing::warn!("webhook intake starts disabled (webhooks_enabled = false)");
            IntakeSwitch::disabled()
        };
        Ok(AppState {
            inbox_writer: inbox::Writer::spawn(db.clone()),
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
