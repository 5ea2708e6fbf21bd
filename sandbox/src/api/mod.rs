//! The merchant API under `/api/v1` (API.md §3), one module per endpoint group.

mod auth;
mod checkout;
mod error;
mod orders;
mod rules;
mod validate;

use axum::Router;

use crate::state::AppState;

pub use error::ApiError;

/// Every `/api/v1/…` route of this slice.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(checkout::router())
        .merge(orders::router())
}
