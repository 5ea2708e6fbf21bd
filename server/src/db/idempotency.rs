//! The `idempotency_keys` table: one row per checkout `Idempotency-Key`.
//!
//! A request *holds* a key while `locked_until` is in the future. The holder records the order
//! as soon as it exists and the response once Points answered; a later request with the same
//! key replays the response. A holder that failed releases the key (its order stays attached,
//! so the retry reuses it); one that died simply lets the lock run out.

use sqlx::{AnyExecutor, Row};

/// What is stored for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub request_hash: String,
    pub order_number: Option<String>,
    pub response: Option<String>,
    pub locked_until: Option<String>,
}

/// Creates the key, held until `locked_until`; `false` if it already exists.
pub async fn insert(
    db: impl AnyExecutor<'_>,
    key: &str,
    request_hash: &str,
    now: &str,
    locked_until: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO idempotency_keys (key, request_hash, locked_until, created_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(request_hash)
    .bind(locked_until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn find(db: impl AnyExecutor<'_>, key: &str) -> Result<Option<KeyRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT request_hash, order_number, response, locked_until
         FROM idempotency_keys WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(KeyRow {
            request_hash: row.try_get("request_hash")?,
            order_number: row.try_get("order_number")?,
            response: row.try_get("response")?,
            locked_until: row.try_get("locked_until")?,
        })
    })
    .transpose()
}

/// Takes over a key that nobody holds (released, or its holder's lock ran out) and that has no
/// response yet; `false` if another request got there first.
pub async fn take_over(
    db: impl AnyExecutor<'_>,
    key: &str,
    now: &str,
    locked_until: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE idempotency_keys SET locked_until = $1
         WHERE key = $2 AND response IS NULL AND (locked_until IS NULL OR locked_until <= $3)",
    )
    .bind(locked_until)
    .bind(key)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_order(
    db: impl AnyExecutor<'_>,
    key: &str,
    order_number: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET order_number = $1 WHERE key = $2")
        .bind(order_number)
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Stores the answer and releases the key for good.
pub async fn complete(
    db: impl AnyExecutor<'_>,
    key: &str,
    response: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET response = $1, locked_until = NULL WHERE key = $2")
        .bind(response)
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Lets the next request with this key try again at once.
pub async fn release(db: impl AnyExecutor<'_>, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET locked_until = NULL WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes keys created before `created_before` that nobody holds (a live holder keeps its
/// key whatever its age); how many went.
pub async fn purge(
    db: impl AnyExecutor<'_>,
    created_before: &str,
    now: &str,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM idempotency_keys
         WHERE created_at < $1 AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(created_before)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
