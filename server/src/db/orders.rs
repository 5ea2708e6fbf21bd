//! The `orders` table: one row per checkout the storefront started.

use protocol::{Lang, OrderNumber, OrderStatus, OrderUuid, Sar, ShippingStatus};
use sqlx::{AnyConnection, AnyExecutor, Row, any::AnyRow};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::lifecycle::{Lifecycle, Shipping};

/// A stored order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: i64,
    pub order_number: OrderNumber,
    pub total: Sar,
    pub currency: String,
    pub lang: String,
    pub items_json: String,
    pub checkout_url: Option<String>,
    pub lifecycle: Lifecycle,
    pub created_at: String,
    pub updated_at: String,
}

/// What the checkout handler stores before calling Points.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub order_number: &'a OrderNumber,
    pub total: Sar,
    pub lang: Lang,
    pub items_json: &'a str,
}

/// Why [`insert`] did not store the order.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("order number already taken")]
    Taken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    order: &NewOrder<'_>,
    now: &str,
) -> Result<i64, InsertError> {
    let total = i64::try_from(order.total.halalas())
        .map_err(|e| InsertError::Db(sqlx::Error::Encode(Box::new(e))))?;
    let result = sqlx::query(
        "INSERT INTO orders (order_number, total_halalas, currency, lang, items_json, created_at, updated_at)
         VALUES ($1, $2, 'SAR', $3, $4, $5, $5)
         RETURNING id",
    )
    .bind(order.order_number.as_str())
    .bind(total)
    .bind(order.lang.as_str())
    .bind(order.items_json)
    .bind(now)
    .fetch_one(db)
    .await;
    match result {
        Ok(row) => Ok(row.try_get("id")?),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(InsertError::Taken),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_checkout_url(
    db: impl AnyExecutor<'_>,
    id: i64,
    checkout_url: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET checkout_url = $1, updated_at = $2 WHERE id = $3")
        .bind(checkout_url)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn find_by_number(
    db: impl AnyExecutor<'_>,
    order_number: &str,
) -> Result<Option<Order>, sqlx::Error> {
    sqlx::query("SELECT * FROM orders WHERE order_number = $1")
        .bind(order_number)
        .fetch_optional(db)
        .await?
        .map(|row| decode(&row))
        .transpose()
}

/// The order Points knows under `uuid`.
pub async fn find_by_points_uuid(
    db: impl AnyExecutor<'_>,
    uuid: &OrderUuid,
) -> Result<Option<Order>, sqlx::Error> {
    sqlx::query("SELECT * FROM orders WHERE points_uuid = $1")
        .bind(uuid.as_str())
        .fetch_optional(db)
        .await?
        .map(|row| decode(&row))
        .transpose()
}

/// Loads the order and locks its row until the transaction ends, so two appliers (workers in
/// several processes, a return-page lookup) never both read the same state and overwrite each
/// other. The no-op write is the lock on both databases: a row lock on Postgres, the write lock
/// on SQLite (taken up front, so the transaction never has to upgrade a read lock).
pub async fn lock_by_number(
    conn: &mut AnyConnection,
    order_number: &str,
) -> Result<Option<Order>, sqlx::Error> {
    sqlx::query("UPDATE orders SET updated_at = updated_at WHERE order_number = $1")
        .bind(order_number)
        .execute(&mut *conn)
        .await?;
    find_by_number(&mut *conn, order_number).await
}

/// Takes the right to ask Points about this order now: `true` at most once per `interval`
/// across every process on the database, so a polling return page cannot hammer Points.
pub async fn claim_lookup(
    db: impl AnyExecutor<'_>,
    id: i64,
    now: &str,
    last_before: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE orders SET lookup_at = $1
         WHERE id = $2 AND (lookup_at IS NULL OR lookup_at <= $3)",
    )
    .bind(now)
    .bind(id)
    .bind(last_before)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores what [`crate::lifecycle::apply`] decided.
pub async fn save_lifecycle(
    db: impl AnyExecutor<'_>,
    id: i64,
    lifecycle: &Lifecycle,
    now: &str,
) -> Result<(), sqlx::Error> {
    let shipping = lifecycle.shipping.as_ref();
    let refunded = i64::try_from(lifecycle.refunded.halalas())
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "UPDATE orders
         SET points_uuid = $1, reference_number = $2, order_status = $3, cancel_reason = $4,
             updated_at = $5, shipping_status = $6, shipping_label = $7, shipping_at = $8,
             refunded_halalas = $9
         WHERE id = $10",
    )
    .bind(lifecycle.points_uuid.as_ref().map(OrderUuid::as_str))
    .bind(lifecycle.reference_number.as_deref())
    .bind(lifecycle.order_status.map(OrderStatus::as_str))
    .bind(lifecycle.cancel_reason.as_deref())
    .bind(now)
    .bind(shipping.and_then(|s| s.status).map(ShippingStatus::as_str))
    .bind(shipping.and_then(|s| s.label.as_deref()))
    // RFC 3339 with the event's full precision (Points sends microseconds): only compared
    // after parsing, never as text.
    .bind(
        shipping
            .and_then(|s| s.at)
            .and_then(|at| at.format(&Rfc3339).ok()),
    )
    .bind(refunded)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) fn decode(row: &AnyRow) -> Result<Order, sqlx::Error> {
    let corrupt = |column: &str, what: String| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: what.into(),
    };
    let order_number: String = row.try_get("order_number")?;
    let total: i64 = row.try_get("total_halalas")?;
    let points_uuid: Option<String> = row.try_get("points_uuid")?;
    let order_status: Option<String> = row.try_get("order_status")?;
    let shipping_status: Option<String> = row.try_get("shipping_status")?;
    let shipping_label: Option<String> = row.try_get("shipping_label")?;
    let shipping_at: Option<String> = row.try_get("shipping_at")?;
    let refunded: i64 = row.try_get("refunded_halalas")?;
    let shipping = match (shipping_status, shipping_label, shipping_at) {
        (None, None, None) => None,
        (status, label, at) => Some(Shipping {
            status: status
                .map(|s| {
                    ShippingStatus::parse(s.trim()).ok_or_else(|| corrupt("shipping_status", s))
                })
                .transpose()?,
            label,
            at: at
                .map(|t| OffsetDateTime::parse(&t, &Rfc3339).map_err(|_| corrupt("shipping_at", t)))
                .transpose()?,
        }),
    };
    Ok(Order {
        id: row.try_get("id")?,
        order_number: OrderNumber::parse(&order_number)
            .map_err(|e| corrupt("order_number", e.to_string()))?,
        total: Sar::from_halalas(
            u64::try_from(total).map_err(|e| corrupt("total_halalas", e.to_string()))?,
        ),
        currency: row.try_get("currency")?,
        lang: row.try_get("lang")?,
        items_json: row.try_get("items_json")?,
        checkout_url: row.try_get("checkout_url")?,
        lifecycle: Lifecycle {
            points_uuid: points_uuid
                .map(|u| OrderUuid::parse(&u).ok_or_else(|| corrupt("points_uuid", u)))
                .transpose()?,
            reference_number: row.try_get("reference_number")?,
            order_status: order_status
                .map(|s| OrderStatus::parse(&s).ok_or_else(|| corrupt("order_status", s)))
                .transpose()?,
            cancel_reason: row.try_get("cancel_reason")?,
            shipping,
            refunded: Sar::from_halalas(
                u64::try_from(refunded).map_err(|e| corrupt("refunded_halalas", e.to_string()))?,
            ),
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
