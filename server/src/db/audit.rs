//! The `admin_audit` table (migration 0012): one row per admin request, with the name of the
//! token that made it (never the token), what it did, to what, and the status it was answered.

use serde::Serialize;
use sqlx::{AnyExecutor, Row};

/// One admin request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub token: String,
    pub method: String,
    pub route: String,
    pub target: Option<String>,
    pub status: i64,
}

/// What is recorded of a request.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub token: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub target: Option<&'a str>,
    pub status: u16,
}

pub async fn record(db: impl AnyExecutor<'_>, entry: &Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_audit (at, token, method, route, target, status)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(super::now())
    .bind(entry.token)
    .bind(entry.method)
    .bind(entry.route)
    .bind(entry.target)
    .bind(i64::from(entry.status))
    .execute(db)
    .await?;
    Ok(())
}

/// The newest `limit` rows, newest first; only `token`'s when given.
pub async fn recent(
    db: impl AnyExecutor<'_>,
    token: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, at, token, method, route, target, status FROM admin_audit
         WHERE (CAST($1 AS TEXT) IS NULL OR token = CAST($1 AS TEXT))
         ORDER BY id DESC LIMIT $2",
    )
    .bind(token)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditRow {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                token: row.try_get("token")?,
                method: row.try_get("method")?,
                route: row.try_get("route")?,
                target: row.try_get("target")?,
                status: row.try_get("status")?,
            })
        })
        .collect()
}
