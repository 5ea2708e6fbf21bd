//! Starting and stopping the three services.

use std::path::PathBuf;

use anyhow::{Context, Result};
use protocol::{ApiKey, WebhookSecret};
use sandbox::{MerchantConfig, Sandbox, SandboxConfig, WebhookConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::gate::WebhookGate;
use crate::storefront;

/// The demo merchant's keys (API.md §12).
pub use sandbox::{DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY};

/// How to start a stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The built widget (`dist/widget`, made by `cargo xtask widget`).
    pub widget_dir: PathBuf,
    /// The storefront's static files (`www/`).
    pub www_dir: PathBuf,
    /// `None`: a fresh SQLite file in a new temporary directory.
    pub database_url: Option<String>,
    /// Storefront + merchant server address; port 0 picks a free one.
    pub storefront_addr: String,
    pub sandbox_addr: String,
    /// Scales the sandbox's webhook retry back-off (1.0 = 10 s, 60 s, 300 s).
    pub webhook_backoff_scale: f64,
    /// Route the sandbox's webhooks through a [`WebhookGate`] the test opens and closes.
    pub gate_webhooks: bool,
    /// The webhook secret both sides share and the admin API's bearer token: generated per
    /// stack, never a constant in git.
    pub webhook_secret: String,
    pub admin_token: String,
}

impl StackOptions {
    /// Port 0 everywhere, fresh database, fast retries; paths from the environment xtask sets
    /// (`POINTS_KIT_WIDGET_DIR`, `POINTS_KIT_WWW_DIR`) or the repository's defaults.
    pub fn for_tests() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let from_env = |name: &str, default: PathBuf| {
            std::env::var_os(name).map(PathBuf::from).unwrap_or(default)
        };
        StackOptions {
            widget_dir: from_env("POINTS_KIT_WIDGET_DIR", root.join("dist/widget")),
            www_dir: from_env("POINTS_KIT_WWW_DIR", root.join("www")),
            database_url: None,
            storefront_addr: "127.0.0.1:0".into(),
            sandbox_addr: "127.0.0.1:0".into(),
            webhook_backoff_scale: 0.01,
            gate_webhooks: false,
            webhook_secret: sandbox::generate_secret(),
            admin_token: format!(
                "{:032x}{:032x}",
                rand::random::<u128>(),
                rand::random::<u128>()
            ),
        }
    }

    /// A log redactor for this stack's secrets (and phone numbers), for whoever installs the
    /// logger before starting it (`points-demo`).
    pub fn redactor(&self) -> server::telemetry::Redactor {
        server::telemetry::Redactor::new([
            DEMO_PRIVATE_KEY,
            self.webhook_secret.as_str(),
            self.admin_token.as_str(),
        ])
    }
}

/// A running stack. Dropping it stops the services.
#[derive(Debug)]
pub struct Stack {
    /// Origin of the storefront and the merchant server (one origin: no CORS).
    pub storefront_url: String,
    /// Origin of the sandbox (API under `/api`, hosted checkout under `/checkout`).
    pub sandbox_url: String,
    /// Present when `gate_webhooks` was asked for.
    pub gate: Option<WebhookGate>,
    /// The bearer token of the merchant server's `/admin/…`, generated per stack.
    pub admin_token: String,
    app: Option<server::App>,
    tasks: Vec<JoinHandle<()>>,
    temp_dir: Option<PathBuf>,
}

impl Stack {
    pub async fn start(options: StackOptions) -> Result<Stack> {
        anyhow::ensure!(
            options.widget_dir.join("widget-loader.js").is_file(),
            "the widget is not built in {} (run `cargo xtask widget`)",
            options.widget_dir.display()
        );
        let storefront_listener = bind(&options.storefront_addr).await?;
        let sandbox_listener = bind(&options.sandbox_addr).await?;
        let storefront_url = origin(&storefront_listener)?;
        let sandbox_url = origin(&sandbox_listener)?;
        let mut tasks = Vec::new();

        let server_webhook_url = format!("{storefront_url}/webhooks/points");
        let gate = if options.gate_webhooks {
            let (gate, task) = WebhookGate::start(server_webhook_url.clone()).await?;
            tasks.push(task);
            Some(gate)
        } else {
            None
        };
        let delivered_to = gate
            .as_ref()
            .map(|g| g.url.clone())
            .unwrap_or(server_webhook_url);

        let secret = options.webhook_secret.clone();
        let sandbox = Sandbox::new(SandboxConfig {
            merchants: vec![MerchantConfig {
                webhooks: vec![WebhookConfig {
                    url: delivered_to,
                    secret: secret.clone(),
                }],
                ..MerchantConfig::new("متجر العود", DEMO_PUBLIC_KEY, DEMO_PRIVATE_KEY)
            }],
            webhook_backoff_scale: options.webhook_backoff_scale,
            // Points' own timings otherwise (10 s delivery timeout, 30 s OTP resend).
            ..SandboxConfig::demo(sandbox_url.clone())
        });
        tasks.push(tokio::spawn(async move {
            if let Err(error) = sandbox::serve(sandbox_listener, sandbox).await {
                tracing::error!(%error, "sandbox stopped");
            }
        }));

        let (database_url, temp_dir) = match &options.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let dir =
                    std::env::temp_dir().join(format!("points-kit-e2e-{}", rand::random::<u64>()));
                std::fs::create_dir_all(&dir)?;
                (
                    format!("sqlite://{}", dir.join("server.db").display()),
                    Some(dir),
                )
            }
        };
        let admin_token = options.admin_token.clone();
        let catalog = std::fs::read_to_string(options.www_dir.join("catalog.json"))
            .context("reading www/catalog.json")?;
        let app = server::App::start(server::Config {
            ops: server::config::OpsConfig {
                admin_token: Some(server::config::AdminToken::new(admin_token.clone())),
                ..server::config::OpsConfig::default()
            },
            ..server::Config::new(
                database_url,
                server::config::PointsAccount {
                    base_url: format!("{sandbox_url}/api"),
                    public_key: DEMO_PUBLIC_KEY.into(),
                    private_key: ApiKey::new(DEMO_PRIVATE_KEY),
                },
                WebhookSecret::new(secret),
                storefront_url.clone(),
                server::Catalog::from_json(&catalog)?,
            )
        })
        .await?;
        let router = storefront::router(app.router(), &options.widget_dir, &options.www_dir);
        tasks.push(tokio::spawn(async move {
            if let Err(error) = server::serve(storefront_listener, router).await {
                tracing::error!(%error, "storefront stopped");
            }
        }));

        Ok(Stack {
            storefront_url,
            sandbox_url,
            gate,
            admin_token,
            app: Some(app),
            tasks,
            temp_dir,
        })
    }

    /// Stops the services and waits for the server's worker to finish.
    pub async fn stop(mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn bind(addr: &str) -> Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}

fn origin(listener: &TcpListener) -> Result<String> {
    Ok(format!("http://{}", listener.local_addr()?))
}
