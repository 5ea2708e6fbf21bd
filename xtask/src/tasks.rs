//! The tasks: widget, test, demo.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cmd::{Tally, read, run, run_tests};
use crate::tools::{Need, Project, Tools, WasmToolchain};

/// wasm features rustc 1.95+ emits by default for wasm32-unknown-unknown; wasm-opt must be told
/// about each or it rejects the module.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds the widget into `dist/widget/`: compile (size profile), bind, optimise, add the loader.
pub fn widget(project: &Project) -> Result<PathBuf> {
    let tools = Tools::ensure(project, Need::Widget)?;
    build_widget(project, &tools)
}

fn build_widget(project: &Project, tools: &Tools) -> Result<PathBuf> {
    let mut cargo = tools.wasm_cargo(project);
    cargo.args(["build", "--package", "widget", "--profile", "widget"]);
    if matches!(tools.wasm, WasmToolchain::Debian) {
        // Only Debian's nightly-capable path can drop the panic machinery entirely.
        cargo.env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort");
    }
    run(&mut cargo)?;
    let wasm = tools
        .wasm_artifacts(project, "widget")
        .join("points_widget.wasm");

    let out = project.dist_widget();
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    let mut bindgen = Command::new(&tools.wasm_bindgen);
    bindgen.args([
        "--target",
        "web",
        "--no-typescript",
        "--out-name",
        "points_widget",
        "--out-dir",
    ]);
    bindgen.arg(&out).arg(&wasm);
    run(&mut bindgen)?;

    let bound = out.join("points_widget_bg.wasm");
    let mut opt = Command::new(&tools.wasm_opt);
    opt.args(["-Oz", "--converge", "--strip-debug", "--strip-producers"])
        .args(WASM_OPT_FEATURES)
        .arg(&bound)
        .arg("-o")
        .arg(&bound);
    run(&mut opt)?;

    let loader = project
        .root
        .join("widget")
        .join("js")
        .join("widget-loader.js");
    std::fs::copy(&loader, out.join("widget-loader.js"))
        .with_context(|| format!("copying {}", loader.display()))?;
    report_sizes(&out)?;
    Ok(out)
}

fn report_sizes(out: &Path) -> Result<()> {
    eprintln!("xtask: widget built in {}", out.display());
    for name in [
        "points_widget_bg.wasm",
        "points_widget.js",
        "widget-loader.js",
    ] {
        let path = out.join(name);
        let raw = std::fs::metadata(&path)?.len();
        let gzip = read(
            Command::new("sh")
                .arg("-c")
                .arg(format!("gzip -9 -c '{}' | wc -c", path.display())),
        )
        .unwrap_or_default();
        eprintln!("xtask:   {name:<24} {raw:>8} bytes   {gzip:>7} gzip");
    }
    Ok(())
}

/// The whole suite, in the order that fails fastest.
pub fn test(project: &Project, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let started = Instant::now();
    let tools = Tools::ensure(
        project,
        if quick {
            Need::Widget
        } else {
            Need::Everything
        },
    )?;
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

    // Built before the tests: host tests assert the size budget of what ships in dist/.
    let widget_dir = build_widget(project, &tools)?;
    let mut tally = Tally::default();
    // Unit and integration tests on the host: every crate but the browser suites (the widget's
    // pure logic runs here; its DOM tests run in Chromium below).
    tally.add(run_tests(project.cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "e2e",
    ]))?);

    if !quick {
        tally.add(widget_browser_tests(project, &tools)?);
        tally.add(e2e_tests(project, &tools, &widget_dir)?);
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
fn e2e_tests(project: &Project, tools: &Tools, widget_dir: &Path) -> Result<Tally> {
    let mut cargo = project.cargo();
    cargo.args(["test", "--package", "e2e"]);
    e2e_env(&mut cargo, project, tools, widget_dir)?;
    run_tests(&mut cargo)
}

fn e2e_env(cargo: &mut Command, project: &Project, tools: &Tools, widget_dir: &Path) -> Result<()> {
    let node = tools.node.as_ref().context("node was not set up")?;
    let cli = tools
        .playwright_cli
        .as_ref()
        .context("playwright-core was not set up")?;
    let chromium = tools.chromium.as_ref().context("chromium was not set up")?;
    let axe = tools.axe.as_ref().context("axe-core was not set up")?;
    cargo
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
