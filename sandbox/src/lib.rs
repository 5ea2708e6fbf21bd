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
//! checkout session's life), `customers` (wallets and the reserved phones), `order` (the order
//! and its wire shapes), `lifecycle` (the state machine and its webhooks), `api` (`/api/v1/…`:
//! all 18 endpoints), `hosted` (`/checkout/…`: one-click approve, or phone → OTP → redemption →
//! card → success), `webhooks` (delivery with retries and a log), `faults` (injected API and
//! delivery faults), `control` (`/_sandbox/…`), `widgets` (an iframe-style reference widget on the
//! official loader paths, for benchmarks).

mod api;
mod clock;
pub mod config;
mod control;
mod customers;
mod faults;
mod hosted;
mod lang;
mod lifecycle;
mod order;
mod session;
mod state;
mod webhooks;
mod widgets;

use std::time::Duration;

use axum::{Json, Router, http::StatusCode};
use protocol::ErrorEnvelope;

pub use config::{
    ConfigError, DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY, FileConfig, MerchantConfig, SandboxConfig,
    Settings, WebhookConfig, generate_secret,
};

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

    /// Every route: `/api/v1/…`, `/checkout/…`, `/_sandbox/…`, and the reference widget's
    /// `/widget-loader.js` and `/widget/embed`.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(api::router(self.state.clone()))
            .merge(hosted::router())
            .merge(control::router())
            .merge(widgets::router())
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
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
    let app = sandbox.router();
    serve_app(listener, sandbox, app).await
}

/// Like [`serve`], with `app` in place of `sandbox.router()`: the sandbox's routes with the
/// caller's layers or routes added (tests wrap them in a response checker). The expiry sweep
/// and the peer addresses the IP allow-list needs are the same.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    sandbox: Sandbox,
    app: Router,
) -> std::io::Result<()> {
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
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    sweeper.abort();
    result
}

async fn not_found() -> (StatusCode, Json<ErrorEnvelope>) {
    (StatusCode::NOT_FOUND, Json(ErrorEnvelope::new("Not found")))
}

async fn method_not_allowed(method: axum::http::Method) -> (StatusCode, Json<ErrorEnvelope>) {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ErrorEnvelope::new(format!(
            "The {method} method is not supported for this route."
        ))),
    )
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
