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
    /// 400: a business rule refused the call (invalid transition, duplicate webhook URL).
    #[error("{0}")]
    Rule(String),
    /// 403: the merchant is not verified/published (API.md §12).
    #[error("Merchant is not verified or published")]
    MerchantNotVerified,
    /// 403: the merchant's earning channels are disabled (API.md §2).
    #[error("Merchant is not allowed to create earning orders")]
    EarningDisabled,
    /// 403: the IP allow-list does not include the caller (API.md §8.2).
    #[error("Your IP address is not allowed to access this API.")]
    IpNotAllowed,
    /// 404: unknown, or another merchant's.
    #[error("Order not found")]
    OrderNotFound,
    /// 404: unknown, or another merchant's.
    #[error("Webhook not found")]
    WebhookNotFound,
    /// 413: a body over `BODY_LIMIT`.
    #[error("Payload Too Large")]
    PayloadTooLarge,
    /// 429: the per-merchant earning lock is held by another call (API.md §2).
    #[error("Another earning request for this merchant is in progress. Please retry shortly.")]
    EarningLocked,
    /// 429: over the 30 calls per minute of `/v1/integration/status`.
    #[error("Too Many Attempts.")]
    TooManyAttempts,
    /// 422: Laravel's validation failure, keys in dot notation.
    #[error("The given data was invalid.")]
    Validation(FieldErrors),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingApiKey
            | ApiError::InvalidApiKey
            | ApiError::MalformedBody(_)
            | ApiError::Rule(_) => StatusCode::BAD_REQUEST,
            ApiError::MerchantNotVerified | ApiError::EarningDisabled | ApiError::IpNotAllowed => {
                StatusCode::FORBIDDEN
            }
            ApiError::OrderNotFound | ApiError::WebhookNotFound => StatusCode::NOT_FOUND,
            ApiError::EarningLocked | ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
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
