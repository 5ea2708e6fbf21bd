//! How the core's [`ApiError`] answers over HTTP: the status its variant documents and a JSON
//! body `{"error": …, "fields": …}`; a 5xx says nothing about its cause, which is logged here,
//! once. Also axum's own rejections (malformed JSON, body too large) as `ApiError`s.

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, FieldErrors};

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
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
