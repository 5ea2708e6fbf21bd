//! `/admin/…`: operations for support and on-call, behind `Authorization: Bearer <token>`
//! (`POINTS_ADMIN_TOKEN`). Without a configured token the routes do not exist at all (404),
//! so an unconfigured server has no admin surface to attack.
//!
//! - `GET /admin/orders/search?q=`: orders by `order_number`, `reference_number` or Points uuid
//! - `GET /admin/webhooks`, `POST /admin/webhooks/disable`, `POST /admin/webhooks/enable`
//! - `GET /admin/webhooks/unverified[?limit=]`: deliveries Points did not confirm
//! - `GET /admin/webhooks/held[?state=]`, `POST /admin/webhooks/held/retry`: rows held unapplied
//! - `GET /admin/orders/{order}` and `POST /admin/orders/{order}/refund|cancel|authorize|capture|complete|shipping`
//! - `GET /admin/selftest`, `GET /admin/selftest/inbox/{order_uuid}`: for `points preflight`
//! - `POST /admin/earnings`, `GET /admin/earnings[/{id}]`, `POST /admin/earnings/{id}/retry`
//! - `POST /admin/reconcile`, `GET /admin/reconcile/runs/latest`
//!
//! To add an operation: a module with `pub fn router() -> Router<AppState>`, merged in
//! [`router`]; the token check covers every route merged there.

pub mod earnings;
pub mod orders;
pub mod reconcile;
pub mod search;
pub mod selftest;
pub mod webhooks;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::db::audit;
use crate::{ApiError, AppState};

/// Every admin route, behind the token; no routes when no token is configured.
pub fn router(state: &AppState) -> Router<AppState> {
    if state.config.ops.admin_tokens().is_empty() {
        return Router::new();
    }
    Router::new()
        .merge(search::router())
        .merge(webhooks::router())
        .merge(orders::router())
        .merge(selftest::router())
        .merge(earnings::router())
        .merge(reconcile::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
}

/// 401 with `WWW-Authenticate: Bearer` unless the request carries an admin token; then the
/// request is served and recorded in the audit trail under the token's name.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    let name = presented
        .and_then(|p| state.config.ops.admin_token_name(p))
        .map(str::to_owned);
    let Some(name) = name else {
        // Never the header itself: a near-miss token is still a secret.
        tracing::warn!(path = %request.uri().path(), "admin request refused: missing or wrong token");
        let mut response = ApiError::Unauthorized.into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"points-kit admin\""),
        );
        return response;
    };
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let target = target_of(&route, request.uri().path());
    let response = next.run(request).await;
    let entry = audit::Entry {
        token: &name,
        method: &method,
        route: &route,
        target: target.as_deref(),
        status: response.status().as_u16(),
    };
    if let Err(error) = audit::record(&*state.db, &entry).await {
        // The operation has happened; losing its record is worth an error line.
        tracing::error!(%error, token = %name, %method, %route, "admin audit row not written");
    }
    response
}

/// The path segment that fills the route's first `{…}` parameter: the order, earning or row
/// the request is about.
fn target_of(route: &str, path: &str) -> Option<String> {
    route
        .split('/')
        .zip(path.split('/'))
        .find(|(template, _)| template.starts_with('{'))
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// The token of an `Authorization: Bearer <token>` value (the scheme is case-insensitive).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_routes_first_parameter() {
        assert_eq!(
            target_of(
                "/admin/orders/{order}/refund",
                "/admin/orders/PK-261201-7K3M9Q2X/refund"
            )
            .as_deref(),
            Some("PK-261201-7K3M9Q2X")
        );
        assert_eq!(target_of("/admin/webhooks", "/admin/webhooks"), None);
    }

    #[test]
    fn only_a_bearer_token_is_read() {
        let check = |header: &str, expect: Option<&str>| {
            assert_eq!(
                bearer(header.as_bytes()),
                expect.map(str::as_bytes),
                "{header:?}"
            );
        };
        check("Bearer abc", Some("abc"));
        check("bearer  abc ", Some("abc"));
        check("Basic abc", None);
        check("Bearer ", None);
        check("Bearer", None);
        check("abc", None);
    }
}
