//! The tasks: widget, test, e2e, browser, demo.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::build::build_widget;
use crate::cmd::{Tally, run, run_tests};
use crate::postgres::TestPostgres;
use crate::tools::{Need, Project, Tools, WasmToolchain};

/// Builds the widget into `dist/widget/` (both bundles, the loader, its TypeScript declarations).
pub fn widget(project: &Project) -> Result<PathBuf> {
    let tools = Tools::ensure(project, Need::Widget)?;
    build_widget(project, &tools)
}

/// The whole suite, in the order that fails fastest.
pub fn test(project: &Project, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let started = Instant::now();
    // Instant and needs nothing installed: a broken layering fails before any build.
    crate::layers::layers(&project.root)?;
    let tools = Tools::ensure(
        project,
        if quick {
            Need::Widget
        } else {
            Need::Everything
        },
    )?;
    // Every Postgres test runs: the machine's Postgres, else a private cluster for this run
    // (stopped when `postgres` drops, on success and failure alike), else no test run at all.
    let postgres = TestPostgres::ensure()?;
    eprintln!(
        "xtask: set-up checked in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    run(project.cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(project.cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    if matches!(tools.wasm, WasmToolchain::Rustup) {
        // Debian's rustc-web ships no clippy; the host clippy above still lints the widget.
        run(tools.wasm_cargo(project).args([
            "clippy",
            "--package",
            "widget",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
    }

    // Licenses, bans and sources of every dependency (advisories where the database is).
    let deny = crate::deny::ensure(project)?;
    crate::deny::check(project, &deny)?;

    // Built before the tests: host tests assert the size budget of what ships in dist/.
    let widget_dir = build_widget(project, &tools)?;
    let mut tally = Tally::default();
    // Unit and integration tests on the host: every crate but the browser suites (the widget's
    // pure logic runs here; its DOM tests run in Chromium below).
    let mut host = project.cargo();
    host.args(["test", "--workspace", "--exclude", "e2e"]);
    postgres.export(&mut host);
    eprintln!(
        "xtask: every Postgres test must run, on {}",
        postgres.origin
    );
    tally.add(run_tests(&mut host)?);

    if !quick {
        tally.add(widget_browser_tests(project, &tools)?);
        tally.add(e2e_tests(project, &tools, &widget_dir, &postgres)?);
    }

    eprintln!(
        "xtask: suite finished in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    finish(tally)
}

/// Only the e2e suites, for iterating on them: `cargo xtask e2e [filter…]`.
pub fn e2e(project: &Project, args: &[String]) -> Result<()> {
    let tools = Tools::ensure(project, Need::Everything)?;
    let widget_dir = build_widget(project, &tools)?;
    let mut cargo = project.cargo();
    cargo.args(["test", "--package", "e2e", "--"]).args(args);
    e2e_env(&mut cargo, project, &tools, &widget_dir)?;
    finish(run_tests(&mut cargo)?)
}

/// Only the widget's browser tests: `cargo xtask browser`.
pub fn browser(project: &Project) -> Result<()> {
    let tools = Tools::ensure(project, Need::Everything)?;
    finish(widget_browser_tests(project, &tools)?)
}

fn finish(tally: Tally) -> Result<()> {
    println!(
        "summary: {} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.ignored
    );
    if tally.failed > 0 {
        bail!("{} tests failed", tally.failed);
    }
    Ok(())
}

/// The widget's wasm-bindgen tests in headless Chromium through ChromeDriver.
fn widget_browser_tests(project: &Project, tools: &Tools) -> Result<Tally> {
    let chromedriver = tools
        .chromedriver
        .as_ref()
        .context("chromedriver was not set up")?;
    let mut cargo = tools.wasm_cargo(project);
    cargo
        .current_dir(project.root.join("widget"))
        .args(["test", "--package", "widget"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            &tools.wasm_bindgen_test_runner,
        )
        .env("CHROMEDRIVER", chromedriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    run_tests(&mut cargo)
}

/// The end-to-end suites: sandbox + server + storefront in-process, driven by Playwright.
fn e2e_tests(
    project: &Project,
    tools: &Tools,
    widget_dir: &Path,
    postgres: &TestPostgres,
) -> Result<Tally> {
    let mut cargo = project.cargo();
    cargo.args(["test", "--package", "e2e"]);
    e2e_env(&mut cargo, project, tools, widget_dir)?;
    postgres.export(&mut cargo);
    run_tests(&mut cargo)
}

pub(crate) fn e2e_env(
    cargo: &mut Command,
    project: &Project,
    tools: &Tools,
    widget_dir: &Path,
) -> Result<()> {
    let node = tools.node.as_ref().context("node was not set up")?;
    let cli = tools
        .playwright_cli
        .as_ref()
        .context("playwright-core was not set up")?;
    let chromium = tools.chromium.as_ref().context("chromium was not set up")?;
    // The release too: the layout suite loads the widget as a merchant would, by versioned name
    // and SRI hash.
    let release = crate::dist::release(project, widget_dir)?;
    let axe = tools.axe.as_ref().context("axe-core was not set up")?;
    cargo
        .env("POINTS_KIT_RELEASE_DIR", release)
        .env("PLAYWRIGHT_NODE_EXE", node)
        .env("PLAYWRIGHT_CLI_JS", cli)
        .env("POINTS_KIT_CHROMIUM", chromium)
        .env("POINTS_KIT_AXE", axe)
        .env("POINTS_KIT_WIDGET_DIR", widget_dir)
        .env("POINTS_KIT_WWW_DIR", project.root.join("www"))
        .env("POINTS_KIT_ARTIFACTS", project.root.join("artifacts"));
    Ok(())
}

/// Builds the widget and runs the whole stack on localhost until Ctrl-C.
pub fn demo(project: &Project, args: &[String]) -> Result<()> {
    let widget_dir = widget(project)?;
    let mut cargo = project.cargo();
    cargo
        .args(["run", "--package", "e2e", "--bin", "points-demo", "--"])
        .args(args);
    cargo
        .env("POINTS_KIT_WIDGET_DIR", &widget_dir)
        .env("POINTS_KIT_WWW_DIR", project.root.join("www"));
    run(&mut cargo)
}
