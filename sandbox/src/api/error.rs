//! How the API fails: Points' envelopes with Points' status codes (API.md §2).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use protocol::{ErrorEnvelope, FieldErrors};

/// Every failure an API handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: no `x-api-key` header.
    #[error("API key is required")]
    MissingApiKey,
    /// 400: a key (private, or public on checkout) that matches no merchant.
    #[error("Invalid or inactive API key")]
    InvalidApiKey,
    /// 400: the body is not JSON, or not a JSON object.
    #[error("{0}")]
    MalformedBody(String),
    /// 403: the merchant is not verified/published (API.md §12).
    #[error("Merchant is not verified or published")]
    MerchantNotVerified,
    /// 404: unknown, or another merchant's.
    #[error("Order not found")]
    OrderNotFound,
    /// 422: Laravel's validation failure, keys in dot notation.
    #[error("The given data was invalid.")]
    Validation(FieldErrors),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingApiKey | ApiError::InvalidApiKey | ApiError::MalformedBody(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::MerchantNotVerified => StatusCode::FORBIDDEN,
            ApiError::OrderNotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A 422 with a single field error.
    pub fn field(key: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(key.to_owned(), vec![message.into()]);
        ApiError::Validation(errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            ApiError::Validation(errors) => ErrorEnvelope::validation(errors),
            other => ErrorEnvelope::new(other.to_string()),
        };
        (status, Json(body)).into_response()
    }
}
