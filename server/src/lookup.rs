//! The return page's hint: `GET /api/orders/{order_number}?uuid=<Points order uuid>` passes on
//! the uuid Points appended to `callback_url` (API.md §12). While the order is still pending,
//! the server asks Points `GET /v1/orders/{uuid}` with the private key, at most once per
//! [`LOOKUP_INTERVAL`] per order, and applies the answer through [`crate::apply::verified_read`]
//! only if it is about *our* order (number, uuid, checkout type, total). A forged hint
//! therefore changes nothing.

use std::time::Duration;

use protocol::OrderUuid;
use protocol::client::{ClientError, GetOrder};

use crate::apply::{self, ReadOutcome};
use crate::db::orders::{self, Order};
use crate::db::{self, transitions};
use crate::{ApiError, AppState};

/// The least time between two lookups at Points for one order.
pub const LOOKUP_INTERVAL: Duration = Duration::from_secs(2);

/// Asks Points about the hinted uuid and applies a matching answer; `true` if it changed the
/// order.
/// A failing or refusing Points is logged and leaves the order as it is: the page polls again.
pub async fn check_hint(state: &AppState, order: &Order, hint: &str) -> Result<bool, ApiError> {
    let Some(uuid) = OrderUuid::parse(hint.trim()) else {
        return Ok(false);
    };
    if order
        .lifecycle
        .points_uuid
        .as_ref()
        .is_some_and(|known| *known != uuid)
    {
        return Ok(false);
    }
    let last_before = db::before_now(LOOKUP_INTERVAL);
    if !orders::claim_lookup(&*state.db, order.id, &db::now(), &last_before).await? {
        return Ok(false);
    }
    let resource = match state
        .metrics
        .call(&state.lookup, &GetOrder(uuid.clone()))
        .await
    {
        Ok(resource) => resource,
        Err(ClientError::NotFound(_)) => {
            tracing::warn!(order_number = %order.order_number, "uuid hint unknown at Points, ignored");
            return Ok(false);
        }
        Err(error) => {
            tracing::warn!(order_number = %order.order_number, %error, "uuid hint lookup failed");
            return Ok(false);
        }
    };
    match apply::verified_read(
        &state.db,
        order,
        &uuid,
        &resource,
        transitions::Source::Lookup,
    )
    .await?
    {
        ReadOutcome::Mismatch(why) => {
            tracing::warn!(
                order_number = %order.order_number,
                why,
                "uuid hint names another order at Points, ignored"
            );
            Ok(false)
        }
        ReadOutcome::Unchanged { note } => {
            if let Some(note) = note {
                tracing::info!(order_number = %order.order_number, note, "lookup had no effect");
            }
            Ok(false)
        }
        ReadOutcome::Applied(_) => Ok(true),
    }
}
