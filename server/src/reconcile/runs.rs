//! The `reconcile_runs` table: one row per run, its report as JSON, and the cursor a stopped
//! run resumes from; and the query that picks the orders a run checks.

use serde::{Deserialize, Serialize};
use sqlx::{AnyExecutor, Row};

use super::{Report, Scope};
use crate::db::{self, orders};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Running now, or stopped half-way and waiting to be resumed.
    Running,
    Finished,
    /// Stopped half-way, then replaced by a run of another scope.
    Abandoned,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// The statuses a settled order has: no webhook is expected for it unless someone acts.
const UNSETTLED: &str = "('new', 'authorized', 'captured')";

/// The most recent run's report, whatever its status; `None` before the first run.
pub async fn latest(db: impl AnyExecutor<'_>) -> Result<Option<Report>, sqlx::Error> {
    sqlx::query("SELECT id, report FROM reconcile_runs ORDER BY id DESC LIMIT 1")
        .fetch_optional(db)
        .await?
        .map(|row| decode(&row))
        .transpose()
}

/// The most recent run still marked running, with its cursor.
pub(super) async fn unfinished(
    db: impl AnyExecutor<'_>,
) -> Result<Option<(i64, Report)>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, cursor, report FROM reconcile_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let report = decode(&row)?;
    Ok(Some((row.try_get("cursor")?, report)))
}

/// Stores a new run; its id.
pub(super) async fn insert(db: impl AnyExecutor<'_>, report: &Report) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO reconcile_runs (started_by, scope, status, cursor, report, started_at)
         VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
    )
    .bind(report.started_by.as_str())
    .bind(encode(&report.scope)?)
    .bind(report.status.as_str())
    .bind(encode(report)?)
    .bind(&report.started_at)
    .fetch_one(db)
    .await?;
    row.try_get("id")
}

/// Saves the run's report, status and cursor.
pub(super) async fn save(
    db: impl AnyExecutor<'_>,
    report: &Report,
    cursor: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE reconcile_runs SET status = $1, cursor = $2, report = $3, finished_at = $4
         WHERE id = $5",
    )
    .bind(report.status.as_str())
    .bind(cursor)
    .bind(encode(report)?)
    .bind(report.finished_at.as_deref())
    .bind(report.run_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The next `limit` orders in `scope` with an id above `after`, in id order: every order with a
/// Points uuid that is unsettled, or settled and changed within the scope's window.
pub(super) async fn next_batch(
    db: impl AnyExecutor<'_>,
    scope: &Scope,
    after: i64,
    limit: i64,
) -> Result<Vec<orders::Order>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT * FROM orders
         WHERE id > $1 AND points_uuid IS NOT NULL
           AND ($2 = 1 OR order_status IS NULL OR order_status IN {UNSETTLED} OR updated_at >= $3)
         ORDER BY id LIMIT $4"
    ))
    .bind(after)
    .bind(i64::from(scope.all))
    .bind(since(scope))
    .bind(limit)
    .fetch_all(db)
    .await?
    .iter()
    .map(orders::decode)
    .collect()
}

/// Pending orders in scope (created within its window) that have no Points uuid yet.
pub(super) async fn count_without_uuid(
    db: impl AnyExecutor<'_>,
    scope: &Scope,
) -> Result<u64, sqlx::Error> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM orders
         WHERE points_uuid IS NULL AND (order_status IS NULL OR order_status = 'new')
           AND ($1 = 1 OR created_at >= $2)",
    )
    .bind(i64::from(scope.all))
    .bind(since(scope))
    .fetch_one(db)
    .await?
    .try_get("n")?;
    Ok(u64::try_from(n).unwrap_or_default())
}

fn since(scope: &Scope) -> String {
    db::before_now(std::time::Duration::from_secs(scope.recent_secs))
}

fn encode(value: &impl Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The row's report. Its id comes from the row: the report stored with the new row was
/// written before the id existed.
fn decode(row: &sqlx::any::AnyRow) -> Result<Report, sqlx::Error> {
    let text: String = row.try_get("report")?;
    let mut report: Report =
        serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    report.run_id = row.try_get("id")?;
    Ok(report)
}
