//! Points failing every call the server makes, and losing, repeating, delaying and reordering
//! its webhooks: every flow still converges, and each order changes once.
//!
//! The sandbox injects, on the checkout call: 429s, 5xx and one hang past the client's
//! timeout; on the order lookup the return page's hint triggers: 429s, 5xx and hangs past the
//! lookup timeout; on deliveries: drops (never retried, so only the return page's verified
//! lookup can settle those orders), duplicates, delays and reorderings. The storefront retries
//! checkout with its `Idempotency-Key` and the return page polls, as the real ones do.

use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use sqlx::Row;

use super::{applied, count};
use crate::helpers::{Options, TestApp, WebhookSecretChoice, spawn_app_with};

const ORDERS: usize = 12;
const CHECKOUT: &str = "/api/v1/orders/checkout/{public_key}";
const LOOKUP: &str = "/api/v1/orders/{order_uuid}";

#[tokio::test]
async fn with_points_failing_every_call_each_order_still_settles_once() {
    // Arrange: Points delivers to the server; every call the server makes will meet faults.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    let api_faults = [
        // Met by the first shopper alone: more 500s than the server retries, so the storefront
        // gets a 502 and retries with the same key.
        json!({"route": CHECKOUT, "method": "POST", "fault": "status", "status": 500, "count": 3}),
        json!({"route": CHECKOUT, "method": "POST", "fault": "status", "status": 429, "count": 4}),
        json!({"route": CHECKOUT, "method": "POST", "fault": "status", "status": 500, "count": 3}),
        json!({"route": CHECKOUT, "method": "POST", "fault": "status", "status": 503, "count": 2}),
        // Past the server's 8 s per-attempt timeout: the call takes effect after the server
        // gave up on it, and its retry must not make a second order.
        json!({"route": CHECKOUT, "method": "POST", "fault": "hang", "ms": 9_000, "count": 1}),
        json!({"route": LOOKUP, "method": "GET", "fault": "status", "status": 429, "count": 3}),
        json!({"route": LOOKUP, "method": "GET", "fault": "status", "status": 500, "count": 3}),
        // Past the lookup's 3 s timeout.
        json!({"route": LOOKUP, "method": "GET", "fault": "hang", "ms": 4_000, "count": 2}),
    ];
    for fault in &api_faults {
        app.points
            .control(Method::POST, "/_sandbox/faults", fault)
            .await;
    }
    let delivery_faults = [
        json!({"fault": "drop", "count": 3}),
        json!({"fault": "duplicate", "count": 3}),
        json!({"fault": "delay", "ms": 300, "count": 2}),
        json!({"fault": "reorder", "count": 2}),
    ];
    for fault in &delivery_faults {
        app.points
            .control(Method::POST, "/_sandbox/webhook-faults", fault)
            .await;
    }

    // Act: each shopper checks out (retrying), pays, and lands on the return page (polling);
    // the first one alone, the others at once.
    let first = shop(&app).await;
    let shoppers = (1..ORDERS).map(|_| shop(&app));
    let mut orders: Vec<(String, usize)> = futures::future::join_all(shoppers).await;
    orders.push(first.clone());
    app.wait_for_inbox_drained().await;

    // Assert: every fault was met, yet each order is approved with exactly one change, and
    // Points holds exactly one order per order number.
    let pending = app
        .points
        .control(Method::GET, "/_sandbox/faults", &Value::Null)
        .await;
    assert_eq!(pending, json!([]), "every API fault was met");
    assert!(
        first.1 >= 2,
        "the first checkout failed past the server's retries and the storefront retried it"
    );
    assert!(
        app.points.received().len() >= ORDERS + 13,
        "Points saw every retry"
    );
    let numbers: Vec<String> = orders.into_iter().map(|(number, _)| number).collect();
    let applied = applied(&app.db).await;
    for number in &numbers {
        assert_eq!(
            applied.get(number),
            Some(&(Some("approved".to_owned()), 1)),
            "{number}"
        );
    }
    let at_points = app
        .points
        .control(Method::GET, "/_sandbox/orders", &Value::Null)
        .await;
    for number in &numbers {
        let copies = at_points
            .as_array()
            .expect("orders")
            .iter()
            .filter(|o| o["order_number"] == number.as_str())
            .count();
        assert_eq!(copies, 1, "one order at Points for {number}");
    }
    assert_eq!(
        count(&app.db, "orders").await,
        i64::try_from(ORDERS).expect("small")
    );
    let by_lookup = count(&app.db, "order_transitions WHERE source = 'lookup'").await;
    assert!(
        by_lookup >= 3,
        "the dropped webhooks' orders settled through lookups"
    );
    let webhook_rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox")
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get("n");
    assert!(
        webhook_rows <= i64::try_from(ORDERS).expect("small"),
        "duplicated deliveries stored once"
    );
}

/// One shopper: checkout until it succeeds (same key every time), approve on the hosted page,
/// then poll the return page with Points' uuid until the order is confirmed. Returns the order
/// number and how many checkout attempts it took.
async fn shop(app: &TestApp) -> (String, usize) {
    let key = uuid::Uuid::new_v4().to_string();
    let cart = json!({"items":[{"sku":"oud-50","quantity":1}]});
    let mut attempts = 0;
    let number = loop {
        attempts += 1;
        assert!(attempts <= 20, "checkout never succeeded");
        let response = app.post_checkout_with_key(&key, &cart).await;
        let status = response.status();
        if status == 200 {
            let body: Value = response.json().await.expect("json");
            break body["order_number"].as_str().expect("number").to_owned();
        }
        assert!(
            status == 502 || status == 503,
            "a failing Points is a 502/503 to the storefront, not {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    app.points.approve(&number).await;
    let uuid = app.points.uuid_of(&number).await;
    for _ in 0..120 {
        let body = app.get_order_with(&number, &format!("uuid={uuid}")).await;
        if body["state"] == "confirmed" {
            return (number, attempts);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("order {number} never settled");
}
