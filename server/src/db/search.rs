//! Read-only lookups for support: an order by any of its numbers, with its history.

use protocol::OrderUuid;
use sqlx::{AnyExecutor, Row};

use super::orders::{Order, decode};

/// The most orders one search answers (a reference or order number matches one; this bounds
/// nonsense).
pub const SEARCH_LIMIT: i64 = 20;

/// One recorded change of an order, as `order_transitions` holds it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransitionRow {
    pub source: String,
    pub inbox_id: Option<i64>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub at: String,
}

/// Orders whose `order_number` or `reference_number` is `query` (as typed or upper-cased), or
/// whose Points uuid is `query` (any case), newest first.
pub async fn orders_matching(
    db: impl AnyExecutor<'_>,
    query: &str,
) -> Result<Vec<Order>, sqlx::Error> {
    let query = query.trim();
    let upper = query.to_ascii_uppercase();
    let uuid = OrderUuid::parse(query).map(|u| u.to_string());
    let rows = sqlx::query(
        "SELECT * FROM orders
         WHERE order_number IN ($1, $2) OR reference_number IN ($1, $2) OR points_uuid = $3
         ORDER BY id DESC
         LIMIT $4",
    )
    .bind(query)
    .bind(&upper)
    .bind(uuid)
    .bind(SEARCH_LIMIT)
    .fetch_all(db)
    .await?;
    rows.iter().map(decode).collect()
}

/// Every recorded change of one order, oldest first.
pub async fn transitions_of(
    db: impl AnyExecutor<'_>,
    order_id: i64,
) -> Result<Vec<TransitionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT source, inbox_id, from_status, to_status, at FROM order_transitions
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TransitionRow {
                source: row.try_get("source")?,
                inbox_id: row.try_get("inbox_id")?,
                from_status: row.try_get("from_status")?,
                to_status: row.try_get("to_status")?,
                at: row.try_get("at")?,
            })
        })
        .collect()
}
