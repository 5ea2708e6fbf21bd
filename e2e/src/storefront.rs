//! The demo storefront: static pages from `www/`, the widget from `dist/widget/` under
//! `/widget/`, and the merchant server's routes on the same origin.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A strict policy: no inline script or style anywhere, so the e2e suites prove the widget
/// needs no `unsafe-inline`. `wasm-unsafe-eval` is what compiling WebAssembly requires.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     frame-ancestors 'none'; object-src 'none'";

pub fn router(server: Router, widget_dir: &Path, www_dir: &Path) -> Router {
    let static_files = Router::new()
        .nest_service("/widget", ServeDir::new(widget_dir))
        .fallback_service(ServeDir::new(www_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    server.merge(static_files)
}
