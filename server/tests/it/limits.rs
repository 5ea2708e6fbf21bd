//! The public endpoints' limits (`server/src/http/limits.rs`): a client over its rate gets 429
//! with `Retry-After` and writes nothing; other clients, webhook intake and `/healthz` are not
//! affected; with the public requests' turns all taken, a webhook is still stored at once.

use std::time::Duration;

use serde_json::{Value, json};
use server::config::LimitsConfig;

use crate::helpers::{Options, TestApp, order_event, spawn_app_with};

fn cart() -> Value {
    json!({"items":[{"sku":"oud-50","quantity":1}]})
}

async fn checkout_from(app: &TestApp, client: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/checkout", app.address))
        .header("x-forwarded-for", format!("198.51.100.7, {client}"))
        .json(&cart())
        .send()
        .await
        .expect("checkout request")
}

async fn limited_count(app: &TestApp, route: &str, limit: &str) -> f64 {
    let text = app.metrics().await;
    let wanted = format!("pointskit_rate_limited_total{{route=\"{route}\",limit=\"{limit}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&wanted))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {wanted} in {text}"))
}

#[tokio::test]
async fn a_client_over_its_checkout_rate_gets_429_and_writes_nothing() {
    let app = spawn_app_with(Options {
        limits: Some(LimitsConfig {
            // A burst of 2 (a quarter of a minute's 8), then one every 7.5 s.
            checkout_per_ip_per_minute: 8,
            client_ip_header: Some("x-forwarded-for".into()),
            ..LimitsConfig::default()
        }),
        ..Options::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(checkout_from(&app, "203.0.113.1").await.status(), 200);
    }
    let refused = checkout_from(&app, "203.0.113.1").await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=8).contains(&retry_after), "Retry-After {retry_after}");
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("too many")),
        "{body}"
    );
    assert_eq!(
        app.count("orders").await,
        2,
        "the refused checkout wrote nothing"
    );
    assert_eq!(app.count("idempotency_keys").await, 0);

    // Another address (the right-most of the proxy's header) has its own allowance; the
    // spoofable left part of the header is not what counts.
    assert_eq!(checkout_from(&app, "203.0.113.2").await.status(), 200);
    // Intake and health are never limited.
    let order_number = app.checkout_one_oud().await;
    let approved = order_event(
        "approved",
        &order_number,
        &crate::helpers::new_uuid(),
        "approved",
    );
    assert_eq!(app.deliver(&approved).await.status(), 200);
    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    assert_eq!(limited_count(&app, "checkout", "per_ip").await, 1.0);
}

#[tokio::test]
async fn the_status_endpoint_is_limited_per_client() {
    let app = spawn_app_with(Options {
        limits: Some(LimitsConfig {
            status_per_ip_per_minute: 4,
            ..LimitsConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    assert_eq!(app.get_order(&order_number).await.status(), 200);
    let refused = app.get_order(&order_number).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Guessing order numbers costs a 429 as much as a real one.
    let guess = app.get_order("PK-000000-00000000").await;
    assert_eq!(guess.status(), 429);
    assert_eq!(limited_count(&app, "status", "per_ip").await, 2.0);
}

#[tokio::test]
async fn with_every_public_turn_taken_a_webhook_is_still_stored_at_once() {
    let app = spawn_app_with(Options {
        limits: Some(LimitsConfig {
            public_in_flight: 1,
            ..LimitsConfig::unlimited()
        }),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    // The next checkout holds the only public turn: Points takes 6 s to answer it.
    app.points.slow_checkout(6_000).await;
    let held = {
        let http = app.http.clone();
        let url = format!("{}/api/checkout", app.address);
        tokio::spawn(async move { http.post(url).json(&cart()).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Another public request waits its 2 s for a turn, then is told to come back.
    let busy = app.post_checkout(&cart()).await;
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.headers()["retry-after"], "1");
    // A webhook meanwhile: stored and answered while the turn is still taken, so it never
    // waited for one.
    let approved = order_event(
        "approved",
        &order_number,
        &crate::helpers::new_uuid(),
        "approved",
    );
    assert_eq!(app.deliver(&approved).await.status(), 200);
    assert!(
        !held.is_finished(),
        "the held checkout still has the only public turn"
    );
    assert_eq!(app.inbox_count().await, 1);
    assert_eq!(held.await.expect("task").expect("answer").status(), 200);
    assert_eq!(limited_count(&app, "public", "in_flight").await, 1.0);
}
