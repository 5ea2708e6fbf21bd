//! `points-server`: the points-kit merchant backend as a standalone process.
//!
//! With no command (or `serve`) it serves `POST /api/checkout`, `GET /api/orders/{order_number}`,
//! `POST /webhooks/points`, `GET /healthz`, `GET /metrics`, `GET /openapi.json` and, with
//! `POINTS_ADMIN_TOKEN` set, `/admin/…`; it applies stored webhooks in a background worker.
//! Other commands (`points-server --help`) run one operation and exit; see [`server::commands`].
//! Configuration comes from defaults, an optional TOML file (`POINTS_CONFIG`, see
//! `server/config.default.toml`) and the environment (see `server::Config::from_env`); logs
//! are JSON (stdout when serving, stderr for other commands; `RUST_LOG` filters them), with
//! every secret and phone number masked:
//!
//! ```sh
//! POINTS_BASE_URL=http://127.0.0.1:4000/api POINTS_PUBLIC_KEY=pk_sandbox_demo \
//! POINTS_PRIVATE_KEY_FILE=./private.key POINTS_WEBHOOK_SECRET_FILE=./webhook.secret \
//! POINTS_PUBLIC_URL=http://127.0.0.1:8080 POINTS_CATALOG=./catalog.json \
//! POINTS_SERVER_ADDR=127.0.0.1:8080 cargo run -p server --bin points-server
//! ```
//!
//! It stops gracefully on Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use server::commands::{Cli, Command};
use server::telemetry;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> std::process::ExitCode {
    // Until the configuration is loaded, what the raw settings name is what must not leak: a
    // start-up error or a panic is written through a redactor built from them.
    let env = |name: &str| std::env::var(name).ok();
    let settings = telemetry::Redactor::from_settings(|name| match server::config::layered(env) {
        Ok(lookup) => lookup(name),
        Err(_) => env(name),
    });
    telemetry::panic::install(settings.clone());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: starting the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&settings)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The whole chain, as `main` returning the error would write it, but redacted.
            eprintln!("Error: {}", settings.redact(&format!("{error:?}")));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(settings: &telemetry::Redactor) -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve));
    // Configuration first: the log redactor needs to know every secret it must mask. Loading
    // logs nothing; its errors go to stderr through `main`, redacted, and name no values.
    let config = server::Config::from_env().context("loading configuration")?;
    let redactor = telemetry::Redactor::for_config(&config);
    // From here on a panic is redacted with the secrets as configured (defaults and files
    // resolved), and any the raw settings named besides.
    telemetry::panic::install(redactor.clone().with(settings));
    let filter = telemetry::filter_from_env();
    // `try_init` also routes the `log` crate's records (reqwest's) through the same pipeline.
    // A one-shot command keeps stdout for its own output.
    if serving {
        telemetry::subscriber(filter, redactor, std::io::stdout).try_init()
    } else {
        telemetry::subscriber(filter, redactor, std::io::stderr).try_init()
    }
    .context("installing the logger")?;

    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::Orders(command)) => {
            let state = server::AppState::connect(config).await?;
            let done = server::commands::orders::run(&state, command, &mut std::io::stdout()).await;
            state.db.close().await;
            // The reason is the error's text; a Points failure's cause is in the log line.
            done.map_err(|e| anyhow::anyhow!("{e}"))
        }
        Some(Command::Earn(args)) => {
            let state = server::AppState::connect(config).await?;
            server::commands::earn::run(&state, *args, &mut std::io::stdout()).await
        }
        Some(Command::Reconcile(args)) => reconcile(config, &args).await,
        Some(Command::Audit(args)) => {
            let state = server::AppState::connect(config).await?;
            let done = server::commands::audit::run(&state, args, &mut std::io::stdout()).await;
            state.db.close().await;
            done
        }
        Some(Command::Inbox(command)) => {
            let state = server::AppState::connect(config).await?;
            let done = server::commands::inbox::run(&state, command, &mut std::io::stdout()).await;
            state.db.close().await;
            done
        }
    }
}

async fn serve(config: server::Config) -> anyhow::Result<()> {
    let addr = server::config::listen_addr_from_env()?;
    let app = server::App::start(config)
        .await
        .context("starting the server")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    // The bound address, not the requested one: with port 0 this is how callers learn the port.
    let addr = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%addr, "points-server listening");

    // The admin API on its own address, when configured: both listeners stop on the signal.
    let admin = match app.admin_router() {
        Some((admin_addr, router)) => {
            let listener = tokio::net::TcpListener::bind(admin_addr)
                .await
                .with_context(|| format!("binding the admin address {admin_addr}"))?;
            let admin_addr = listener.local_addr().context("reading the admin address")?;
            tracing::info!(%admin_addr, "points-server admin listening");
            Some(tokio::spawn(server::serve(listener, router)))
        }
        None => None,
    };
    let served = server::serve(listener, app.router()).await;
    if let Some(admin) = admin {
        match admin.await {
            Ok(Err(error)) => tracing::error!(%error, "the admin listener failed"),
            Err(error) => tracing::error!(%error, "the admin listener panicked"),
            Ok(Ok(())) => {}
        }
    }
    app.shutdown().await;
    served.context("serving HTTP")
}

/// `points-server reconcile`: one run, stopped after its current batch by Ctrl-C or SIGTERM.
async fn reconcile(
    config: server::Config,
    args: &server::commands::reconcile::ReconcileArgs,
) -> anyhow::Result<()> {
    let state = server::AppState::connect(config).await?;
    let control = state.reconcile.clone();
    let stop = tokio::spawn(async move {
        server::shutdown_signal().await;
        control.stop().await;
    });
    let result =
        server::commands::reconcile::run(&state, args, &mut std::io::stdout().lock()).await;
    stop.abort();
    state.db.close().await;
    result.map(drop)
}
