//! `GET /api/orders/{order_number}`: what the return page polls. No personal data: the number
//! is the key, and it is unguessable (see [`crate::order_number`]).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{ApiError, AppState};
use crate::db::orders::{self, Order};
use crate::lifecycle::OrderState;

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
    pub currency: String,
    pub updated_at: String,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        OrderView {
            state: order.lifecycle.state(),
            order_status: order.lifecycle.order_status.map(|s| s.as_str()),
            points_uuid: order.lifecycle.points_uuid.map(|u| u.to_string()),
            reference_number: order.lifecycle.reference_number,
            total_price: order.total.to_string(),
            currency: order.currency,
            updated_at: order.updated_at,
            order_number: order.order_number.to_string(),
        }
    }
}

async fn get_order(
    State(state): State<AppState>,
    Path(order_number): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = orders::find_by_number(&state.db, &order_number)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(Json(order.into()))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/orders/{order_number}", get(get_order))
}
