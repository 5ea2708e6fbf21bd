//! `points-server reconcile [--json] [--all] [--since 7d]`: one reconciliation run now, the
//! same run as the scheduled one and `POST /admin/reconcile` (see [`crate::reconcile`]),
//! waiting for its end. Prints the report (JSON with `--json`); exits non-zero when an order
//! could not be checked or the run could not start. Ctrl-C stops it after the current batch;
//! the next run resumes it.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Args;

use crate::AppState;
use crate::config::parse_duration;
use crate::reconcile::{self, Report, RunError, RunStatus, Scope, Trigger};

#[derive(Debug, Clone, Default, Args)]
pub struct ReconcileArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Check every order with a Points uuid, settled or not, whatever its age.
    #[arg(long, conflicts_with = "since")]
    pub all: bool,
    /// Also check settled orders changed within this window ("90m", "24h", "7d"); default: the
    /// configured `reconcile_recent_window`.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
}

/// Runs one reconciliation on `state` and writes its report to `out`. `Err` when the run could
/// not start or finish, or when it had errors (after writing the report).
pub async fn run(
    state: &AppState,
    args: &ReconcileArgs,
    out: &mut impl Write,
) -> anyhow::Result<Report> {
    let scope = if args.all {
        Scope::everything()
    } else {
        match &args.since {
            None => Scope::from_config(&state.config.reconcile),
            Some(text) => {
                Scope::recent(parse_duration(text).with_context(|| format!("--since {text:?}"))?)
            }
        }
    };
    let report = match reconcile::reconcile(state, scope, Trigger::Cli).await {
        Ok(report) => report,
        Err(RunError::Busy) => bail!(
            "a reconciliation is already running (another process holds the lease); see \
             GET /admin/reconcile/runs/latest"
        ),
        Err(error) => return Err(error).context("reconciliation"),
    };
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing the report")?;
        writeln!(out)?;
    } else {
        write_text(&report, out)?;
    }
    if report.counts.errors > 0 {
        bail!(
            "{} order(s) could not be checked; run again to retry them",
            report.counts.errors
        );
    }
    if report.status != RunStatus::Finished {
        bail!("the run stopped before its end; the next run resumes it");
    }
    Ok(report)
}

/// The report for people.
pub fn write_text(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let c = &report.counts;
    writeln!(
        out,
        "Reconciliation run {} ({}, {}): {}{}",
        report.run_id,
        report.started_by.as_str(),
        report.scope.describe(),
        report.status.as_str(),
        match report.resumed {
            0 => String::new(),
            n => format!(", resumed {n}×"),
        }
    )?;
    writeln!(
        out,
        "  checked {} · unchanged {} · fixed {} · drift {} · not found at Points {} · errors {}",
        c.checked, c.unchanged, c.fixed, c.drift, c.not_found, c.errors
    )?;
    if c.without_uuid > 0 {
        writeln!(
            out,
            "  {} pending order(s) without a Points uuid yet (nothing to ask Points about)",
            c.without_uuid
        )?;
    }
    writeln!(
        out,
        "  Points calls {} (429: {}) · wall time {:.1} s",
        report.points_calls,
        report.rate_limited,
        report.wall_time_ms as f64 / 1000.0
    )?;
    let status = |s: &Option<String>| s.as_deref().unwrap_or("(none)").to_owned();
    if !report.drifts.is_empty() {
        writeln!(out, "Differences (ours → Points):")?;
    }
    for drift in &report.drifts {
        let outcome = match (&drift.applied, &drift.note) {
            (Some(applied), _) => format!("applied {applied}"),
            (None, Some(note)) => format!("not applied: {note}"),
            (None, None) => "not applied".to_owned(),
        };
        writeln!(
            out,
            "  {} [{}] {} → {}: {outcome}",
            drift.order_number,
            serde_json::to_value(drift.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            status(&drift.local),
            status(&drift.points),
        )?;
    }
    if !report.errors.is_empty() {
        writeln!(out, "Errors:")?;
    }
    for error in &report.errors {
        writeln!(out, "  {}: {}", error.order_number, error.error)?;
    }
    if report.omitted > 0 {
        writeln!(out, "  … and {} more not listed", report.omitted)?;
    }
    Ok(())
}
