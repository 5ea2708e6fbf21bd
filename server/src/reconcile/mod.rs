//! Reconciliation: asks Points about our orders (`GET /v1/orders/{uuid}` with the private key,
//! API.md §3.3) and applies what a missed webhook would have, through the same
//! [`crate::lifecycle::apply`] as webhooks (source `reconciliation` in `order_transitions`).
//!
//! A run checks every order that has a Points uuid and is unsettled (no status yet, `new`,
//! `authorized`, `captured`), plus settled ones changed within the scope's window (all of
//! them with [`Scope::all`]). Per order it compares the answer with ours: the same
//! `order_number`, uuid, type (checkout) and total, or the order is a *mismatch*, reported and
//! left alone; a 404 is reported as *unknown at Points*; a newer status is applied (*fixed*);
//! an older one is reported as *drift* and never applied (an order never moves backwards).
//!
//! Points limits no order reads (API.md §2), so a few are in flight at once
//! ([`crate::config::ReconcileConfig::concurrency`]); a 429 pauses all of them, honouring
//! `Retry-After`, doubling the pause while 429s keep coming and shrinking it as reads succeed.
//! Each attempt is counted (the report's `points_calls`), which is why reads go through a
//! client without its own retries and are retried here by [`check`].
//!
//! One run at a time across every process on the database: a run holds the `reconcile` lease
//! row (renewed while it runs, expiring if its process dies). Progress is saved after every
//! batch of orders (`cursor`); a run that stopped half-way (crash, shutdown, lost lease) is
//! resumed by the next run of the same scope, so re-running is always safe. Runs and their
//! reports are kept in `reconcile_runs`; [`latest`] is the last one.

mod check;
mod runs;
mod schedule;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use check::{DriftKind, Outcome};
pub use runs::{RunStatus, latest};
pub use schedule::{Control, ScheduleHandle, spawn};

use crate::AppState;
use crate::config::ReconcileConfig;
use crate::db;
use crate::db::lease;

/// The lease row every run takes.
pub const LEASE: &str = "reconcile";
/// How long a lease outlives its last renewal; a run renews it every third of this.
pub const LEASE_TTL: Duration = Duration::from_secs(60);
/// Orders read from the database, checked and saved as progress at a time.
pub const BATCH: i64 = 200;
/// Drift and error entries kept in a report; the rest are only counted (`omitted`).
pub const MAX_LISTED: usize = 1000;

/// Which orders a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Every order with a Points uuid, settled or not, whatever its age.
    pub all: bool,
    /// Settled orders changed within this many seconds are checked too.
    pub recent_secs: u64,
}

impl Scope {
    /// The scheduled run's scope: unsettled orders and those changed within the configured
    /// window.
    pub fn from_config(config: &ReconcileConfig) -> Scope {
        Scope::recent(config.recent_window)
    }

    /// Unsettled orders and settled ones changed within `window`.
    pub fn recent(window: Duration) -> Scope {
        Scope {
            all: false,
            recent_secs: window.as_secs(),
        }
    }

    /// Every order with a Points uuid.
    pub fn everything() -> Scope {
        Scope {
            all: true,
            recent_secs: 0,
        }
    }

    /// "every order" or "unsettled orders and settled ones changed in the last 7d".
    pub fn describe(&self) -> String {
        if self.all {
            return "every order with a Points uuid".into();
        }
        let secs = self.recent_secs;
        let window = match secs {
            s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
            s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
            s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
            s => format!("{s}s"),
        };
        format!("unsettled orders and settled ones changed in the last {window}")
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Scheduled,
    Admin,
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::Admin => "admin",
            Trigger::Cli => "cli",
        }
    }
}

/// What a run found: stored in `reconcile_runs` (after every batch while it runs), served by
/// `GET /admin/reconcile/runs/latest` and printed by `points-server reconcile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub run_id: i64,
    pub started_by: Trigger,
    pub scope: Scope,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// How many times the run was picked up again after it stopped half-way.
    pub resumed: u32,
    pub counts: Counts,
    /// Every difference found, applied or not (the first [`MAX_LISTED`]).
    pub drifts: Vec<Drift>,
    /// Orders that could not be checked (the first [`MAX_LISTED`]).
    pub errors: Vec<OrderError>,
    /// Drift and error entries beyond [`MAX_LISTED`], counted but not listed.
    pub omitted: u64,
    /// Requests sent to Points, every retry included.
    pub points_calls: u64,
    /// How many of them Points answered 429.
    pub rate_limited: u64,
    /// Time spent running, summed over resumptions.
    pub wall_time_ms: u64,
}

/// Orders by outcome. `checked` = `unchanged + fixed + drift + not_found + errors`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub checked: u64,
    /// Points agrees with us.
    pub unchanged: u64,
    /// Points knew more (a missed webhook): applied.
    pub fixed: u64,
    /// Points disagrees in a way that is not applied: an older status, another order number,
    /// type or total.
    pub drift: u64,
    /// Points answered 404 for the uuid we hold.
    pub not_found: u64,
    /// The read failed (after its retries) or the database did.
    pub errors: u64,
    /// Pending orders in scope without a Points uuid: nothing to ask Points about yet (the
    /// first webhook brings the uuid). Not checked, not in `checked`.
    pub without_uuid: u64,
}

/// One difference between an order here and at Points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub order_number: String,
    pub kind: DriftKind,
    /// Our financial status before (`null`: no webhook had come).
    pub local: Option<String>,
    /// Points' status (`null` when Points does not know the order).
    pub points: Option<String>,
    /// The status stored as a result, `null` when nothing was applied.
    pub applied: Option<String>,
    /// Why nothing (or not everything) was applied.
    pub note: Option<String>,
}

/// An order that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderError {
    pub order_number: String,
    pub error: String,
}

/// Why a run did not start or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another run holds the lease (in this process or another one on the database).
    #[error("a reconciliation is already running")]
    Busy,
    /// A scheduled run found that a run started within the interval already.
    #[error("a reconciliation ran recently")]
    NotDue,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Runs a reconciliation to its end (or until the server shuts down): takes the lease,
/// resumes an interrupted run of the same scope or starts one, checks every order in scope and
/// stores the report.
pub async fn reconcile(
    state: &AppState,
    scope: Scope,
    trigger: Trigger,
) -> Result<Report, RunError> {
    begin(state, scope, trigger, None).await?.finish().await
}

/// A run that holds the lease and has its row; [`Started::finish`] does the work.
#[derive(Debug)]
pub struct Started {
    state: AppState,
    holder: String,
    cursor: i64,
    report: Report,
}

/// Takes the lease and creates (or resumes) the run's row. With `due_every`, gives the lease
/// back with [`RunError::NotDue`] when a finished run started within that interval: the
/// scheduled run of another instance came first.
pub async fn begin(
    state: &AppState,
    scope: Scope,
    trigger: Trigger,
    due_every: Option<Duration>,
) -> Result<Started, RunError> {
    let holder = uuid::Uuid::new_v4().to_string();
    if !lease::acquire(&*state.db, LEASE, &holder, LEASE_TTL).await? {
        return Err(RunError::Busy);
    }
    match start_or_resume(state, scope, trigger, due_every).await {
        Ok((cursor, report)) => Ok(Started {
            state: state.clone(),
            holder,
            cursor,
            report,
        }),
        Err(error) => {
            lease::release(&*state.db, LEASE, &holder).await?;
            Err(error)
        }
    }
}

async fn start_or_resume(
    state: &AppState,
    scope: Scope,
    trigger: Trigger,
    due_every: Option<Duration>,
) -> Result<(i64, Report), RunError> {
    let db = &*state.db;
    if let Some(interval) = due_every
        && let Some(last) = runs::latest(db).await?
        && last.status != RunStatus::Running
        && last.started_at > db::before_now(interval)
    {
        return Err(RunError::NotDue);
    }
    if let Some((cursor, mut report)) = runs::unfinished(db).await? {
        if report.scope == scope {
            report.resumed += 1;
            tracing::info!(
                run = report.run_id,
                cursor,
                "resuming an interrupted reconciliation"
            );
            return Ok((cursor, report));
        }
        report.status = RunStatus::Abandoned;
        runs::save(db, &report, cursor).await?;
        tracing::warn!(
            run = report.run_id,
            "an interrupted reconciliation of another scope is abandoned"
        );
    }
    let mut report = Report {
        run_id: 0,
        started_by: trigger,
        scope,
        status: RunStatus::Running,
        started_at: db::now(),
        finished_at: None,
        resumed: 0,
        counts: Counts::default(),
        drifts: Vec::new(),
        errors: Vec::new(),
        omitted: 0,
        points_calls: 0,
        rate_limited: 0,
        wall_time_ms: 0,
    };
    report.counts.without_uuid = runs::count_without_uuid(db, &scope).await?;
    report.run_id = runs::insert(db, &report).await?;
    tracing::info!(
        run = report.run_id,
        by = trigger.as_str(),
        scope = scope.describe(),
        "reconciliation started"
    );
    Ok((0, report))
}

impl Started {
    pub fn run_id(&self) -> i64 {
        self.report.run_id
    }

    /// The report as it stands (the initial one until [`Started::finish`] runs).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Checks every order in scope after the cursor, batch by batch, saving progress after
    /// each; stops early (leaving the run resumable) when the server shuts down or the lease
    /// is lost. Gives the lease back.
    pub async fn finish(self) -> Result<Report, RunError> {
        let Started {
            state,
            holder,
            mut cursor,
            mut report,
        } = self;
        let lost = Arc::new(AtomicBool::new(false));
        let renewing = tokio::spawn(renew(state.clone(), holder.clone(), lost.clone()));
        let result = run_batches(&state, &mut cursor, &mut report, &lost).await;
        renewing.abort();
        let released = if lost.load(Ordering::SeqCst) {
            Ok(())
        } else {
            lease::release(&*state.db, LEASE, &holder).await
        };
        result?;
        released?;
        match report.status {
            RunStatus::Finished => tracing::info!(
                run = report.run_id,
                checked = report.counts.checked,
                fixed = report.counts.fixed,
                drift = report.counts.drift,
                not_found = report.counts.not_found,
                errors = report.counts.errors,
                points_calls = report.points_calls,
                "reconciliation finished"
            ),
            _ => tracing::warn!(
                run = report.run_id,
                cursor,
                "reconciliation stopped; the next run resumes it"
            ),
        }
        Ok(report)
    }
}

async fn run_batches(
    state: &AppState,
    cursor: &mut i64,
    report: &mut Report,
    lost: &AtomicBool,
) -> Result<(), RunError> {
    let started = Instant::now();
    let wall_before = report.wall_time_ms;
    let stopped = state.reconcile.stopped();
    let pacer = Arc::new(check::Pacer::new(&state.config.reconcile));
    let permits = Arc::new(Semaphore::new(state.config.reconcile.concurrency));
    loop {
        if *stopped.borrow() || lost.load(Ordering::SeqCst) {
            break;
        }
        let batch = runs::next_batch(&*state.db, &report.scope, *cursor, BATCH).await?;
        let Some(last) = batch.last().map(|order| order.id) else {
            report.status = RunStatus::Finished;
            report.finished_at = Some(db::now());
            break;
        };
        let mut tasks = JoinSet::new();
        for (index, order) in batch.into_iter().enumerate() {
            let (state, pacer, permits) = (state.clone(), pacer.clone(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let number = order.order_number.to_string();
                (index, number, check::check(&state, &pacer, order).await)
            });
        }
        let mut outcomes = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) => tracing::error!(error = %e, "a reconciliation check panicked"),
            }
        }
        // Report order = order id order, however the checks interleaved.
        outcomes.sort_by_key(|(index, ..)| *index);
        for (_, number, outcome) in outcomes {
            record(state, report, number, outcome);
        }
        *cursor = last;
        report.points_calls += pacer.take_calls();
        report.rate_limited += pacer.take_rate_limited();
        report.wall_time_ms = wall_before + elapsed_ms(started);
        runs::save(&*state.db, report, *cursor).await?;
    }
    report.points_calls += pacer.take_calls();
    report.rate_limited += pacer.take_rate_limited();
    report.wall_time_ms = wall_before + elapsed_ms(started);
    runs::save(&*state.db, report, *cursor).await?;
    Ok(())
}

/// Adds one order's outcome to the report and the drift metric.
fn record(state: &AppState, report: &mut Report, order_number: String, outcome: Outcome) {
    let counts = &mut report.counts;
    counts.checked += 1;
    let listed = |report: &mut Report| {
        let full = report.drifts.len() + report.errors.len() >= MAX_LISTED;
        if full {
            report.omitted += 1;
        }
        !full
    };
    match outcome {
        Outcome::Unchanged => counts.unchanged += 1,
        Outcome::Fixed(drift) => {
            counts.fixed += 1;
            if drift.local != drift.points {
                state
                    .metrics
                    .drift(crate::telemetry::metrics::DriftKind::Status);
            }
            if listed(report) {
                report.drifts.push(drift);
            }
        }
        Outcome::Drift(drift) => {
            if drift.kind == DriftKind::UnknownAtPoints {
                counts.not_found += 1;
            } else {
                counts.drift += 1;
            }
            state.metrics.drift(drift.kind.metric());
            if listed(report) {
                report.drifts.push(drift);
            }
        }
        Outcome::Error(error) => {
            counts.errors += 1;
            tracing::warn!(
                order_number,
                error,
                "reconciliation could not check an order"
            );
            if listed(report) {
                report.errors.push(OrderError {
                    order_number,
                    error,
                });
            }
        }
    }
}

/// Keeps the lease while the run lasts; sets `lost` if another process took it over.
async fn renew(state: AppState, holder: String, lost: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(LEASE_TTL / 3).await;
        match lease::renew(&*state.db, LEASE, &holder, LEASE_TTL).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!("the reconciliation lease was taken over; stopping this run");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) => tracing::warn!(error = %e, "renewing the reconciliation lease failed"),
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
