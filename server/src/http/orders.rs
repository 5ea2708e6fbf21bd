//! `GET /api/orders/{order_number}`: what the return page polls. No personal data: the number
//! is the key, and it is unguessable (see [`crate::order_number`]).
//!
//! `?uuid=<Points order uuid>` is a hint the return page may pass on from its own URL, which
//! the server verifies with Points before applying anything (see [`crate::lookup`]). A
//! `status` parameter is never read.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::db::orders;
use crate::lifecycle::OrderState;
use crate::lookup::check_hint;
use crate::views::OrderView;
use crate::{ApiError, AppState};

/// The query string: only the hint. Anything else (`status`, …) is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    /// The Points order uuid from the return URL.
    pub uuid: Option<String>,
}

async fn get_order(
    State(state): State<AppState>,
    Path(order_number): Path<String>,
    // An unreadable query string is no reason to hide the order: it just carries no hint.
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let mut order = orders::find_by_number(&*state.db, &order_number)
        .await?
        .ok_or_else(|| ApiError::not_found("order"))?;
    let hint = query.ok().and_then(|Query(q)| q.uuid);
    if let Some(hint) = hint
        && order.lifecycle.state() == OrderState::Pending
        && check_hint(&state, &order, &hint).await?
    {
        order = orders::find_by_number(&*state.db, &order_number)
            .await?
            .ok_or_else(|| ApiError::not_found("order"))?;
    }
    Ok(Json(order.into()))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/orders/{order_number}", get(get_order))
}
