//! `GET /admin/orders/search?q=`: what support asks first, "where is this order?". `q` is an
//! `order_number` (`PK-…`), a Points `reference_number` or a Points order uuid; the answer
//! holds every matching order with its recorded history. Read-only, local database only: it
//! never calls Points, so a support search cannot disturb anything.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::orders::Order;
use crate::db::search::{self, TransitionRow};
use crate::http::orders::OrderView;
use crate::http::{ApiError, AppState};

/// The longest `q` accepted.
pub const MAX_QUERY_LEN: usize = 100;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

#[derive(Debug, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub orders: Vec<SupportOrder>,
}

/// An order as support sees it: what the storefront sees, plus the cart, the cancel reason and
/// every change with its source.
#[derive(Debug, Serialize)]
pub struct SupportOrder {
    #[serde(flatten)]
    pub view: OrderView,
    pub cancel_reason: Option<String>,
    pub lang: String,
    pub items: Value,
    pub checkout_url: Option<String>,
    pub created_at: String,
    pub transitions: Vec<TransitionRow>,
}

async fn search_orders(
    State(state): State<AppState>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<SearchResult>, ApiError> {
    let Query(SearchQuery { q }) =
        query.map_err(|e| ApiError::field("q", format!("The query string is invalid: {e}")))?;
    Ok(Json(find(&state, &q).await?))
}

/// The search itself, shared with `points-server orders search`: 422 for a missing, blank or
/// over-long `q`.
pub async fn find(state: &AppState, q: &str) -> Result<SearchResult, ApiError> {
    let q = q.trim().to_owned();
    if q.is_empty() {
        return Err(ApiError::field("q", "The q field is required."));
    }
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(ApiError::field(
            "q",
            format!("The q field may not be greater than {MAX_QUERY_LEN} characters."),
        ));
    }
    let found = search::orders_matching(&*state.db, &q).await?;
    let mut orders = Vec::with_capacity(found.len());
    for order in found {
        orders.push(with_history(state, order).await?);
    }
    tracing::info!(matches = orders.len(), "admin: order search");
    Ok(SearchResult { query: q, orders })
}

/// `order` as support sees it, with its recorded history.
pub async fn with_history(state: &AppState, order: Order) -> Result<SupportOrder, ApiError> {
    let transitions = search::transitions_of(&*state.db, order.id).await?;
    Ok(support_order(order, transitions))
}

fn support_order(order: Order, transitions: Vec<TransitionRow>) -> SupportOrder {
    let items = serde_json::from_str(&order.items_json).unwrap_or(Value::Null);
    SupportOrder {
        cancel_reason: order.lifecycle.cancel_reason.clone(),
        lang: order.lang.clone(),
        items,
        checkout_url: order.checkout_url.clone(),
        created_at: order.created_at.clone(),
        transitions,
        view: order.into(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/orders/search", get(search_orders))
}
