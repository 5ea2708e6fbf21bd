//! What can go wrong talking to Points.

use std::time::Duration;

use crate::{ErrorEnvelope, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 400 with the auth message (missing, invalid or inactive key).
    #[error("Points rejected the API key: {0}")]
    Auth(String),
    /// 400 for a business rule (invalid transition, duplicate webhook URL, …).
    #[error("Points refused the request: {0}")]
    BadRequest(String),
    /// 403: merchant not verified, channel disabled or IP not allowed.
    #[error("Points forbade the request: {0}")]
    Forbidden(String),
    #[error("not found at Points: {0}")]
    NotFound(String),
    /// 422 with the field errors.
    #[error("Points rejected the data: {message}")]
    Validation {
        message: String,
        errors: FieldErrors,
    },
    /// 429 from the per-merchant lock.
    #[error("Points is busy with another request for this merchant")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx (or any other unexpected status), with `Retry-After` if Points sent one.
    #[error("Points failed with HTTP {status}: {message}")]
    Server {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("could not reach Points: {0}")]
    Network(String),
    /// The connection could not be opened: the request certainly never reached Points.
    #[error("could not connect to Points: {0}")]
    Connect(String),
    #[error("Points did not answer in time")]
    Timeout,
    #[error("unexpected answer from Points: {0}")]
    Decode(String),
    #[error("client configuration: {0}")]
    Config(String),
}

impl ClientError {
    pub(crate) fn from_transport(error: reqwest::Error) -> Self {
        // Never include the URL: for checkout it contains the public key, and reqwest's
        // Display would print it.
        let error = error.without_url();
        if error.is_timeout() {
            ClientError::Timeout
        } else if error.is_connect() {
            ClientError::Connect(error.to_string())
        } else {
            ClientError::Network(error.to_string())
        }
    }

    pub(crate) fn from_status(
        status: u16,
        body: ErrorEnvelope,
        retry_after: Option<Duration>,
    ) -> Self {
        let message = body.message.clone().unwrap_or_default();
        match status {
            400 if is_auth_message(&message) => ClientError::Auth(message),
            400 => ClientError::BadRequest(message),
            401 => ClientError::Auth(message),
            403 => ClientError::Forbidden(message),
            404 => ClientError::NotFound(message),
            422 => ClientError::Validation {
                message,
                errors: body.errors.unwrap_or_default(),
            },
            429 => ClientError::RateLimited { retry_after },
            _ => ClientError::Server {
                status,
                message,
                retry_after,
            },
        }
    }

    /// How long Points asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::RateLimited { retry_after } | ClientError::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether this is the 422 Points answers for a reused dedupe key (`order_number`,
    /// `review_reference`): "The order number has already been taken." (API.md §12).
    pub fn is_already_taken(&self, field: &str) -> bool {
        match self {
            ClientError::Validation { errors, .. } => errors
                .get(field)
                .is_some_and(|messages| messages.iter().any(|m| m.contains("already been taken"))),
            _ => false,
        }
    }

    /// Whether retrying could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::RateLimited { .. }
                | ClientError::Server { .. }
                | ClientError::Network(_)
                | ClientError::Connect(_)
                | ClientError::Timeout
        )
    }
}

fn is_auth_message(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("api key")
}
