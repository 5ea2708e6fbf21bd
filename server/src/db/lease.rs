//! The `lease` table (migration 0008): named leases, each held by one process until it
//! expires. Reconciliation (`reconcile`) and the earning sender (`earning`) take turns across
//! every instance sharing the database through it. Taking one is one statement (an upsert that
//! only overwrites an expired lease or our own, so taking renews it too): two processes racing
//! for it cannot both win, on SQLite or Postgres.

use std::time::Duration;

use sqlx::AnyExecutor;

use super as db;

/// Takes `name` for `holder` for `ttl`; `false` while someone else holds it unexpired.
pub async fn acquire(
    db: impl AnyExecutor<'_>,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO lease (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE lease.expires_at <= $4 OR lease.holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(db::after_now(ttl))
    .bind(db::now())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Extends our lease; `false` if it is no longer ours.
pub async fn renew(
    db: impl AnyExecutor<'_>,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE lease SET expires_at = $1 WHERE name = $2 AND holder = $3")
        .bind(db::after_now(ttl))
        .bind(name)
        .bind(holder)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives our lease back (nothing happens if it is not ours any more).
pub async fn release(
    db: impl AnyExecutor<'_>,
    name: &str,
    holder: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM lease WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(db)
        .await?;
    Ok(())
}
