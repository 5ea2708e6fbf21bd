//! A private Postgres cluster for one test run: Debian's `/usr/lib/postgresql/<v>/bin/initdb`
//! and `pg_ctl`, a data directory under the system's temporary directory, a free port on
//! 127.0.0.1, trust authentication, durability off (it is thrown away). Postgres refuses to
//! run as root, so as root every command runs as the `postgres` user through `runuser`, and
//! the directory is theirs.
//!
//! The directory is named after this process (`points-kit-postgres-<pid>`): a run stopped by
//! Ctrl-C leaves its cluster running, and the next run stops and deletes every cluster whose
//! process is gone before it starts its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cmd::read;

const PREFIX: &str = "points-kit-postgres-";

/// A running cluster, stopped and deleted on drop.
#[derive(Debug)]
pub struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<v>/bin` with `initdb` and `pg_ctl`, installing Debian's
/// `postgresql` when there is none.
pub fn ensure_server_binaries() -> Result<PathBuf> {
    if let Some(bin) = server_binaries() {
        return Ok(bin);
    }
    crate::tools::apt_install_missing(&["postgresql"])
        .context("Postgres' server binaries (initdb, pg_ctl) are missing")?;
    server_binaries().context("no /usr/lib/postgresql/*/bin/initdb after installing postgresql")
}

impl PrivateCluster {
    pub fn start(bin: &Path) -> Result<PrivateCluster> {
        let as_postgres = crate::tools::is_root();
        sweep_abandoned(bin, as_postgres);
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            // Left by an earlier process that had our pid.
            stop_and_delete(bin, &dir, as_postgres);
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let cluster = PrivateCluster {
            bin: bin.to_owned(),
            dir,
            port,
            as_postgres,
        };
        if as_postgres {
            let user = read(Command::new("id").args(["-u", "postgres"]))
                .context("a `postgres` user to run Postgres as (Debian's postgresql makes one)")?;
            let group = read(Command::new("id").args(["-g", "postgres"]))?;
            std::os::unix::fs::chown(&cluster.dir, Some(user.parse()?), Some(group.parse()?))
                .with_context(|| format!("giving {} to postgres", cluster.dir.display()))?;
        }
        let data = cluster.data();
        cluster.pg(
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
        )?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.port,
            cluster.dir.display()
        );
        let log = cluster.dir.join("postgres.log").display().to_string();
        cluster
            .pg(
                "pg_ctl",
                &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
            )
            .with_context(|| format!("starting Postgres (its log: {log})"))?;
        Ok(cluster)
    }

    /// The admin URL: the `postgres` role on the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// Runs one of Postgres' programs from the cluster's directory, as `postgres` if root.
    fn pg(&self, program: &str, args: &[&str]) -> Result<()> {
        pg_command(&self.bin, program, args, &self.dir, self.as_postgres)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.data();
        if let Err(error) = self.pg("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]) {
            eprintln!("xtask: could not stop the private Postgres in {data}: {error:#}");
            return;
        }
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("xtask: could not delete {}: {error}", self.dir.display());
        }
    }
}

fn pg_command(
    bin: &Path,
    program: &str,
    args: &[&str],
    dir: &Path,
    as_postgres: bool,
) -> Result<()> {
    let program = bin.join(program);
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(&program);
        command
    } else {
        Command::new(&program)
    };
    let output = command
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{} {} failed: {}{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Stops and deletes the clusters of runs whose process is gone (Ctrl-C, a kill).
fn sweep_abandoned(bin: &Path, as_postgres: bool) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_err() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        let dir = entry.path();
        eprintln!(
            "xtask: deleting an abandoned private Postgres in {}",
            dir.display()
        );
        stop_and_delete(bin, &dir, as_postgres);
    }
}

/// An immediate stop if it still runs, then the directory goes.
fn stop_and_delete(bin: &Path, dir: &Path, as_postgres: bool) {
    let data = dir.join("data");
    if data.join("postmaster.pid").exists() {
        let data = data.display().to_string();
        let stop = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = pg_command(bin, "pg_ctl", &stop, dir, as_postgres);
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn server_binaries() -> Option<PathBuf> {
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
