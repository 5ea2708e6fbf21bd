//! The retry policy against injected faults: reads retry through 5xx and timeouts, 429 is
//! always retried, a refund is never blindly repeated, and attempts stop at the limit. Plus
//! which credentials go where, seen by a recording endpoint.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use protocol::client::{
    Capture, ClientConfig, ClientError, CreateCheckout, GetOrder, PointsClient, Refund,
};
use protocol::{ApiKey, OrderStatus, OrderUuid, Sar};
use serde_json::json;

use crate::helpers::{checkout_request, fast_retries, spawn_points};

const ORDER_ROUTE: &str = "/api/v1/orders/{order_uuid}";

#[tokio::test]
async fn reads_retry_through_server_errors() {
    let points = spawn_points().await;
    let uuid = points.checkout("RT-1", Sar::from_halalas(1000)).await;
    points.fail_next("GET", ORDER_ROUTE, 500, 2).await;

    let order = points
        .client()
        .send(&GetOrder(uuid))
        .await
        .expect("third attempt");

    assert_eq!(order.order_number.as_str(), "RT-1");
    assert_eq!(points.faults_left().await, 0, "both faults were met");
}

#[tokio::test]
async fn attempts_stop_at_the_limit() {
    let points = spawn_points().await;
    let uuid = points.checkout("RT-2", Sar::from_halalas(1000)).await;
    points.fail_next("GET", ORDER_ROUTE, 503, 10).await;

    let error = points
        .client()
        .with_retry(fast_retries(2))
        .send(&GetOrder(uuid))
        .await
        .expect_err("still failing");

    assert!(
        matches!(error, ClientError::Server { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(points.faults_left().await, 7, "one attempt and two retries");
}

#[tokio::test]
async fn a_refund_is_not_repeated_after_a_server_error() {
    let points = spawn_points().await;
    let uuid = points
        .approved_checkout("RT-3", Sar::from_halalas(1000))
        .await;
    points
        .fail_next("POST", "/api/v1/orders/{order_uuid}/refund", 500, 2)
        .await;

    let error = points
        .client()
        .send(&Refund::full(uuid))
        .await
        .expect_err("the 500 is returned, not retried");

    assert!(
        matches!(error, ClientError::Server { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(points.faults_left().await, 1, "exactly one attempt");
    assert_eq!(
        points.order("RT-3").await.expect("order")["order_status"],
        "approved"
    );
}

#[tokio::test]
async fn a_429_is_retried_even_for_a_transition() {
    let points = spawn_points().await;
    let uuid = points.checkout("RT-4", Sar::from_halalas(1000)).await;
    let client = points.client();
    client
        .send(&protocol::client::Authorize(uuid.clone()))
        .await
        .expect("authorize");
    points
        .fail_next("POST", "/api/v1/orders/{order_uuid}/capture", 429, 2)
        .await;

    let captured = client
        .send(&Capture(uuid))
        .await
        .expect("captured after the lock");

    assert_eq!(captured.order_status, OrderStatus::Captured);
    assert_eq!(points.faults_left().await, 0);
}

#[tokio::test]
async fn a_read_that_times_out_is_retried() {
    let points = spawn_points().await;
    let uuid = points.checkout("RT-5", Sar::from_halalas(1000)).await;
    points
        .control(
            reqwest::Method::POST,
            "/_sandbox/faults",
            json!({"route": ORDER_ROUTE, "method": "GET", "fault": "hang", "ms": 2000, "count": 1}),
        )
        .await;

    let order = points
        .client()
        .with_timeout(Duration::from_millis(300))
        .send(&GetOrder(uuid))
        .await
        .expect("the retry answers");

    assert_eq!(order.order_number.as_str(), "RT-5");
}

#[tokio::test]
async fn an_unreachable_points_is_a_connect_error_after_the_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = listener.local_addr().expect("addr");
    drop(listener);
    let client = client_at(&format!("http://{closed}/api"));
    let uuid = OrderUuid::parse(&uuid::Uuid::new_v4().to_string()).expect("uuid");

    let error = client
        .send(&GetOrder(uuid))
        .await
        .expect_err("nobody listens");

    assert!(matches!(error, ClientError::Connect(_)), "{error:?}");
    assert!(!error.to_string().contains("sk_"), "no key in the message");
}

/// What reached the recording endpoint.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    api_key: Option<String>,
}

#[tokio::test]
async fn checkout_carries_only_the_public_key_and_everything_else_only_the_private_key() {
    // Arrange: an endpoint that records each request and answers a Points error.
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let record = {
        let seen = seen.clone();
        move |uri: axum::http::Uri, headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                seen.lock().expect("lock").push(Seen {
                    path: uri.path().to_owned(),
                    api_key: headers
                        .get("x-api-key")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                });
                (
                    axum::http::StatusCode::NOT_FOUND,
                    axum::Json(
                        json!({"status": false, "message": "Not found", "appended_data": {}}),
                    ),
                )
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/api", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(record)).await });
    let client = client_at(&base);

    // Act
    let _ = client
        .send(&CreateCheckout(checkout_request(
            "AU-1",
            Sar::from_halalas(100),
        )))
        .await;
    let uuid = OrderUuid::parse("550e8400-e29b-41d4-a716-446655440000").expect("uuid");
    let _ = client.send(&GetOrder(uuid)).await;

    // Assert
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "404s are not retried: {seen:?}");
    assert_eq!(seen[0].path, "/api/v1/orders/checkout/pk_recorded");
    assert_eq!(seen[0].api_key, None, "never the private key on checkout");
    assert_eq!(
        seen[1].path,
        "/api/v1/orders/550e8400-e29b-41d4-a716-446655440000"
    );
    assert_eq!(seen[1].api_key.as_deref(), Some("sk_recorded"));
}

fn client_at(base_url: &str) -> PointsClient {
    PointsClient::new(ClientConfig {
        base_url: base_url.to_owned(),
        public_key: "pk_recorded".into(),
        private_key: ApiKey::new("sk_recorded"),
        timeout: Duration::from_secs(2),
        https_only: false,
        retry: fast_retries(2),
    })
    .expect("client")
}
