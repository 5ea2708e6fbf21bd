//! `GET /api/orders/{order_number}`: what the return page polls. No personal data: the number
//! is the key, and it is unguessable (see [`crate::order_number`]).
//!
//! `?uuid=<Points order uuid>` is a hint the return page may pass on from its own URL (Points
//! appends it to `callback_url`, API.md §12). While the order is still pending, the server asks
//! Points `GET /v1/orders/{uuid}` with the private key, at most once per [`LOOKUP_INTERVAL`] per
//! order, and applies the answer only if it is a checkout (replacing) order with *our* order
//! number. A forged hint therefore changes nothing. A `status` parameter is never read.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use protocol::client::{ClientError, GetOrder};
use protocol::{OrderType, OrderUuid};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::db::orders::{self, Order};
use crate::db::{self, transitions};
use crate::lifecycle::{self, Observation, OrderState};
use crate::settle;

/// The least time between two lookups at Points for one order.
pub const LOOKUP_INTERVAL: Duration = Duration::from_secs(2);

/// The response body.
#[derive(Debug, Serialize)]
pub struct OrderView {
    pub order_number: String,
    pub state: OrderState,
    /// Points' own `order_status`, `null` before the first webhook.
    pub order_status: Option<&'static str>,
    pub points_uuid: Option<String>,
    pub reference_number: Option<String>,
    /// A decimal string, `"150.75"`, never a float.
    pub total_price: String,
    /// How much of it Points has refunded (from the `refunded` webhooks), `"0.00"` if nothing.
    pub refunded_amount: String,
    /// Points' shipping status (`ready_shipping`, …), `null` before the first update.
    pub shipping_status: Option<&'static str>,
    /// The label Points resolved for it (a merchant's custom label when one is set).
    pub shipping_label: Option<String>,
    pub currency: String,
    pub updated_at: String,
}

/// The query string: only the hint. Anything else (`status`, …) is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    /// The Points order uuid from the return URL.
    pub uuid: Option<String>,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        let shipping = order.lifecycle.shipping.as_ref();
        OrderView {
            state: order.lifecycle.state(),
            order_status: order.lifecycle.order_status.map(|s| s.as_str()),
            points_uuid: order.lifecycle.points_uuid.map(|u| u.to_string()),
            reference_number: order.lifecycle.reference_number,
            total_price: order.total.to_string(),
            refunded_amount: order.lifecycle.refunded.to_string(),
            shipping_status: shipping
                .and_then(|s| s.status)
                .map(lifecycle::shipping_name),
            shipping_label: shipping.and_then(|s| s.label.clone()),
            currency: order.currency,
            updated_at: order.updated_at,
            order_number: order.order_number.to_string(),
        }
    }
}

async fn get_order(
    State(state): State<AppState>,
    Path(order_number): Path<String>,
    // An unreadable query string is no reason to hide the order: it just carries no hint.
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let mut order = orders::find_by_number(&*state.db, &order_number)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let hint = query.ok().and_then(|Query(q)| q.uuid);
    if let Some(hint) = hint
        && order.lifecycle.state() == OrderState::Pending
        && check_hint(&state, &order, &hint).await?
    {
        order = orders::find_by_number(&*state.db, &order_number)
            .await?
            .ok_or(ApiError::NotFound("order"))?;
    }
    Ok(Json(order.into()))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/orders/{order_number}", get(get_order))
}

/// Asks Points about the hinted uuid and applies a matching answer; `true` if it applied one.
/// A failing or refusing Points is logged and leaves the order as it is: the page polls again.
async fn check_hint(state: &AppState, order: &Order, hint: &str) -> Result<bool, ApiError> {
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
    if resource.order_number != order.order_number
        || resource.uuid != uuid
        || resource.order_type != OrderType::Replacing
    {
        tracing::warn!(
            order_number = %order.order_number,
            "uuid hint names another order at Points, ignored"
        );
        return Ok(false);
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.begin().await?;
    let note = settle::apply_to_order(
        &mut tx,
        order.order_number.as_str(),
        &Observation::from_resource(&resource),
        transitions::Source::Lookup,
    )
    .await?;
    tx.commit().await?;
    if let Some(note) = note {
        tracing::info!(order_number = %order.order_number, note, "lookup had no effect");
    }
    Ok(true)
}
