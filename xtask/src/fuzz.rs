//! `cargo xtask fuzz [SECONDS] [TARGET…]`: every cargo-fuzz target in `fuzz/` for a bounded
//! time each (default 30 s), libFuzzer with AddressSanitizer.
//!
//! cargo-fuzz needs nightly-only compiler flags (`-Zsanitizer`, the sancov passes); the
//! machine's stable toolchain accepts them with `RUSTC_BOOTSTRAP=1`, so no nightly is
//! installed. `cargo-fuzz` itself is installed once into the tools folder. Each target starts
//! from the committed seeds in `fuzz/seeds/<target>/` plus what earlier runs found
//! (`fuzz/corpus/<target>/`, not committed). A crash stops the task, naming the input libFuzzer
//! saved in `fuzz/artifacts/<target>/`: turn it into a regression test in the normal suite.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cmd::{exists, read, run, run_with_timeout};
use crate::tools::Project;

/// The targets in `fuzz/fuzz_targets/`.
pub const TARGETS: [&str; 4] = [
    "webhook_intake",
    "return_params",
    "phone_money",
    "sandbox_requests",
];
const CARGO_FUZZ: &str = "0.13.2";

pub fn fuzz(project: &Project, args: &[String]) -> Result<()> {
    let seconds: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(30);
    let chosen: Vec<&str> = TARGETS
        .into_iter()
        .filter(|t| args.iter().all(|a| a.parse::<u64>().is_ok()) || args.iter().any(|a| a == t))
        .collect();
    let cargo_fuzz = ensure_cargo_fuzz(project)?;
    let fuzz_dir = project.root.join("fuzz");
    let sanitizer = std::env::var("POINTS_KIT_FUZZ_SANITIZER").unwrap_or_else(|_| "address".into());
    let mut summary = Vec::new();
    for target in chosen {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = fuzz_dir.join("seeds").join(target);
        std::fs::create_dir_all(&corpus)?;
        std::fs::create_dir_all(&seeds)?;
        let mut command = std::process::Command::new(&cargo_fuzz);
        command
            .current_dir(&project.root)
            .env("RUSTC_BOOTSTRAP", "1")
            // Its own target dir: the fuzz build's flags would rebuild everything in ours.
            .env("CARGO_TARGET_DIR", project.target_dir.join("fuzz"))
            .args(["fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .args(["--sanitizer", &sanitizer, target])
            .arg(&corpus)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1");
        // The build can take minutes the first time; the run itself is bounded by libFuzzer.
        let ok = run_with_timeout(&mut command, Duration::from_secs(seconds + 1_800))?;
        if !ok {
            bail!(
                "fuzz target {target} failed: see the crash input in {} and turn it into a \
                 regression test",
                fuzz_dir.join("artifacts").join(target).display()
            );
        }
        let found = std::fs::read_dir(&corpus).map_or(0, |d| d.count());
        summary.push(format!(
            "  {target:<18} clean for {seconds} s ({found} corpus inputs)"
        ));
    }
    println!("fuzz:\n{}", summary.join("\n"));
    Ok(())
}

/// `cargo-fuzz` in `<tools>/cargo-fuzz-<version>/bin`, installed once.
fn ensure_cargo_fuzz(project: &Project) -> Result<std::path::PathBuf> {
    let root = project.tools_dir.join(format!("cargo-fuzz-{CARGO_FUZZ}"));
    let bin = root.join("bin").join("cargo-fuzz");
    let installed = exists(&bin)
        && read(std::process::Command::new(&bin).arg("--version"))
            .is_ok_and(|v| v.contains(CARGO_FUZZ));
    if !installed {
        eprintln!("xtask: installing cargo-fuzz {CARGO_FUZZ} (a minute or two, once)");
        let mut cargo = project.cargo();
        cargo
            .args([
                "install",
                "cargo-fuzz",
                "--locked",
                "--version",
                CARGO_FUZZ,
                "--force",
                "--root",
            ])
            .arg(&root)
            .env(
                "CARGO_TARGET_DIR",
                project.tools_dir.join("cargo-install-target"),
            );
        run(&mut cargo).context("installing cargo-fuzz")?;
    }
    Ok(bin)
}
