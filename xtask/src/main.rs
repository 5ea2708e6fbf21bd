//! Project automation for points-kit. Run through the cargo alias:
//!
//! ```text
//! cargo xtask demo      # build the widget, run sandbox + server + storefront until Ctrl-C
//! cargo xtask test      # the whole suite: fmt, clippy, unit/integration, wasm tests, e2e
//! cargo xtask widget    # build the widget into dist/widget/
//! cargo xtask dist      # the release: versioned files, manifest with SRI, CSP, snippets
//! cargo xtask e2e [F]   # only the e2e suites (tests whose name contains F), widget built first
//! cargo xtask browser   # only the widget's wasm-bindgen tests in Chromium
//! cargo xtask deny      # cargo deny: licenses, bans, sources (advisories where available)
//! cargo xtask bench     # measured speed against references (table + artifacts/bench.json)
//! cargo xtask fuzz [S]  # every cargo-fuzz target for S seconds (default 30)
//! cargo xtask setup     # only install what is missing (wasm target, CLIs, browser)
//! cargo xtask layers    # the server's core imports none of its adapters (ARCHITECTURE.md)
//! ```
//!
//! Every task installs what it needs first, idempotently: a second run does no set-up work.
//! Only xtask shells out; the other crates never run programs.

mod bench;
mod build;
mod cmd;
mod deny;
mod dist;
mod fuzz;
mod layers;
mod postgres;
mod tasks;
mod tools;
mod verify;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let project = tools::Project::locate()?;
    match task {
        "demo" => tasks::demo(&project, rest),
        "test" => tasks::test(&project, rest),
        "widget" => tasks::widget(&project).map(|_| ()),
        "dist" => dist::dist(&project),
        "e2e" => tasks::e2e(&project, rest),
        "bench" => bench::bench(&project, rest),
        "fuzz" => fuzz::fuzz(&project, rest),
        "browser" => tasks::browser(&project),
        "deny" => deny::deny(&project),
        "layers" => layers::layers(&project.root),
        "setup" => tools::Tools::ensure(&project, tools::Need::Everything)
            .and_then(|_| deny::ensure(&project))
            .map(|_| ()),
        "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}

const HELP: &str = "usage: cargo xtask <task>

tasks:
  demo     build the widget and run sandbox + merchant server + storefront on localhost
  test     fmt, clippy, unit + integration tests, widget tests in Chromium, e2e in Chromium
           (`test --quick` skips the browser suites)
  widget   build the widget into dist/widget/ (both bundles, the loader, its .d.ts)
  dist     build the release into dist/release/: versioned file names, manifest.json with SRI
           hashes, csp.txt, snippet.html (POINTS_WIDGET_ORIGIN: the origin it is served from)
  e2e [F]  build the widget, run only the e2e suites (a filter F as for `cargo test`)
  browser  run only the widget's wasm-bindgen tests in Chromium
  deny     cargo deny with deny.toml: licenses, bans, sources (advisories where its
           database is on disk; this machine cannot fetch it)
  bench    widget bytes and load times, webhook intake and storm latency, each next to a
           reference and its ratio; writes artifacts/bench.json (`--quick`: briefly;
           `--only=widget|intake|storm`)
  fuzz [S] [T…]  run each cargo-fuzz target in fuzz/ (or only T) for S seconds (default 30)
  setup    install what is missing and nothing else
  layers   check that no module of the server's core imports an adapter (http, commands)

environment:
  POINTS_KIT_TOOLS    where tools are cached (default: <repo>/.tools)
  POINTS_KIT_WASM     `rustup` or `debian` to force a wasm toolchain (default: detect)
  POINTS_TEST_POSTGRES_URL  the Postgres `test` uses when it answers (default
                      postgres://postgres@127.0.0.1:5432/test); otherwise `test` starts a private
                      cluster (Debian's initdb/pg_ctl) and every Postgres test must run
  CARGO_TARGET_DIR    honoured for every build";
