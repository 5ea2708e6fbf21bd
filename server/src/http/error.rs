//! The one error type of the HTTP layer. Each variant documents its status; 5xx bodies are
//! opaque and the cause is logged once, here.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Field errors in dot notation (`items.0.sku`), as Points itself reports them.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, mismatched headers).
    #[error("{0}")]
    BadRequest(String),
    /// 401: the webhook secret is missing or wrong. Says nothing more.
    #[error("unauthorized")]
    Unauthorized,
    /// 404.
    #[error("{0} not found")]
    NotFound(&'static str),
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
    /// 404 with the reason (an order Points has not named yet, or one Points does not know).
    #[error("{0}")]
    Missing(String),
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

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
}

impl ApiError {
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
                ApiError::Missing(format!("Points does not know this order: {message}"))
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
            ApiError::NotFound(_) | ApiError::Missing(_) => StatusCode::NOT_FOUND,
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Upstream(cause) => {
                tracing::error!(error = %cause, "Points call failed");
                "the payment service is unavailable, please try again".to_owned()
            }
            ApiError::Unconfirmed(cause) => {
                tracing::error!(error = %cause, "Points did not confirm an operation");
                "Points did not confirm the operation, which may still have taken effect: \
                 look at the order before trying again"
                    .to_owned()
            }
            ApiError::Database(cause) => {
                tracing::error!(error = %cause, "database failure");
                "internal error".to_owned()
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal failure");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let fields = match &self {
            ApiError::Validation { fields, .. } => Some(fields),
            _ => None,
        };
        let body = Body {
            error: &message,
            fields,
        };
        (status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::Validation {
                message: e.body_text(),
                fields: FieldErrors::new(),
            },
            JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            JsonRejection::BytesRejection(e) => e.into(),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    }
}
