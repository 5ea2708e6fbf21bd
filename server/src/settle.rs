//! Applying what Points said to a stored order: the one path shared by the inbox worker
//! (webhooks) and the return page's verified lookup, so both are monotonic and idempotent in
//! the same way (see [`crate::lifecycle::apply`]).

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
    let Some(local) = orders::lock_by_number(&mut *conn, order_number).await? else {
        return Ok(Some("unknown order".into()));
    };
    let transition = lifecycle::apply(&local.lifecycle, local.total, observed);
    if transition.next != local.lifecycle {
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
    Ok(transition.ignored.map(|why| format!("ignored: {why}")))
}
