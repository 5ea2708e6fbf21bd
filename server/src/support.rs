//! Support's read-only lookups: "where is this order?" by any number it may be known by, with
//! its history. Local database only: a support search never calls Points, so it cannot
//! disturb anything. Shared by `/admin/orders/…` and `points-server orders …`.

use crate::db::orders::Order;
use crate::db::search;
use crate::views::{SearchResult, SupportOrder};
use crate::{ApiError, AppState};

/// The longest `q` accepted.
pub const MAX_QUERY_LEN: usize = 100;

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
    Ok(SupportOrder::new(order, transitions))
}
