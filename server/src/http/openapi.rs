//! `GET /openapi.json`: the OpenAPI 3.1 description of this server's own endpoints
//! (`server/openapi.json`, checked against the live router and real responses by the
//! `openapi` integration tests).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

/// The document, compiled in so the binary serves exactly what was tested.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_json() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("valid JSON");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
    }
}
