//! `points`: launch readiness as commands. `points preflight --help` for the checks.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use points_cli::preflight;
use points_cli::sandbox::{self, listen};
use url::Url;

#[derive(Debug, Parser)]
#[command(
    name = "points",
    version,
    about = "points-kit: launch readiness for Points merchants"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check every go-live checklist item against the configuration, the repository, the
    /// running server and the storefront. Exits 1 on any FAIL.
    Preflight(PreflightArgs),
    /// Run every flow end to end (earning, checkout, webhook, shipping, refund, cancel) and
    /// reconcile each; against an in-process sandbox unless --sandbox is given. Exits 1 on a
    /// failed flow.
    Smoke {
        /// A running sandbox's origin; default: one started in-process.
        #[arg(long, env = "POINTS_SANDBOX_URL")]
        sandbox: Option<Url>,
        #[arg(long, env = "POINTS_PUBLIC_KEY", default_value = sandbox::DEMO_PUBLIC_KEY)]
        public_key: String,
        /// A file holding the private key; else POINTS_PRIVATE_KEY; else the demo merchant's.
        #[arg(long)]
        private_key_file: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Register a webhook on the sandbox and forward every delivery to a local server.
    Listen(ListenArgs),
    /// Create the sandbox order state that fires EVENT (approved, refunded, …).
    Trigger {
        /// One of: approved, completed, authorized, captured, cancelled, refunded,
        /// auto_refunded, shipping_status_updated.
        event: String,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Have the sandbox send a logged delivery again.
    Replay {
        /// The delivery's id in `GET /_sandbox/deliveries`.
        delivery_id: u64,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Look up the sandbox's orders.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
}

#[derive(Debug, Subcommand)]
enum OrdersCommand {
    /// Orders whose uuid, order number or reference number contains QUERY.
    Search {
        query: String,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
}

/// Which sandbox, and the merchant keys to use there (the demo merchant's by default).
#[derive(Debug, clap::Args)]
struct SandboxArgs {
    /// The sandbox's origin.
    #[arg(long, env = "POINTS_SANDBOX_URL", default_value = sandbox::DEFAULT_SANDBOX_URL)]
    sandbox: Url,
    #[arg(long, env = "POINTS_PUBLIC_KEY", default_value = sandbox::DEMO_PUBLIC_KEY)]
    public_key: String,
    /// A file holding the private key; else POINTS_PRIVATE_KEY; else the demo merchant's.
    #[arg(long)]
    private_key_file: Option<PathBuf>,
}

impl SandboxArgs {
    fn sandbox(self) -> anyhow::Result<sandbox::Sandbox> {
        let private_key = match (self.private_key_file, std::env::var("POINTS_PRIVATE_KEY")) {
            (Some(path), _) => std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?
                .trim()
                .to_owned(),
            (None, Ok(key)) if !key.trim().is_empty() => key.trim().to_owned(),
            _ => sandbox::DEMO_PRIVATE_KEY.to_owned(),
        };
        Ok(sandbox::Sandbox {
            url: self.sandbox,
            public_key: self.public_key,
            private_key: protocol::ApiKey::new(private_key),
        })
    }
}

#[derive(Debug, clap::Args)]
struct ListenArgs {
    /// Where to forward each delivery, e.g. http://127.0.0.1:8080/webhooks/points.
    #[arg(long)]
    forward_to: Option<Url>,
    /// Where this command receives the sandbox's deliveries.
    #[arg(long, default_value = listen::DEFAULT_LISTEN_ADDR)]
    listen: std::net::SocketAddr,
    /// Print the webhook's secret (for the local server's POINTS_WEBHOOK_SECRET) and exit.
    #[arg(long)]
    print_secret: bool,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[derive(Debug, clap::Args)]
struct PreflightArgs {
    /// The git work tree the server is deployed from (scanned for committed secrets).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The running server, for the self-tests; default: the configured public URL.
    #[arg(long)]
    server: Option<Url>,
    /// A storefront page that loads the widget (repeat for product and checkout pages).
    #[arg(long = "page")]
    pages: Vec<Url>,
    /// The origin the widget loader must be served from.
    #[arg(long, default_value = preflight::PRODUCTION_WIDGET_ORIGIN)]
    widget_origin: String,
    /// A PEM file of CA certificates to trust besides the system's (repeatable).
    #[arg(long = "ca-file")]
    ca_files: Vec<PathBuf>,
    /// The Prometheus alert rules deployed with the server; default: in --repo.
    #[arg(long)]
    alert_rules: Option<PathBuf>,
    /// The runbook; default: docs/runbook.md in --repo.
    #[arg(long)]
    runbook: Option<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("points: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout();
    match command {
        Command::Preflight(args) => {
            let mut inputs = preflight::Inputs::for_repo(args.repo);
            inputs.server = args.server;
            inputs.pages = args.pages;
            inputs.widget_origin = args.widget_origin;
            inputs.extra_roots = args.ca_files;
            if let Some(path) = args.alert_rules {
                inputs.alert_rules = path;
            }
            if let Some(path) = args.runbook {
                inputs.runbook = path;
            }
            let report = preflight::run(&inputs).await;
            if args.json {
                println!("{:#}", preflight::json(&report));
            } else {
                let colour =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                print!("{}", preflight::human(&report, colour));
            }
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Listen(args) => {
            let sandbox = args.sandbox.sandbox()?;
            if args.print_secret {
                let registration =
                    listen::register(&sandbox, &listen::listen_url(args.listen)).await?;
                // Asked for explicitly, on stdout only: the one place a secret is printed.
                println!("{}", registration.secret.expose());
                return Ok(ExitCode::SUCCESS);
            }
            let forward_to = args.forward_to.ok_or_else(|| {
                anyhow::anyhow!("--forward-to URL is required (or --print-secret)")
            })?;
            let mut listening = listen::start(&sandbox, args.listen, forward_to.clone()).await?;
            println!(
                "Ready. {} webhook {} → forwarding to {forward_to}",
                if listening.registration.created {
                    "Registered"
                } else {
                    "Using"
                },
                listening.registration.uuid
            );
            println!(
                "(`points listen --print-secret` shows the secret your server must expect; Ctrl-C stops)"
            );
            loop {
                tokio::select! {
                    line = listening.forwarded.recv() => match line {
                        Some(line) => println!("{line}"),
                        None => break,
                    },
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
            listening.stop();
            Ok(ExitCode::SUCCESS)
        }
        Command::Smoke {
            sandbox: target,
            public_key,
            private_key_file,
            json,
        } => {
            let (target, _running) = match target {
                Some(url) => (
                    SandboxArgs {
                        sandbox: url,
                        public_key,
                        private_key_file,
                    }
                    .sandbox()?,
                    None,
                ),
                None => {
                    let (sandbox, task) = points_cli::smoke::in_process_sandbox().await?;
                    println!("started the sandbox in-process at {}", sandbox.url);
                    (sandbox, Some(task))
                }
            };
            let report = points_cli::smoke::run(&target, &mut out).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("\n{}", report.table());
            }
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Trigger { event, sandbox } => {
            sandbox::trigger::trigger(&sandbox.sandbox()?, &event, &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay {
            delivery_id,
            sandbox,
        } => {
            sandbox::replay(&sandbox.sandbox()?, delivery_id, &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Orders {
            command: OrdersCommand::Search { query, sandbox },
        } => {
            sandbox::search(&sandbox.sandbox()?, &query, &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
