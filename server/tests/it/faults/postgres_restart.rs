//! Postgres restarted (an immediate stop, as a crash, then a start) in the middle of a
//! duplicate storm: intake answers errors while it is down, Points' retries deliver again,
//! the server reconnects by itself, and nothing acknowledged is lost or applied twice.
//!
//! It needs a Postgres of its own, since restarting the shared one would break every other
//! test: a private cluster in a temporary directory on a free port, made with Debian's
//! `/usr/lib/postgresql/*/bin/initdb` and `pg_ctl` (run as the `postgres` user through
//! `runuser` when the tests run as root, since Postgres refuses to). Without those binaries the
//! test prints why and passes on a developer's machine, and fails in CI and under `cargo xtask
//! test` (which installs Debian's `postgresql` when they are missing).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::{StormReport, approvals, assert_applied_once, checkouts, count, drained, storm};
use crate::helpers::{FreshDatabase, Options, TempDir, eventually, spawn_app_with};

const EVENTS: usize = 500;
const COPIES: usize = 4;

#[tokio::test]
async fn a_postgres_restart_mid_storm_loses_nothing_and_the_server_recovers() {
    let Some(cluster) = PrivateCluster::start().await else {
        return;
    };
    // Arrange: the server on the private cluster, 500 orders waiting for their webhooks.
    let app = spawn_app_with(Options {
        database_url: Some(cluster.url()),
        ..Options::default()
    })
    .await;
    let orders = checkouts(&app.http, &app.address, EVENTS).await;
    let events = approvals(&app.points, &orders).await;

    // Act: a third of the events acknowledged, then Postgres crashes (an immediate stop) and
    // the storm goes on, every event 4 times (those already stored too), each delivery retried
    // until acknowledged, as Points does; Postgres starts again once deliveries have failed.
    // (Restarting "once a third are acknowledged" during one storm raced the storm itself:
    // with group commit it could be over before `pg_ctl` had stopped anything.)
    let report = Arc::new(Mutex::new(StormReport::default()));
    let (first, _) = events.split_at(EVENTS / 3);
    storm(
        &app.http,
        &app.address,
        &app.webhook_secret,
        first,
        1,
        true,
        &report,
    )
    .await;
    assert_eq!(report.lock().expect("report").failed, 0);
    cluster.stop().await;
    let restart = async {
        eventually("deliveries to fail while Postgres is down", || async {
            (report.lock().expect("report").failed > 0).then_some(())
        })
        .await;
        cluster.pg_ctl_start().await;
    };
    tokio::join!(
        storm(
            &app.http,
            &app.address,
            &app.webhook_secret,
            &events,
            COPIES,
            true,
            &report,
        ),
        restart
    );
    drained(&app.db, Duration::from_secs(60)).await;

    // Assert: the restart was felt (some deliveries failed and were retried), yet every event
    // is stored once and changed its order once; and the server takes new checkouts.
    let (sent, failed, acked) = {
        let report = report.lock().expect("report");
        (report.sent, report.failed, report.acked.len())
    };
    println!("{sent} deliveries, {failed} failed during the restart and were retried");
    assert!(failed > 0, "the outage was felt");
    assert_eq!(acked, EVENTS);
    assert_applied_once(&app.db, &orders).await;
    let expected = i64::try_from(EVENTS).expect("small");
    assert_eq!(count(&app.db, "webhook_inbox").await, expected);
    assert_eq!(count(&app.db, "order_transitions").await, expected);
    let after = app
        .post_checkout(&json!({"items":[{"sku":"musk-10","quantity":2}]}))
        .await;
    assert_eq!(after.status(), 200, "checkout works after the restart");
}

/// A Postgres cluster of this test's own, stopped and deleted on drop.
struct PrivateCluster {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    /// `runuser -u postgres --` when running as root.
    as_postgres: bool,
}

impl PrivateCluster {
    /// `None`, after printing why, when no Postgres server binaries are installed; a panic
    /// instead in CI and under `cargo xtask test`.
    async fn start() -> Option<PrivateCluster> {
        let Some(bin) = postgres_bin() else {
            return FreshDatabase::skip_or_fail(
                "the Postgres restart test",
                "there is no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)",
            );
        };
        let dir = TempDir::new();
        let as_postgres = running_as_root();
        if as_postgres {
            let (uid, gid) = postgres_ids().expect("a `postgres` user to run Postgres as");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = PrivateCluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster
            .run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
            .await;
        cluster.pg_ctl_start().await;
        Some(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    async fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
        .await;
    }

    /// An immediate stop (no checkpoint, connections cut: what a crash looks like to the
    /// server), then a start with crash recovery.
    async fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
        .await;
    }

    async fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = tokio::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            tokio::process::Command::new(&program)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .await
            .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
        assert!(
            output.status.success(),
            "{} {args:?}: {}\n{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let status = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            std::process::Command::new(&program).args(args).output()
        };
        if !status.is_ok_and(|o| o.status.success()) {
            eprintln!("could not stop the private Postgres in {data}");
        }
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb` and `pg_ctl`.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as uid 0 (from `/proc`, without `unsafe`).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// The `postgres` user's uid and gid, from `/etc/passwd`.
fn postgres_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string(Path::new("/etc/passwd")).ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres") && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}
