//! Storage: the connection pool, migrations and one repository module per table.
//!
//! Queries are runtime `sqlx::query(…)` with `$n` placeholders (SQLite accepts them too), so the
//! crate builds without a database and the SQL carries over to Postgres.

pub mod inbox;
pub mod orders;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

/// The pool every repository function runs on.
pub type Pool = sqlx::SqlitePool;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens the database (creating a SQLite file if missing) and applies pending migrations.
pub async fn connect(database_url: &str) -> anyhow::Result<Pool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .context("parsing the database URL")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // The inbox promise is "stored before we answer 200": FULL syncs every commit.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    // Every connection to `:memory:` would be a different database.
    let max_connections = if database_url.contains(":memory:") {
        1
    } else {
        8
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .context("opening the database")?;
    MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations")?;
    Ok(pool)
}

/// Timestamps are stored as fixed-width UTC text, so string order is time order.
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `2026-04-18T10:05:12.123Z` for `at` (which must be UTC).
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// The current time as stored.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn timestamps_are_fixed_width_utc() {
        assert_eq!(
            timestamp(datetime!(2026-04-18 10:05:12 UTC)),
            "2026-04-18T10:05:12.000Z"
        );
        assert_eq!(
            timestamp(datetime!(2026-04-18 13:05:12.5 +03:00)),
            "2026-04-18T10:05:12.500Z"
        );
    }
}
