//! The `webhook_rejected` table: deliveries that carried the right secret but could not be
//! read. They are kept, byte for byte, for someone to inspect; the worker never sees them.

use sqlx::AnyExecutor;

/// A verified delivery that failed to parse.
#[derive(Debug, Clone)]
pub struct Rejected<'a> {
    pub body: &'a [u8],
    pub event_header: Option<&'a str>,
    pub reason: &'a str,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    rejected: &Rejected<'_>,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_rejected (body, event_header, reason, received_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(rejected.body.to_vec())
    .bind(rejected.event_header)
    .bind(rejected.reason)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes rejected deliveries received before `received_before`; how many went.
pub async fn purge(db: impl AnyExecutor<'_>, received_before: &str) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM webhook_rejected WHERE received_at < $1")
        .bind(received_before)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
