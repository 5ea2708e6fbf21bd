//! The run's artifacts: screenshots under `artifacts/shots/`, one JSON line per finished test in
//! `artifacts/results.jsonl`, and `artifacts/report.html` rendered from those lines after each
//! test, so the report is whole however the run ends. Tests finish in parallel; one file lock
//! orders the append-and-render, so no test's line is lost to another's rename.
//!
//! The first test of a run (per process) clears the previous run's lines and screenshots.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::Profile;

const RESULTS: &str = "results.jsonl";
const REPORT: &str = "report.html";
const SHOTS: &str = "shots";

/// `POINTS_KIT_ARTIFACTS` (set by xtask), else `artifacts/` at the repository root (git-ignored).
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("POINTS_KIT_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"))
}

/// Where step `n` of a scenario on a profile is saved, relative to [`artifacts_dir`].
pub fn shot_path(scenario: &str, profile: Profile, n: usize, step: &str) -> String {
    fresh_run();
    format!("{SHOTS}/{scenario}/{}-{n:02}-{step}.png", profile.name())
}

/// Appends the test's line and re-renders the report. Never fails the test: a report that
/// cannot be written is said on stderr.
pub fn record(
    scenario: &str,
    profile: Profile,
    result: &Result<(), &anyhow::Error>,
    took: Duration,
    shots: &[String],
) {
    fresh_run();
    let line = json!({
        "scenario": scenario,
        "profile": profile.name(),
        "passed": result.is_ok(),
        "error": result.as_ref().err().map(|e| format!("{e:#}")),
        "seconds": (took.as_secs_f64() * 10.0).round() / 10.0,
        "shots": shots,
    });
    if let Err(error) = append_and_render(&line) {
        eprintln!("e2e report: could not write {}: {error:#}", REPORT);
    }
}

fn fresh_run() {
    static CLEARED: OnceLock<()> = OnceLock::new();
    CLEARED.get_or_init(|| {
        let dir = artifacts_dir();
        let _ = fs::remove_file(dir.join(RESULTS));
        let _ = fs::remove_dir_all(dir.join(SHOTS));
        let _ = fs::create_dir_all(&dir);
    });
}

fn append_and_render(line: &Value) -> anyhow::Result<()> {
    let dir = artifacts_dir();
    fs::create_dir_all(&dir)?;
    let lock = File::create(dir.join(".report.lock"))?;
    lock.lock()?;
    let mut results = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(RESULTS))?;
    writeln!(results, "{line}")?;
    drop(results);
    let entries: Vec<Value> = fs::read_to_string(dir.join(RESULTS))?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let temporary = dir.join(format!("{REPORT}.tmp"));
    fs::write(&temporary, render(&entries))?;
    fs::rename(&temporary, dir.join(REPORT))?;
    lock.unlock()?;
    Ok(())
}

/// The report: a summary line, then one row per scenario and profile with its thumbnails.
fn render(entries: &[Value]) -> String {
    let mut sorted: Vec<&Value> = entries.iter().collect();
    sorted.sort_by_key(|e| (text(e, "scenario"), text(e, "profile")));
    let passed = sorted.iter().filter(|e| e["passed"] == true).count();
    let mut rows = String::new();
    for entry in &sorted {
        let ok = entry["passed"] == true;
        let mut thumbs = String::new();
        for shot in entry["shots"].as_array().into_iter().flatten() {
            let shot = escape(shot.as_str().unwrap_or_default());
            let label = shot.rsplit('/').next().unwrap_or_default().to_owned();
            let _ = write!(
                thumbs,
                r#"<a href="{shot}"><img src="{shot}" alt="{label}" title="{label}" loading="lazy"></a>"#
            );
        }
        let error = entry["error"]
            .as_str()
            .map(|e| format!("<pre>{}</pre>", escape(e)))
            .unwrap_or_default();
        let _ = writeln!(
            rows,
            r#"<tr class="{class}"><td>{scenario}</td><td>{profile}</td><td>{status}</td><td>{seconds} s</td><td>{thumbs}{error}</td></tr>"#,
            class = if ok { "pass" } else { "fail" },
            scenario = escape(text(entry, "scenario")),
            profile = escape(text(entry, "profile")),
            status = if ok { "pass" } else { "FAIL" },
            seconds = entry["seconds"],
        );
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>points-kit e2e report</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;color:#1d1b26}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #e6e4ef;padding:6px 8px;text-align:left;vertical-align:top}}
tr.pass td:nth-child(3){{color:#146c43;font-weight:700}}tr.fail td:nth-child(3){{color:#b42318;font-weight:700}}
img{{height:96px;margin:2px;border:1px solid #ccc}}pre{{white-space:pre-wrap;color:#b42318;max-width:900px}}
</style></head><body>
<h1>points-kit e2e report</h1>
<p>{passed} of {total} passed.</p>
<table><thead><tr><th>Scenario</th><th>Profile</th><th>Result</th><th>Time</th><th>Steps</th></tr></thead>
<tbody>
{rows}</tbody></table>
</body></html>
"#,
        total = sorted.len(),
    )
}

fn text<'a>(entry: &'a Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or_default()
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
