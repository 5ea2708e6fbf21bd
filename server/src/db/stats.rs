//! Figures about the database that `/metrics` samples at scrape time.

use std::time::Duration;

use sqlx::{AnyExecutor, Row};
use time::OffsetDateTime;

use super::parse_timestamp;

/// The unapplied part of the webhook inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxBacklog {
    pub depth: i64,
    /// How long the oldest unapplied row has waited; zero when there is none.
    pub oldest_age: Duration,
}

pub async fn inbox_backlog(db: impl AnyExecutor<'_>) -> Result<InboxBacklog, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS depth, MIN(received_at) AS oldest FROM webhook_inbox
         WHERE processed_at IS NULL",
    )
    .fetch_one(db)
    .await?;
    let depth: i64 = row.try_get("depth")?;
    let oldest: Option<String> = row.try_get("oldest")?;
    let oldest_age = oldest
        .as_deref()
        .and_then(parse_timestamp)
        .map(|at| {
            let age = OffsetDateTime::now_utc() - at;
            Duration::try_from(age).unwrap_or_default()
        })
        .unwrap_or_default();
    Ok(InboxBacklog { depth, oldest_age })
}
