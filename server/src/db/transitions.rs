//! The `order_transitions` table: every change the server made to an order's Points state and
//! what caused it, so "one event, one change" can be checked after the fact.

use protocol::OrderStatus;
use sqlx::AnyExecutor;

/// What moved an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A webhook, applied by the worker from this inbox row.
    Webhook { inbox_id: i64 },
    /// A verified `GET /v1/orders/{uuid}` made for the return page.
    Lookup,
    /// A verified `GET /v1/orders/{uuid}` made by a reconciliation run.
    Reconciliation,
}

/// One recorded change.
#[derive(Debug, Clone)]
pub struct NewTransition {
    pub order_id: i64,
    pub source: Source,
    pub from: Option<OrderStatus>,
    pub to: Option<OrderStatus>,
}

pub async fn record(
    db: impl AnyExecutor<'_>,
    transition: &NewTransition,
    now: &str,
) -> Result<(), sqlx::Error> {
    let (source, inbox_id) = match transition.source {
        Source::Webhook { inbox_id } => ("webhook", Some(inbox_id)),
        Source::Lookup => ("lookup", None),
        Source::Reconciliation => ("reconciliation", None),
    };
    sqlx::query(
        "INSERT INTO order_transitions (order_id, source, inbox_id, from_status, to_status, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(transition.order_id)
    .bind(source)
    .bind(inbox_id)
    .bind(transition.from.map(OrderStatus::as_str))
    .bind(transition.to.map(OrderStatus::as_str))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes transitions recorded before `before`, [`super::PURGE_BATCH`] rows per statement.
pub async fn purge(pool: &crate::db::Pool, before: &str) -> Result<u64, sqlx::Error> {
    crate::db::purge_in_batches(
        pool,
        "DELETE FROM order_transitions WHERE id IN (
             SELECT id FROM order_transitions WHERE at < $1 ORDER BY id LIMIT $2)",
        before,
    )
    .await
}
