//! `cargo deny` with the checked-in `deny.toml`: licenses, bans and sources on every run of
//! `cargo xtask test` (and `cargo xtask deny`); advisories too where the RustSec database is on
//! disk. cargo-deny itself is installed once into the tools directory, at a pinned version.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::cmd::{read, run};
use crate::tools::Project;

/// The cargo-deny release the policy is written for.
pub const VERSION: &str = "0.19.8";

/// Installs cargo-deny [`VERSION`] into the tools directory if it is not there yet.
pub fn ensure(project: &Project) -> Result<PathBuf> {
    let root = project.tools_dir.join(format!("cargo-deny-{VERSION}"));
    let binary = root.join("bin").join("cargo-deny");
    let installed = binary.is_file()
        && read(Command::new(&binary).arg("--version"))
            .map(|v| v.trim().ends_with(VERSION))
            .unwrap_or(false);
    if !installed {
        eprintln!("xtask: installing cargo-deny {VERSION} (several minutes, once)");
        let mut cargo = project.cargo();
        cargo
            .args([
                "install",
                "cargo-deny",
                "--locked",
                "--version",
                VERSION,
                "--force",
            ])
            .arg("--root")
            .arg(&root)
            // Outside the project's target dir, so it never evicts project artifacts.
            .env(
                "CARGO_TARGET_DIR",
                project.tools_dir.join("cargo-install-target"),
            );
        run(&mut cargo)?;
    }
    Ok(binary)
}

/// Where cargo-deny looks for the advisory database (`db-path` in deny.toml).
fn advisory_db() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let db = home.join("advisory-db");
    db.is_dir().then_some(db)
}

/// Runs the checks; fails on any denied license, ban or source.
pub fn check(project: &Project, binary: &Path) -> Result<()> {
    let mut checks = vec!["licenses", "bans", "sources"];
    match advisory_db() {
        Some(_) => checks.push("advisories"),
        None => eprintln!(
            "xtask: cargo deny: advisories not checked: no RustSec database on this machine \
             (it is fetched from GitHub, which this machine cannot reach; `cargo deny fetch` \
             where it can)"
        ),
    }
    // As `cargo deny`, with the installed binary first on PATH: cargo runs it as a plugin.
    let bin_dir = binary.parent().unwrap_or(Path::new("."));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let mut deny = project.cargo();
    deny.current_dir(&project.root)
        .env("PATH", std::env::join_paths(paths)?)
        .args(["deny", "--log-level", "warn", "check", "--disable-fetch"])
        .args(&checks);
    run(&mut deny)
}

/// `cargo xtask deny`.
pub fn deny(project: &Project) -> Result<()> {
    let binary = ensure(project)?;
    check(project, &binary)
}
