//! `x-api-key` authentication (API.md §2): failures are `400`, not `401`.

use axum::{extract::FromRequestParts, http::request::Parts};

use super::ApiError;
use crate::state::AppState;

/// The merchant whose private key the request carried (index into the store).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated {
    pub merchant: usize,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get("x-api-key")
            .ok_or(ApiError::MissingApiKey)?
            .to_str()
            .map_err(|_| ApiError::InvalidApiKey)?;
        if presented.is_empty() {
            return Err(ApiError::MissingApiKey);
        }
        state
            .store()
            .merchant_by_private_key(presented)
            .map(|merchant| Authenticated { merchant })
            .ok_or(ApiError::InvalidApiKey)
    }
}
