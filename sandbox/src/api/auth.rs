//! `x-api-key` authentication (API.md §2): failures are `400`, not `401`.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

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
        let store = state.store();
        let merchant = store
            .merchant_by_private_key(presented)
            .ok_or(ApiError::InvalidApiKey)?;
        // Checked after the key (API.md §8.2). Without a peer address (a router driven
        // in-process) a configured allow-list lets nothing through.
        if let Some(allowed) = &store.merchants[merchant].ip_allow_list {
            let peer = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip());
            if !peer.is_some_and(|ip| allowed.contains(&ip)) {
                return Err(ApiError::IpNotAllowed);
            }
        }
        Ok(Authenticated { merchant })
    }
}

impl Authenticated {
    /// `403` unless the merchant is verified/published (earning and webhook writes).
    pub fn require_verified(self, state: &AppState) -> Result<Self, ApiError> {
        if state.store().merchants[self.merchant].verified {
            Ok(self)
        } else {
            Err(ApiError::MerchantNotVerified)
        }
    }
}
