//! The sandbox's request parsing, through its real router: any method, path, query, headers
//! and body, with or without the demo merchant's private key. The sandbox must answer every one
//! (a 4xx for what it refuses) and never fail with a 5xx or a panic.
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn router() -> &'static axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        sandbox::Sandbox::new(sandbox::SandboxConfig::demo("http://127.0.0.1:1".into())).router()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // First line: the path and query; the rest: the body.
    let (target, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    let method = METHODS[usize::from(selector) % METHODS.len()].clone();
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/{}", target.trim_start_matches('/')));
    if selector & 0x10 != 0 {
        request = request.header("x-api-key", "sk_sandbox_demo");
    }
    if selector & 0x20 != 0 {
        request = request.header("content-type", "application/json");
    }
    if selector & 0x40 != 0 {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let Ok(mut request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    // What `sandbox::serve` gives every request: the peer, for the IP allow-list.
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let response = runtime()
        .block_on(router().clone().oneshot(request))
        .expect("the router is infallible");
    assert!(
        !response.status().is_server_error(),
        "a {} for {target:?}",
        response.status()
    );
});
