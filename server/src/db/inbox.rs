//! The `webhook_inbox` table: every verified delivery, stored before it is acknowledged, then
//! applied by the worker. Unique on `(order_uuid, event)`, Points' idempotency key (API.md §6.2).

use std::time::Duration;

use sqlx::{AnyExecutor, Row};
use time::OffsetDateTime;

use super::{Backend, timestamp};

/// A delivery to store.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    /// `order.id`, or a synthetic key for events without an order.
    pub order_uuid: &'a str,
    pub event: &'a str,
    pub order_number: Option<&'a str>,
    pub body: &'a str,
}

/// Whether the delivery was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    Duplicate,
}

/// A stored delivery waiting for the worker.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub event: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    delivery: &NewDelivery<'_>,
    now: &str,
) -> Result<Stored, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO webhook_inbox (order_uuid, event, order_number, body, received_at, available_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (order_uuid, event) DO NOTHING",
    )
    .bind(delivery.order_uuid)
    .bind(delivery.event)
    .bind(delivery.order_number)
    .bind(delivery.body)
    .bind(now)
    .execute(db)
    .await?;
    Ok(if result.rows_affected() == 1 {
        Stored::New
    } else {
        Stored::Duplicate
    })
}

/// Unprocessed rows that are due at `now`, oldest first, after id `after`.
pub async fn due(
    db: impl AnyExecutor<'_>,
    after: i64,
    now: &str,
    limit: i64,
) -> Result<Vec<Pending>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, event, body, attempts FROM webhook_inbox
         WHERE processed_at IS NULL AND available_at <= $1 AND id > $2
         ORDER BY id
         LIMIT $3",
    )
    .bind(now)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Pending {
                id: row.try_get("id")?,
                event: row.try_get("event")?,
                body: row.try_get("body")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// Counts an attempt on a row that is still unprocessed; `false` if someone else finished it
/// or, on Postgres, holds it right now. Being a write, on SQLite it also takes the database's
/// write lock at the start of the transaction, which serialises workers; on Postgres
/// `FOR UPDATE SKIP LOCKED` lets workers in many processes pass each other's rows.
pub async fn claim(
    db: impl AnyExecutor<'_>,
    backend: Backend,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => {
            "UPDATE webhook_inbox SET attempts = attempts + 1 WHERE id = $1 AND processed_at IS NULL"
        }
        Backend::Postgres => {
            "UPDATE webhook_inbox SET attempts = attempts + 1
             WHERE id = (SELECT id FROM webhook_inbox
                         WHERE id = $1 AND processed_at IS NULL
                         FOR UPDATE SKIP LOCKED)"
        }
    };
    let result = sqlx::query(sql).bind(id).execute(db).await?;
    Ok(result.rows_affected() == 1)
}

/// Marks a row done. `note` records why it had no effect (unknown order, stale transition).
pub async fn mark_processed(
    db: impl AnyExecutor<'_>,
    id: i64,
    note: Option<&str>,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook_inbox SET processed_at = $1, last_error = $2 WHERE id = $3")
        .bind(now)
        .bind(note)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: impl AnyExecutor<'_>,
    id: i64,
    error: &str,
    retry_in: Duration,
) -> Result<(), sqlx::Error> {
    let retry_at = timestamp(OffsetDateTime::now_utc() + retry_in);
    sqlx::query(
        "UPDATE webhook_inbox SET attempts = attempts + 1, last_error = $1, available_at = $2
         WHERE id = $3 AND processed_at IS NULL",
    )
    .bind(error)
    .bind(retry_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
