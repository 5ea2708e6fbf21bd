//! `cargo xtask bench [--quick]`: measured speed, each figure next to a reference measured in
//! the same run on the same machine, and their ratio (these machines are noisy: compare
//! ratios, not absolute numbers). Prints a table and writes it all to `artifacts/bench.json`.
//!
//! - widget bytes per page type, gzip and brotli: the release (`cargo xtask dist`) against the
//!   reference iframe loader the sandbox serves (loader + the type's iframe document);
//! - widget timing in headless Chromium (e2e's ignored `bench::` test): navigation →
//!   `points:ready` and → the widget's box, median of 20 cold loads, against the reference;
//! - webhook intake at fixed offered loads (500 and 2,000 req/s), on SQLite (durable: WAL,
//!   `synchronous=FULL`) and on Postgres, against a bare axum handler answering 200, with
//!   `bench-load` as the separate load-generator process;
//! - webhook acknowledged → order applied, p50/p99, during a storm, each payment verified with
//!   Points (`GET /v1/orders/{uuid}` at the sandbox), against the same storm with
//!   `verify_webhooks` off: what verification costs;
//! - reconciliation of 10,000 orders with every 40th read answered 429 (250 in all), against
//!   the same run with no 429s: wall time and Points calls made, next to the fewest calls that
//!   can check them all (one read per order, one more per 429).
//!
//! Servers are built with `--release`. `--quick` runs every part briefly (3 loads, 2 s per
//! load level, 200 orders in the storm, 1,000 to reconcile) to check the bench itself works.

mod bytes;
mod procs;

use std::path::Path;

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::build::build_widget;
use crate::cmd::run;
use crate::tools::{Need, Project, Tools};

const SECRET: &str = "bench-webhook-secret-0123456789";
const RATES: [u32; 2] = [500, 2_000];
/// Anonymous clients flooding the public endpoints during the flooded intake run.
const FLOODERS: usize = 64;

/// How much of each part to run.
#[derive(Debug, Clone, Copy)]
struct Size {
    loads: u32,
    seconds: u32,
    orders: u32,
    copies: u32,
    reconciled: u32,
}

/// One read in this many is answered 429 while reconciling.
const RATE_LIMIT_EVERY: u32 = 40;

pub fn bench(project: &Project, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let size = if quick {
        Size {
            loads: 3,
            seconds: 2,
            orders: 200,
            copies: 3,
            reconciled: 1_000,
        }
    } else {
        Size {
            loads: 20,
            seconds: 10,
            orders: 1_000,
            copies: 5,
            reconciled: 10_000,
        }
    };
    let only = |part: &str| {
        !args.iter().any(|a| a.starts_with("--only=")) || args.contains(&format!("--only={part}"))
    };
    let tools = Tools::ensure(project, Need::Everything)?;
    let out_dir = project.root.join("artifacts");
    std::fs::create_dir_all(&out_dir)?;
    let mut report = json!({
        "date": today(),
        "machine": machine(),
        "quick": quick,
    });

    // Widget: the release, then Chromium against the reference.
    if only("widget") {
        let widget_dir = build_widget(project, &tools)?;
        let release = crate::dist::release(project, &widget_dir)?;
        let timing_file = out_dir.join("bench-widget.json");
        let mut cargo = project.cargo();
        cargo.args([
            "test",
            "--package",
            "e2e",
            "--test",
            "it",
            "bench::",
            "--",
            "--ignored",
            "--nocapture",
        ]);
        crate::tasks::e2e_env(&mut cargo, project, &tools, &widget_dir)?;
        cargo
            .env("POINTS_KIT_BENCH_OUT", &timing_file)
            .env("POINTS_KIT_BENCH_LOADS", size.loads.to_string());
        run(&mut cargo)?;
        let timing: Value = serde_json::from_slice(&std::fs::read(&timing_file)?)?;
        let reference_dir = timing["reference_files"].as_str().map(Path::new);
        report["widget_bytes"] = bytes::pages(&release, reference_dir)?;
        report["widget_timing"] = timing;
    }

    // Servers: one release build of everything the load parts run.
    if only("intake") || only("storm") || only("reconcile") {
        run(project.cargo().args([
            "build",
            "--release",
            "--package",
            "server",
            "--bin",
            "points-server",
            "--package",
            "sandbox",
            "--bin",
            "points-sandbox",
            "--package",
            "bench",
            // `--bin` applies to every package named: list the bench crate's too.
            "--bin",
            "bench-load",
            "--bin",
            "bench-bare",
        ]))?;
        let bin = procs::release_bin(&project.target_dir);
        let sandbox = procs::sandbox(&bin)?;
        let mut intake = serde_json::Map::new();
        let mut flooded = serde_json::Map::new();
        let mut storms = serde_json::Map::new();
        let mut reconciliations = serde_json::Map::new();
        let scratch = project.target_dir.join("bench");
        std::fs::create_dir_all(&scratch)?;
        for backend in ["sqlite", "postgres"] {
            let Some(database) = Database::create(&bin, &scratch, backend)? else {
                for part in [&mut intake, &mut storms, &mut reconciliations] {
                    part.insert(backend.into(), json!("skipped: no Postgres reachable"));
                }
                continue;
            };
            let server = procs::server(&bin, &project.root, &sandbox.url, &database.url, SECRET)?;
            if only("storm") {
                eprintln!("xtask: storm on {backend}, each payment verified with Points");
                let storm = storm_run(&bin, &server.url, &sandbox.url, &database.url, size)?;
                storms.insert(backend.into(), storm);
                // The reference: the same storm trusting the webhook secret alone, on a fresh
                // database, so the difference is what verification costs.
                let Some(reference) = Database::create(&bin, &scratch, backend)? else {
                    bail!("the {backend} database went away during the bench");
                };
                let trusting = procs::server_with(
                    &bin,
                    &project.root,
                    &sandbox.url,
                    &reference.url,
                    SECRET,
                    &[("POINTS_VERIFY_WEBHOOKS", "false")],
                )?;
                eprintln!("xtask: storm on {backend}, verification off");
                let storm = storm_run(&bin, &trusting.url, &sandbox.url, &reference.url, size);
                drop(trusting);
                reference.drop_it(&bin);
                storms.insert(format!("{backend}, verify off"), storm?);
            }
            if only("intake") {
                let mut levels = serde_json::Map::new();
                for rate in RATES {
                    eprintln!("xtask: intake on {backend} at {rate} req/s");
                    levels.insert(
                        rate.to_string(),
                        intake_run(&bin, &format!("{}/webhooks/points", server.url), rate, size)?,
                    );
                }
                intake.insert(backend.into(), Value::Object(levels));
            }
            drop(server);
            database.drop_it(&bin);
            if only("intake") {
                // Intake at 500/s while the public endpoints are flooded: with the server's
                // default limits, and with them off (what the limits buy).
                let mut sides = serde_json::Map::new();
                for (side, limits) in [("limits on", true), ("limits off", false)] {
                    let Some(database) = Database::create(&bin, &scratch, backend)? else {
                        bail!("the {backend} database went away during the bench");
                    };
                    let defaults = [
                        ("POINTS_CHECKOUT_PER_IP_PER_MINUTE", "30"),
                        ("POINTS_STATUS_PER_IP_PER_MINUTE", "240"),
                        ("POINTS_PUBLIC_PER_SECOND", "200"),
                        ("POINTS_PUBLIC_IN_FLIGHT", "6"),
                        // The flood comes from many addresses, written in this header.
                        ("POINTS_CLIENT_IP_HEADER", "x-forwarded-for"),
                    ];
                    let env: &[(&str, &str)] = if limits { &defaults } else { &[] };
                    let server = procs::server_with(
                        &bin,
                        &project.root,
                        &sandbox.url,
                        &database.url,
                        SECRET,
                        env,
                    )?;
                    eprintln!(
                        "xtask: intake on {backend} at 500 req/s, public endpoints flooded, {side}"
                    );
                    let run = procs::load(
                        &bin,
                        &[
                            "flooded",
                            &server.url,
                            SECRET,
                            "500",
                            &size.seconds.to_string(),
                            &FLOODERS.to_string(),
                        ],
                    );
                    drop(server);
                    database.drop_it(&bin);
                    sides.insert(side.into(), run?);
                }
                flooded.insert(backend.into(), Value::Object(sides));
            }
            if only("reconcile") {
                let mut sides = serde_json::Map::new();
                // The reference first: the same number of orders, nothing rate limited.
                for (side, limited) in [
                    ("reference", 0),
                    ("ours", size.reconciled / RATE_LIMIT_EVERY),
                ] {
                    eprintln!(
                        "xtask: reconciling {} orders on {backend}, {limited} 429s",
                        size.reconciled
                    );
                    let Some(database) = Database::create(&bin, &scratch, backend)? else {
                        bail!("the {backend} database went away during the bench");
                    };
                    let server =
                        procs::server(&bin, &project.root, &sandbox.url, &database.url, SECRET)?;
                    let run = procs::load(
                        &bin,
                        &[
                            "reconcile",
                            &server.url,
                            procs::ADMIN_TOKEN,
                            &sandbox.url,
                            &database.url,
                            &size.reconciled.to_string(),
                            &limited.to_string(),
                            &RATE_LIMIT_EVERY.to_string(),
                        ],
                    );
                    drop(server);
                    database.drop_it(&bin);
                    sides.insert(side.into(), run?);
                }
                reconciliations.insert(backend.into(), Value::Object(sides));
            }
        }
        if only("intake") {
            let bare = procs::bare(&bin)?;
            let mut levels = serde_json::Map::new();
            for rate in RATES {
                eprintln!("xtask: bare axum at {rate} req/s");
                levels.insert(
                    rate.to_string(),
                    intake_run(&bin, &format!("{}/webhooks/points", bare.url), rate, size)?,
                );
            }
            intake.insert("bare".into(), Value::Object(levels));
            report["intake"] = Value::Object(intake);
            report["intake_flooded"] = Value::Object(flooded);
        }
        if only("storm") {
            report["storm"] = Value::Object(storms);
        }
        if only("reconcile") {
            report["reconciliation"] = Value::Object(reconciliations);
        }
        drop(sandbox);
    }

    let file = out_dir.join("bench.json");
    std::fs::write(&file, serde_json::to_string_pretty(&report)?)?;
    print!("{}", table(&report));
    println!("\nwrote {}", file.display());
    Ok(())
}

fn storm_run(bin: &Path, server: &str, sandbox: &str, db: &str, size: Size) -> Result<Value> {
    procs::load(
        bin,
        &[
            "storm",
            server,
            SECRET,
            sandbox,
            db,
            &size.orders.to_string(),
            &size.copies.to_string(),
        ],
    )
}

fn intake_run(bin: &Path, url: &str, rate: u32, size: Size) -> Result<Value> {
    procs::load(
        bin,
        &[
            "intake",
            url,
            SECRET,
            &rate.to_string(),
            &size.seconds.to_string(),
        ],
    )
}

/// A fresh database for one backend: a SQLite file, or a Postgres database created on
/// `POINTS_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
struct Database {
    url: String,
    postgres: Option<(String, String)>,
}

impl Database {
    fn create(bin: &Path, scratch: &Path, backend: &str) -> Result<Option<Database>> {
        // One name per database of this run: two may be alive at once (the storm's reference
        // beside the main one), and a second `createdb` of one name fails.
        static CREATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = CREATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{}_{n}", std::process::id());
        if backend == "sqlite" {
            let file = scratch.join(format!("bench-{id}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            return Ok(Some(Database {
                url: format!("sqlite://{}", file.display()),
                postgres: None,
            }));
        }
        let admin = std::env::var("POINTS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("points_kit_bench_{id}");
        if let Err(error) = procs::load(bin, &["createdb", &admin, &name]) {
            // As for the tests: in CI a Postgres part that cannot run fails the run.
            if crate::postgres::in_ci() {
                return Err(error.context(format!(
                    "CI is set, so the bench's Postgres part must run: no Postgres at {}",
                    crate::postgres::redacted(&admin)
                )));
            }
            eprintln!("xtask: no Postgres for the bench, skipping its Postgres part ({error:#})");
            return Ok(None);
        }
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Ok(Some(Database {
            url: format!("{base}/{name}"),
            postgres: Some((admin.clone(), name)),
        }))
    }

    fn drop_it(self, bin: &Path) {
        if let Some((admin, name)) = &self.postgres {
            let _ = procs::load(bin, &["dropdb", admin, name]);
        }
    }
}

/// `ours / reference`, or `-` when either is missing.
fn ratio(ours: &Value, reference: &Value) -> String {
    match (ours.as_f64(), reference.as_f64()) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".into(),
    }
}

fn num(value: &Value) -> String {
    match value.as_f64() {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "-".into(),
    }
}

/// The report as a text table.
fn table(report: &Value) -> String {
    let mut text = format!(
        "\npoints-kit bench, {} ({}){}\n",
        report["date"].as_str().unwrap_or_default(),
        report["machine"].as_str().unwrap_or_default(),
        if report["quick"] == true {
            ", QUICK"
        } else {
            ""
        }
    );
    if let Some(pages) = report["widget_bytes"].as_object() {
        text.push_str(
            "\nwidget bytes on the wire        ours gz  ref gz  ratio   ours br  ref br  ratio\n",
        );
        for (page, sides) in pages {
            let (o, r) = (&sides["ours"], &sides["reference"]);
            text.push_str(&format!(
                "  {page:<28} {:>8} {:>7} {:>6}   {:>7} {:>7} {:>6}\n",
                num(&o["gzip"]),
                num(&r["gzip"]),
                ratio(&o["gzip"], &r["gzip"]),
                num(&o["brotli"]),
                num(&r["brotli"]),
                ratio(&o["brotli"], &r["brotli"]),
            ));
        }
    }
    if let Some(types) = report["widget_timing"]["types"].as_object() {
        text.push_str(&format!(
            "\nwidget timing, median of {} cold loads (ms)   ours ready  ref ready  ratio   ours box  ref box  ratio\n",
            report["widget_timing"]["loads"]
        ));
        for (kind, sides) in types {
            let (o, r) = (&sides["ours"], &sides["reference"]);
            text.push_str(&format!(
                "  {kind:<42} {:>10} {:>10} {:>6}   {:>8} {:>8} {:>6}\n",
                num(&o["ready_ms"]["median"]),
                num(&r["ready_ms"]["median"]),
                ratio(&o["ready_ms"]["median"], &r["ready_ms"]["median"]),
                num(&o["box_ms"]["median"]),
                num(&r["box_ms"]["median"]),
                ratio(&o["box_ms"]["median"], &r["box_ms"]["median"]),
            ));
        }
    }
    if let Some(intake) = report["intake"].as_object() {
        text.push_str("\nwebhook intake        offered  achieved   p50 ms   p99 ms  errors   rps/bare  p99/bare\n");
        let bare = &intake["bare"];
        for (backend, levels) in intake {
            let Some(levels) = levels.as_object() else {
                text.push_str(&format!(
                    "  {backend:<18} {}\n",
                    levels.as_str().unwrap_or("-")
                ));
                continue;
            };
            for (rate, run) in levels {
                let base = &bare[rate.as_str()];
                text.push_str(&format!(
                    "  {backend:<18} {:>8} {:>9} {:>8} {:>8} {:>7} {:>10} {:>9}\n",
                    rate,
                    num(&run["achieved_rps"]),
                    num(&run["p50_ms"]),
                    num(&run["p99_ms"]),
                    num(&run["errors"]),
                    ratio(&run["achieved_rps"], &base["achieved_rps"]),
                    ratio(&run["p99_ms"], &base["p99_ms"]),
                ));
            }
        }
    }
    if let Some(flooded) = report["intake_flooded"].as_object() {
        text.push_str("\nintake at 500/s, public endpoints flooded   p50 ms   p99 ms  errors  flood reqs  429s  503s  quiet p99  p99/quiet\n");
        for (backend, sides) in flooded {
            let quiet = &report["intake"][backend.as_str()]["500"];
            let Some(sides) = sides.as_object() else {
                continue;
            };
            for (side, run) in sides {
                let answers = &run["flood"]["answers"];
                text.push_str(&format!(
                    "  {:<41} {:>8} {:>8} {:>7} {:>11} {:>5} {:>5} {:>10} {:>10}\n",
                    format!("{backend}, {side}"),
                    num(&run["p50_ms"]),
                    num(&run["p99_ms"]),
                    num(&run["errors"]),
                    num(&run["flood"]["requests"]),
                    num(&answers["429"]),
                    num(&answers["503"]),
                    num(&quiet["p99_ms"]),
                    ratio(&run["p99_ms"], &quiet["p99_ms"]),
                ));
            }
        }
    }
    if let Some(storms) = report["storm"].as_object() {
        text.push_str("\nwebhook ack → order applied during a storm   deliveries  changes   p50 ms   p99 ms  drained ms\n");
        for (backend, storm) in storms {
            if let Some(note) = storm.as_str() {
                text.push_str(&format!("  {backend:<43} {note}\n"));
                continue;
            }
            text.push_str(&format!(
                "  {backend:<43} {:>10} {:>8} {:>8} {:>8} {:>11}\n",
                num(&storm["deliveries"]),
                num(&storm["state_changes"]),
                num(&storm["ack_to_applied_p50_ms"]),
                num(&storm["ack_to_applied_p99_ms"]),
                num(&storm["drained_ms"]),
            ));
        }
    }
    if let Some(runs) = report["reconciliation"].as_object() {
        text.push_str("\nreconciliation (all orders, default pacing)   orders  429s   wall ms  ref ms  ratio   calls  fewest  ref calls\n");
        for (backend, sides) in runs {
            if let Some(note) = sides.as_str() {
                text.push_str(&format!("  {backend:<43} {note}\n"));
                continue;
            }
            let (o, r) = (&sides["ours"], &sides["reference"]);
            text.push_str(&format!(
                "  {backend:<43} {:>7} {:>5} {:>9} {:>7} {:>6} {:>7} {:>7} {:>10}\n",
                num(&o["orders"]),
                num(&o["rate_limited"]),
                num(&o["wall_ms"]),
                num(&r["wall_ms"]),
                ratio(&o["wall_ms"], &r["wall_ms"]),
                num(&o["points_calls"]),
                num(&o["fewest_calls"]),
                num(&r["points_calls"]),
            ));
        }
    }
    text
}

/// Today's date (UTC), from `date`.
fn today() -> String {
    crate::cmd::read(&mut crate::cmd::command("date", &["-u", "+%Y-%m-%d"])).unwrap_or_default()
}

/// Cores and CPU model, so a reader knows what the numbers were measured on.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    format!("{cores} cores, {model}")
        .trim_end_matches(", ")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_every_figure_with_its_reference_and_ratio() {
        let report = json!({
            "date": "2026-12-01", "machine": "2 cores", "quick": false,
            "widget_bytes": {"product (points-card)": {
                "ours": {"gzip": 40000, "brotli": 35000},
                "reference": {"gzip": 2000, "brotli": 1800}}},
            "widget_timing": {"loads": 20, "types": {"points-card": {
                "ours": {"ready_ms": {"median": 120.0}, "box_ms": {"median": 30.0}},
                "reference": {"ready_ms": {"median": 60.0}, "box_ms": {"median": 30.0}}}}},
            "intake": {
                "sqlite": {"500": {"achieved_rps": 499.0, "p50_ms": 2.0, "p99_ms": 8.0, "errors": 0}},
                "bare": {"500": {"achieved_rps": 500.0, "p50_ms": 0.5, "p99_ms": 2.0, "errors": 0}}},
            "storm": {"postgres": "skipped: no Postgres reachable"},
            "reconciliation": {"sqlite": {
                "ours": {"orders": 10000, "rate_limited": 250, "wall_ms": 30000.0,
                         "points_calls": 10250, "fewest_calls": 10250},
                "reference": {"orders": 10000, "rate_limited": 0, "wall_ms": 12000.0,
                              "points_calls": 10000, "fewest_calls": 10000}}},
        });
        let text = table(&report);
        assert!(text.contains("20.00"), "bytes ratio: {text}");
        assert!(text.contains("2.00"), "ready ratio: {text}");
        assert!(text.contains("4.00"), "p99 ratio against bare: {text}");
        assert!(text.contains("skipped: no Postgres reachable"));
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with("sqlite") && l.contains("10250"))
            .expect("a reconciliation row");
        assert!(row.contains(" 2.50 "), "wall time ratio: {row}");
        assert!(row.contains("10000"), "the reference's calls: {row}");
    }

    #[test]
    fn a_missing_side_has_no_ratio() {
        assert_eq!(ratio(&json!(1.0), &Value::Null), "-");
        assert_eq!(ratio(&json!(3.0), &json!(2.0)), "1.50");
    }
}
