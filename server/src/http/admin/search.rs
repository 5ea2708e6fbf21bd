//! `GET /admin/orders/search?q=`: what support asks first, "where is this order?". `q` is an
//! `order_number` (`PK-…`), a Points `reference_number` or a Points order uuid; the answer
//! holds every matching order with its recorded history (see [`crate::support::find`]).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::support;
use crate::views::SearchResult;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

async fn search_orders(
    State(state): State<AppState>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<SearchResult>, ApiError> {
    let Query(SearchQuery { q }) =
        query.map_err(|e| ApiError::field("q", format!("The query string is invalid: {e}")))?;
    Ok(Json(support::find(&state, &q).await?))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/orders/search", get(search_orders))
}
