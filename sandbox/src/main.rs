//! `points-sandbox`: a local emulator of the Points merchant API, hosted checkout and webhooks.
//!
//! ```text
//! cargo run -p sandbox --bin points-sandbox [-- --config sandbox.toml]
//! ```
//!
//! Without a config file it serves one demo merchant (public key `pk_sandbox_demo`, private key
//! `sk_sandbox_demo`) on `127.0.0.1:8090`; point a Points client at `http://127.0.0.1:8090/api`.
//! The file (`--config PATH`, or `POINTS_SANDBOX_CONFIG`) sets the port, several merchants with
//! their keys, switches and webhooks, and the delivery timing: `sandbox/sandbox.example.toml`
//! documents every key. Variables override the file:
//!
//! - `POINTS_SANDBOX_ADDR`: where to listen, `host:port` (default `127.0.0.1:8090`)
//! - `POINTS_SANDBOX_PUBLIC_URL`: the origin shoppers reach it at (default `http://{addr}`)
//! - `POINTS_SANDBOX_WEBHOOK_URL`: register a webhook for every merchant
//! - `POINTS_SANDBOX_WEBHOOK_SECRET`: its secret (default: generated; read it back from
//!   `GET /_sandbox/merchants`)
//! - `POINTS_SANDBOX_BACKOFF_SCALE`: multiplies the webhook back-off (default `1.0`)
//! - `POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS`: per delivery attempt (default `10000`)
//! - `RUST_LOG`: log filter (default `info`)

use anyhow::Context;
use sandbox::{Sandbox, Settings};

const USAGE: &str = "usage: points-sandbox [--config PATH]\n\
    Serves the Points sandbox. See sandbox/sandbox.example.toml for the config file.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let settings = match Settings::load(args, |name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(err) => {
            // A configuration mistake is the user's to fix: the message, not a backtrace.
            eprintln!("points-sandbox: {err}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    let config = settings.sandbox_config(bound);
    let public_url = config.public_url.clone();

    println!("Points sandbox listening on {public_url}");
    if let Some(file) = &settings.file {
        println!("  Config:      {}", file.display());
    }
    println!("  API base:    {public_url}/api");
    for merchant in &config.merchants {
        // Private keys stay out of the output unless they are the documented demo key.
        let private = if merchant.private_key == sandbox::DEMO_PRIVATE_KEY {
            "private key sk_sandbox_demo"
        } else {
            "private key as configured"
        };
        println!(
            "  Merchant:    {} (public key {}, {private}, {} webhook(s))",
            merchant.name,
            merchant.public_key,
            merchant.webhooks.len()
        );
    }
    println!("  Control API: {public_url}/_sandbox/state, /_sandbox/orders, /_sandbox/deliveries");
    sandbox::serve(listener, Sandbox::new(config))
        .await
        .context("serving the sandbox")
}
