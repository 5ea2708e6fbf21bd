//! The processes a bench run starts: the sandbox, `points-server` on a database, the bare
//! handler; each killed when its handle drops.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// A child process killed on drop.
#[derive(Debug)]
pub struct Running {
    child: Child,
    pub url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts `command` with stdout piped, and waits (30 s at most) for the first line that
/// `address` turns into the URL it serves on; keeps draining stdout afterwards.
fn start(mut command: Command, what: &str, address: fn(&str) -> Option<String>) -> Result<Running> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {what}"))?;
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = address(&line)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(url);
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => Ok(Running { child, url }),
        Err(_) => {
            let _ = child.kill();
            bail!("{what} did not say where it listens within 30 s")
        }
    }
}

/// `points-sandbox` with the demo merchant (`pk_sandbox_demo` / `sk_sandbox_demo`).
pub fn sandbox(bin: &Path) -> Result<Running> {
    let port = free_port()?;
    let mut command = Command::new(bin.join("points-sandbox"));
    command
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("POINTS_SANDBOX_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "POINTS_SANDBOX_PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        );
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting points-sandbox")?;
    let running = Running {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    wait_for_http(&format!("127.0.0.1:{port}"))?;
    Ok(running)
}

/// The bench server's admin token (it runs on loopback for the length of one run).
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789abcdefghijkl";

/// `points-server` on `database_url`, Points at `sandbox_url`, the repository's catalogue, the
/// admin API on [`ADMIN_TOKEN`], reconciliation only when asked.
pub fn server(
    bin: &Path,
    root: &Path,
    sandbox_url: &str,
    database_url: &str,
    secret: &str,
) -> Result<Running> {
    server_with(bin, root, sandbox_url, database_url, secret, &[])
}

/// [`server`] with extra environment (`POINTS_VERIFY_WEBHOOKS=false` for the reference storm).
pub fn server_with(
    bin: &Path,
    root: &Path,
    sandbox_url: &str,
    database_url: &str,
    secret: &str,
    env: &[(&str, &str)],
) -> Result<Running> {
    let mut command = Command::new(bin.join("points-server"));
    command
        .env_clear()
        .env("RUST_LOG", "info")
        .env("POINTS_BASE_URL", format!("{sandbox_url}/api"))
        .env("POINTS_PUBLIC_KEY", "pk_sandbox_demo")
        .env("POINTS_PRIVATE_KEY", "sk_sandbox_demo")
        .env("POINTS_WEBHOOK_SECRET", secret)
        .env("POINTS_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("POINTS_RECONCILE_ENABLED", "false")
        .env("POINTS_PUBLIC_URL", "http://127.0.0.1:8080")
        .env("POINTS_CATALOG", root.join("www").join("catalog.json"))
        .env("POINTS_SERVER_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        // The loads check out and poll from one address far above a shopper's rate: the
        // public limits would measure themselves, not the server.
        .env("POINTS_CHECKOUT_PER_IP_PER_MINUTE", "0")
        .env("POINTS_STATUS_PER_IP_PER_MINUTE", "0")
        .env("POINTS_PUBLIC_PER_SECOND", "0")
        .env("POINTS_PUBLIC_IN_FLIGHT", "0")
        .envs(env.iter().copied());
    start(command, "points-server", |line| {
        let log: serde_json::Value = serde_json::from_str(line).ok()?;
        (log["fields"]["message"] == "points-server listening")
            .then(|| {
                log["fields"]["addr"]
                    .as_str()
                    .map(|a| format!("http://{a}"))
            })
            .flatten()
    })
}

/// `bench-bare`: axum answering 200 to everything.
pub fn bare(bin: &Path) -> Result<Running> {
    let mut command = Command::new(bin.join("bench-bare"));
    command.arg("127.0.0.1:0");
    start(command, "bench-bare", |line| {
        line.strip_prefix("listening ")
            .map(|addr| format!("http://{}", addr.trim()))
    })
}

/// Waits until something accepts connections on `addr`.
fn wait_for_http(addr: &str) -> Result<()> {
    for _ in 0..300 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("nothing listens on {addr}")
}

/// Runs `bench-load ARGS` and parses the JSON it prints.
pub fn load(bin: &Path, args: &[&str]) -> Result<serde_json::Value> {
    let mut command = Command::new(bin.join("bench-load"));
    command.args(args);
    let output = crate::cmd::read(&mut command)?;
    let last = output.lines().last().unwrap_or_default();
    serde_json::from_str(last).with_context(|| format!("bench-load printed {last:?}"))
}

/// Where `cargo build --release` puts binaries.
pub fn release_bin(target_dir: &Path) -> PathBuf {
    target_dir.join("release")
}
