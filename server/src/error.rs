//! The core's one error type. Each variant documents the HTTP status the `http` adapter answers
//! with (the `points-server` commands print it and exit non-zero); 5xx bodies are opaque and
//! their cause is logged once, by the adapter.

use std::collections::BTreeMap;

use axum::http::StatusCode;
pub use protocol::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, mismatched headers).
    #[error("{0}")]
    BadRequest(String),
    /// 401: the webhook secret is missing or wrong. Says nothing more.
    #[error("unauthorized")]
    Unauthorized,
    /// 404, saying what is missing and, where it helps, why (an order Points has not named
    /// yet, or one Points does not know). [`ApiError::not_found`] words the plain case.
    #[error("{0}")]
    NotFound(String),
    /// 409: the request conflicts with an earlier one (an `Idempotency-Key` reused with
    /// another body, or still in progress); the text says which.
    #[error("{0}")]
    Conflict(String),
    /// 413: over the body limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415: not JSON.
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// 422: the request is well-formed but invalid; `fields` says where.
    #[error("{message}")]
    Validation {
        message: String,
        fields: FieldErrors,
    },
    /// 502: Points failed or refused; the body does not say how.
    #[error("the Points service failed: {0}")]
    Upstream(#[from] protocol::client::ClientError),
    /// 502: an operation on an order (refund, cancel, …) got no verdict from Points (5xx, 429
    /// after the retries, no answer). It may still have taken effect, so the body says to look
    /// at the order before trying again.
    #[error("Points did not confirm the operation: {0}")]
    Unconfirmed(protocol::client::ClientError),
    /// 500: the database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// 500: any other failure of ours; the text is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
    /// 408: the body did not arrive in time (a trickling client holds a connection).
    #[error("request body not received in time")]
    RequestTimeout,
}

impl ApiError {
    /// A 404 for a missing `what` ("order not found").
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// A 422 with one field error.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Validation {
            fields: BTreeMap::from([(field.into(), vec![message.clone()])]),
            message,
        }
    }

    /// A 422 from collected field errors; the message names the first, as Points' does.
    pub fn fields(fields: FieldErrors) -> Self {
        let message = fields
            .values()
            .flat_map(|messages| messages.first())
            .next()
            .cloned()
            .unwrap_or_else(|| "The given data was invalid.".to_owned());
        ApiError::Validation { message, fields }
    }

    /// What an operation on an order answers when Points does not do it: Points' own verdict
    /// for 400 (a rule, such as an invalid transition), 404 and 422 (with its field messages),
    /// so support sees why; a key Points rejects or a 403 is our configuration (502, opaque);
    /// anything else (5xx, 429 after the retries, no answer) is [`ApiError::Unconfirmed`].
    pub fn from_points_verdict(error: protocol::client::ClientError) -> Self {
        use protocol::client::ClientError;
        match error {
            ClientError::BadRequest(message) => {
                ApiError::BadRequest(format!("Points refused: {message}"))
            }
            ClientError::NotFound(message) => {
                ApiError::NotFound(format!("Points does not know this order: {message}"))
            }
            ClientError::Validation { message, errors } => ApiError::Validation {
                message: format!("Points rejected the data: {message}"),
                fields: errors,
            },
            error @ (ClientError::Auth(_) | ClientError::Forbidden(_) | ClientError::Config(_)) => {
                ApiError::Upstream(error)
            }
            other => ApiError::Unconfirmed(other),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Upstream(_) | ApiError::Unconfirmed(_) => StatusCode::BAD_GATEWAY,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        }
    }
}
