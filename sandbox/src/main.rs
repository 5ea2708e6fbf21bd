//! `points-sandbox`: a local emulator of the Points merchant API, hosted checkout and webhooks.
//!
//! Run it with `cargo run -p sandbox --bin points-sandbox`. It serves one demo merchant with
//! public key `pk_sandbox_demo` and private key `sk_sandbox_demo`; point a Points client at
//! `http://127.0.0.1:8090/api`.
//!
//! Environment:
//! - `POINTS_SANDBOX_ADDR`: where to listen (default `127.0.0.1:8090`)
//! - `POINTS_SANDBOX_PUBLIC_URL`: the origin shoppers reach it at (default `http://{addr}`)
//! - `POINTS_SANDBOX_WEBHOOK_URL`: register a webhook for the demo merchant
//! - `POINTS_SANDBOX_WEBHOOK_SECRET`: its secret (default: generated; read it back from
//!   `GET /_sandbox/merchants`)
//! - `POINTS_SANDBOX_BACKOFF_SCALE`: multiplies the webhook back-off (default `1.0`)
//! - `RUST_LOG`: log filter (default `info`)

use anyhow::Context;
use sandbox::{Sandbox, SandboxConfig, WebhookConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let addr = env("POINTS_SANDBOX_ADDR").unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    let public_url = env("POINTS_SANDBOX_PUBLIC_URL").unwrap_or_else(|| format!("http://{bound}"));

    let mut config = SandboxConfig::demo(public_url.clone());
    if let Some(scale) = env("POINTS_SANDBOX_BACKOFF_SCALE") {
        config.webhook_backoff_scale = scale
            .parse()
            .with_context(|| format!("POINTS_SANDBOX_BACKOFF_SCALE={scale:?} is not a number"))?;
    }
    if let Some(url) = env("POINTS_SANDBOX_WEBHOOK_URL") {
        let mut webhook = WebhookConfig::new(url);
        if let Some(secret) = env("POINTS_SANDBOX_WEBHOOK_SECRET") {
            webhook.secret = secret;
        }
        for merchant in &mut config.merchants {
            merchant.webhooks.push(webhook.clone());
        }
    }

    println!("Points sandbox listening on {public_url}");
    println!(
        "  API base:    {public_url}/api  (public key pk_sandbox_demo, private key sk_sandbox_demo)"
    );
    println!(
        "  Control API: {public_url}/_sandbox/orders, /_sandbox/deliveries, /_sandbox/merchants"
    );
    sandbox::serve(listener, Sandbox::new(config))
        .await
        .context("serving the sandbox")
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
