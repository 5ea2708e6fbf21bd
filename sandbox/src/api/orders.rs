//! `GET /api/v1/orders/{orderUuid}` (API.md §3.3).

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    routing::get,
};
use protocol::{Envelope, OrderResource, OrderUuid};
use serde::Deserialize;

use super::{ApiError, auth::Authenticated};
use crate::{clock, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/orders/{order_uuid}", get(show))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(order_uuid): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Json<Envelope<OrderResource>>, ApiError> {
    let uuid = OrderUuid::parse(&order_uuid).ok_or(ApiError::OrderNotFound)?;
    let lang = crate::lang::negotiate(query.lang.as_deref(), &headers);
    let store = state.store();
    let order = store
        .order_of(auth.merchant, &uuid)
        .ok_or(ApiError::OrderNotFound)?;
    Ok(Json(Envelope::ok(order.resource(lang, clock::now()))))
}
