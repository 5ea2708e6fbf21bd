//! Applying what Points said to a stored order, the one way in: the inbox worker (webhooks),
//! the return page's hint lookup and reconciliation all come here, so every change is
//! monotonic and idempotent in the same way (see [`crate::lifecycle::apply`]) and recorded in
//! `order_transitions` with its source.
//!
//! A *verified read* (Points' `GET /v1/orders/{uuid}` answer, made with the private key) goes
//! through [`verified_read`], which first checks that the answer is about our order: our
//! order number, the uuid we asked for, a checkout (replacing) order and our total.

use protocol::{OrderResource, OrderStatus, OrderType, OrderUuid};
use sqlx::AnyConnection;

use crate::db::orders::Order;
use crate::db::{self, Pool, orders, transitions};
use crate::lifecycle::{self, Observation};

/// What a verified read did to the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Points' answer is not about our order (the reason); nothing was applied.
    Mismatch(String),
    /// The order already said what Points says, or Points' answer was stale; the note says why
    /// it was ignored, if it was.
    Unchanged { note: Option<String> },
    /// Stored a change.
    Applied(Applied),
}

/// Why `resource`, Points' answer for `uuid`, is not about `order`, if it is not.
pub fn mismatch(order: &Order, uuid: &OrderUuid, resource: &OrderResource) -> Option<String> {
    if resource.order_number != order.order_number {
        return Some(format!(
            "Points has order number {} for this uuid",
            resource.order_number
        ));
    }
    if resource.uuid != *uuid {
        return Some(format!(
            "Points answered for another uuid {}",
            resource.uuid
        ));
    }
    if resource.order_type != OrderType::Replacing {
        return Some("Points has an earning order, not a checkout, under this uuid".into());
    }
    if resource.total_price != order.total {
        return Some(format!(
            "Points total {} differs from ours {}",
            resource.total_price, order.total
        ));
    }
    None
}

/// Applies `resource`, Points' answer for `uuid` read with the private key, to `order` (as
/// the caller read it) when it is about that order. Most reads agree: the decision is made
/// on the row as read, and a transaction (under the row lock, where `apply` runs again on
/// the current state) is opened only when something would change.
pub async fn verified_read(
    pool: &Pool,
    order: &Order,
    uuid: &OrderUuid,
    resource: &OrderResource,
    source: transitions::Source,
) -> Result<ReadOutcome, sqlx::Error> {
    if let Some(why) = mismatch(order, uuid, resource) {
        return Ok(ReadOutcome::Mismatch(why));
    }
    let observed = Observation::from_resource(resource);
    let preview = lifecycle::apply(&order.lifecycle, order.total, &observed);
    if preview.next == order.lifecycle {
        return Ok(ReadOutcome::Unchanged {
            note: preview.ignored,
        });
    }
    let _turn = pool.write_turn().await;
    let mut tx = pool.begin().await?;
    let applied = apply_and_report(&mut tx, order.order_number.as_str(), &observed, source).await?;
    tx.commit().await?;
    Ok(if applied.changed {
        ReadOutcome::Applied(applied)
    } else {
        // Someone (a webhook) applied it between the caller's read and the lock.
        ReadOutcome::Unchanged { note: applied.note }
    })
}

/// Locks the order, applies `observed`, stores the result and records the change, all on
/// `conn` (a transaction the caller commits). Returns a note when it changed nothing (unknown
/// order, stale or mismatching observation).
pub async fn apply_to_order(
    conn: &mut AnyConnection,
    order_number: &str,
    observed: &Observation,
    source: transitions::Source,
) -> Result<Option<String>, sqlx::Error> {
    Ok(apply_and_report(conn, order_number, observed, source)
        .await?
        .note)
}

/// What [`apply_and_report`] did to the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The financial status before, as stored (`None`: no webhook yet), and after.
    pub from: Option<OrderStatus>,
    pub to: Option<OrderStatus>,
    /// Whether anything was stored (a new status, or only an identifier filled in).
    pub changed: bool,
    /// Why the observation was not (fully) applied, as [`apply_to_order`] reports it.
    pub note: Option<String>,
}

/// [`apply_to_order`], saying what changed: reconciliation reports each change it made.
pub async fn apply_and_report(
    conn: &mut AnyConnection,
    order_number: &str,
    observed: &Observation,
    source: transitions::Source,
) -> Result<Applied, sqlx::Error> {
    let Some(local) = orders::lock_by_number(&mut *conn, order_number).await? else {
        return Ok(Applied {
            from: None,
            to: None,
            changed: false,
            note: Some("unknown order".into()),
        });
    };
    let transition = lifecycle::apply(&local.lifecycle, local.total, observed);
    let changed = transition.next != local.lifecycle;
    if changed {
        let now = db::now();
        orders::save_lifecycle(&mut *conn, local.id, &transition.next, &now).await?;
        transitions::record(
            &mut *conn,
            &transitions::NewTransition {
                order_id: local.id,
                source,
                from: local.lifecycle.order_status,
                to: transition.next.order_status,
            },
            &now,
        )
        .await?;
        tracing::info!(
            order_number = %local.order_number,
            ?source,
            state = ?transition.next.state(),
            "order updated"
        );
    }
    Ok(Applied {
        from: local.lifecycle.order_status,
        to: transition.next.order_status,
        changed,
        note: transition.ignored.map(|why| format!("ignored: {why}")),
    })
}
