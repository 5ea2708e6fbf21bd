//! Applying what Points said to a stored order: the one path shared by the inbox worker
//! (webhooks) and the return page's verified lookup, so both are monotonic and idempotent in
//! the same way (see [`crate::lifecycle::apply`]).

use protocol::OrderStatus;
use sqlx::AnyConnection;

use crate::db::{self, orders, transitions};
use crate::lifecycle::{self, Observation};

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
