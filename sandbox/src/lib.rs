//! A stateful local emulator of the Points (papp.sa) merchant API, its hosted checkout pages
//! and its webhook delivery. Tests and the demo run against it; the contract it follows is
//! `shared/points/API.md` (section numbers in comments refer to it).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use sandbox::{Sandbox, SandboxConfig};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}", listener.local_addr()?);
//! sandbox::serve(listener, Sandbox::new(SandboxConfig::demo(url))).await
//! # }
//! ```
//!
//! Codemap: [`config`] (how it is set up), `state` and `session` (what it remembers, and the
//! checkout session's life), `order` (the order and its wire shapes), `api` (`/api/v1/…`),
//! `hosted` (`/checkout/…`), `webhooks` (delivery with retries and a log), `control`
//! (`/_sandbox/…`).

mod api;
mod clock;
pub mod config;
mod control;
mod hosted;
mod lang;
mod order;
mod session;
mod state;
mod webhooks;

use std::time::Duration;

use axum::{Json, Router, http::StatusCode};
use protocol::ErrorEnvelope;

pub use config::{MerchantConfig, SandboxConfig, WebhookConfig, generate_secret};

use state::AppState;

/// How often [`serve`] looks for checkout sessions whose 30 minutes are up.
const EXPIRY_SWEEP: Duration = Duration::from_secs(15);

/// A running sandbox's state and routes. Clones share the same state.
#[derive(Debug, Clone)]
pub struct Sandbox {
    state: AppState,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        Sandbox {
            state: AppState::new(config),
        }
    }

    /// Every route: `/api/v1/…`, `/checkout/…` and `/_sandbox/…`.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(api::router())
            .merge(hosted::router())
            .merge(control::router())
            .fallback(not_found)
            .with_state(self.state.clone())
    }

    /// Cancels the orders of sessions that timed out and fires their `cancelled` webhooks.
    /// [`serve`] calls it periodically; pages and the control API also expire lazily.
    pub fn expire_due_sessions(&self) {
        self.state.update(|store| store.expire_due(clock::now()));
    }
}

/// Serves `sandbox` on `listener` until Ctrl-C or SIGTERM, then finishes in-flight requests.
pub async fn serve(listener: tokio::net::TcpListener, sandbox: Sandbox) -> std::io::Result<()> {
    let sweeper = {
        let sandbox = sandbox.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EXPIRY_SWEEP);
            loop {
                tick.tick().await;
                sandbox.expire_due_sessions();
            }
        })
    };
    let result = axum::serve(listener, sandbox.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    sweeper.abort();
    result
}

async fn not_found() -> (StatusCode, Json<ErrorEnvelope>) {
    (StatusCode::NOT_FOUND, Json(ErrorEnvelope::new("Not found")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
