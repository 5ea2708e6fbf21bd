//! points-kit's merchant backend: checkout sessions, webhook intake, order state.
//!
//! The server opens Points checkout sessions with the merchant's public key, calls everything
//! else with the private key, and treats webhooks as the source of truth: a delivery is
//! verified, stored in the inbox and acknowledged, then applied to the order by the worker.
//!
//! Storage is SQLite by default and Postgres when `database_url` is `postgres://…` (see [`db`]);
//! several server instances may share one Postgres database. The return page may pass Points'
//! `uuid` as a hint (`GET /api/orders/{order_number}?uuid=…`), which the server verifies with
//! Points before applying (see [`lookup`]).
//!
//! Use it as a library ([`App::start`], [`App::router`], [`serve`]) or through the
//! `points-server` binary. The contract with Points is `shared/points/API.md`.

// The core: state, errors, views and the use cases. None of it imports an adapter.
pub mod actions;
pub mod apply;
pub mod catalog;
pub mod config;
pub mod db;
pub mod earning;
pub mod error;
pub mod inbox;
pub mod lifecycle;
pub mod lookup;
pub mod order_number;
pub mod reconcile;
pub mod state;
pub mod support;
pub mod telemetry;
pub mod views;

// The two adapters on top: HTTP and the `points-server` subcommands. Side by side, neither
// imports the other, and nothing above imports them (`cargo xtask layers` checks it).
pub mod commands;
pub mod http;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub use catalog::Catalog;
pub use config::Config;
pub use error::ApiError;
pub use state::AppState;

/// Per attempt on a Points call. With [`POINTS_RETRIES`] it stays inside the request timeout.
pub const POINTS_TIMEOUT: Duration = Duration::from_secs(8);
/// Retries of a failed Points call (5xx, timeouts, 429) before the storefront gets a 502.
pub const POINTS_RETRIES: u32 = 2;

/// One attempt of a return-page lookup at Points (`GET /v1/orders/{uuid}`); the page polls, so
/// a slow Points costs one short wait, not a hung page.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// A started server: database open and migrated, inbox worker, earning sender and scheduled
/// reconciliation running.
#[derive(Debug)]
pub struct App {
    state: AppState,
    worker: inbox::worker::WorkerHandle,
    /// Sends the earning outbox to Points, one row at a time.
    earning: earning::SenderHandle,
    /// Runs reconciliation with Points on its schedule.
    reconciler: reconcile::ScheduleHandle,
}

impl App {
    /// Validates the config, connects and migrates the database, and starts the worker, the
    /// earning sender and the scheduled reconciliation.
    pub async fn start(config: Config) -> anyhow::Result<App> {
        let state = AppState::connect(config).await?;
        if !state.config.ops.verify_webhooks {
            tracing::warn!(
                "verify_webhooks = false: deliveries that make an order paid are applied without asking Points"
            );
        }
        let worker = inbox::worker::spawn(
            state.db.clone(),
            state.inbox_notify.clone(),
            state.config.retention,
            inbox::verify::Verifier::from_state(&state),
            state.config.ops.inbox_max_attempts,
        );
        let earning = earning::sender::spawn(&state);
        let reconciler = reconcile::spawn(state.clone());
        Ok(App {
            state,
            worker,
            earning,
            reconciler,
        })
    }

    /// What every handler reaches; the CLI and tests run operations on it directly.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The API, webhook, admin, metrics and OpenAPI routes with their layers.
    pub fn router(&self) -> Router {
        http::router(self.state.clone())
    }

    /// The admin API on its own with the address to serve it on, when `admin_addr` is
    /// configured; `None` when the admin routes are part of [`App::router`].
    pub fn admin_router(&self) -> Option<(std::net::SocketAddr, Router)> {
        self.state
            .config
            .ops
            .admin_addr
            .map(|addr| (addr, http::admin_router(self.state.clone())))
    }

    /// The database pool, for callers that inspect orders directly (demo, tests).
    pub fn pool(&self) -> &db::Pool {
        &self.state.db
    }

    /// Stops reconciliation (after its current batch, resumable), the worker and the earning
    /// sender (each finishes the row in hand), then closes the database.
    pub async fn shutdown(self) {
        self.reconciler.stop().await;
        self.worker.stop().await;
        self.earning.stop().await;
        self.state.db.close().await;
    }
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then drains open requests.
pub async fn serve(listener: TcpListener, router: Router) -> std::io::Result<()> {
    serve_until(listener, router, shutdown_signal()).await
}

/// [`serve`] with a caller-chosen shutdown signal (tests, embedding).
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    http::serve::serve_until(listener, router, shutdown).await
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
