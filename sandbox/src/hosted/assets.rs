//! Static assets of the hosted pages, compiled in.

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

const ASSETS: [(&str, &str, &str); 4] = [
    (
        "checkout.css",
        "text/css; charset=utf-8",
        include_str!("assets/checkout.css"),
    ),
    ("coin.svg", "image/svg+xml", include_str!("assets/coin.svg")),
    (
        "check.svg",
        "image/svg+xml",
        include_str!("assets/check.svg"),
    ),
    (
        "clock.svg",
        "image/svg+xml",
        include_str!("assets/clock.svg"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
