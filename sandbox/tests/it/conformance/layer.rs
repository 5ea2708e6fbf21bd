//! The one place every API response of the suite is checked: a middleware around the router
//! `spawn_sandbox()` serves. It buffers each `/api/…` answer, validates it against the spec and
//! passes it on unchanged; what does not conform is kept in [`Checked`] for the test to fail on.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    middleware::{self, Next},
    response::Response,
};
use serde_json::Value;

/// What the checker saw on one sandbox.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    inner: Arc<Mutex<Log>>,
}

#[derive(Debug, Default)]
struct Log {
    validated: usize,
    violations: Vec<String>,
}

impl Checked {
    /// How many API responses were validated so far.
    pub fn validated(&self) -> usize {
        self.log().validated
    }

    /// Every mismatch so far, each naming the call and the validator's complaint.
    pub fn violations(&self) -> Vec<String> {
        self.log().violations.clone()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `router` with every `/api/…` response validated into `checked`.
pub fn wrap(router: Router, checked: Checked) -> Router {
    router.layer(middleware::from_fn_with_state(checked, check))
}

async fn check(State(checked): State<Checked>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let Some(concrete) = path.strip_prefix("/api") else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            checked
                .log()
                .violations
                .push(format!("{method} {path}: unreadable body: {err}"));
            return Response::from_parts(parts, Body::empty());
        }
    };
    let status = parts.status.as_u16();
    let problems = match serde_json::from_slice::<Value>(&bytes) {
        Ok(body) => super::violations(&method, concrete, status, &body),
        Err(_) => vec![format!(
            "{method} {path} → {status}: not JSON: {}",
            String::from_utf8_lossy(&bytes)
        )],
    };
    {
        let mut log = checked.log();
        log.validated += 1;
        log.violations.extend(problems);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The checker is not a rubber stamp: an off-schema order and a non-JSON answer are caught,
/// a conforming one is not, and pages outside `/api` are left alone.
#[tokio::test]
async fn the_checker_catches_off_schema_answers() {
    use axum::{Json, routing::get};
    use serde_json::json;
    use tower::ServiceExt;

    let uuid = "550e8400-e29b-41d4-a716-446655440000";
    let router = Router::new()
        .route(
            "/api/v1/orders/{id}",
            get(|| async {
                Json(json!({ "status": true, "message": "", "appended_data": {},
                             "data": { "id": "forty-two", "order_status": "lost" } }))
            }),
        )
        .route("/api/v1/webhooks", get(|| async { "plain text" }))
        .route(
            "/api/v1/webhooks/{id}",
            get(|| async {
                (
                    axum::http::StatusCode::NOT_FOUND,
                    Json(json!({ "status": false, "message": "Webhook not found",
                                 "appended_data": {} })),
                )
            }),
        )
        .route("/checkout/x", get(|| async { "<html>" }));
    let checked = Checked::default();
    let app = wrap(router, checked.clone());
    for path in [
        format!("/api/v1/orders/{uuid}"),
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{uuid}"),
        "/checkout/x".to_owned(),
    ] {
        let request = Request::get(path).body(Body::empty()).expect("request");
        app.clone().oneshot(request).await.expect("response");
    }
    assert_eq!(
        checked.validated(),
        3,
        "pages outside /api are not API responses"
    );
    let violations = checked.violations();
    assert!(
        violations
            .iter()
            .any(|v| v.contains("/v1/orders/") && v.contains("forty-two")),
        "{violations:#?}"
    );
    assert!(
        violations.iter().any(|v| v.contains("not JSON")),
        "{violations:#?}"
    );
    assert!(
        !violations.iter().any(|v| v.contains("/v1/webhooks/")),
        "the conforming 404 passes: {violations:#?}"
    );
}
