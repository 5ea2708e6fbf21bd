//! `Idempotency-Key` on `POST /api/checkout`: retries and double-clicks make one Points session.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::spawn_app;

fn cart(quantity: u32) -> Value {
    json!({"items":[{"sku":"oud-50","quantity":quantity}],"lang":"en"})
}

#[tokio::test]
async fn the_same_key_and_body_answer_the_same_order_without_a_second_session() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let first = app.post_checkout_with_key("key-1", &cart(1)).await;
    let second = app.post_checkout_with_key("key-1", &cart(1)).await;

    // Assert
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    let first: Value = first.json().await.expect("json");
    let second: Value = second.json().await.expect("json");
    assert_eq!(first, second);
    assert!(first["checkout_url"].is_string());
    assert_eq!(app.points.received().len(), 1);
    assert_eq!(app.count("orders").await, 1);
    let order_number = first["order_number"].as_str().expect("number");
    let sessions = &app.points.order(order_number).await["sessions"];
    assert_eq!(
        sessions.as_array().map(Vec::len),
        Some(1),
        "one Points session"
    );
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_409_with_a_reason() {
    let app = spawn_app().await;
    let first = app.post_checkout_with_key("key-2", &cart(1)).await;
    assert_eq!(first.status(), 200);

    let other = app.post_checkout_with_key("key-2", &cart(2)).await;

    assert_eq!(other.status(), 409);
    let body: Value = other.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("different request body")),
        "{body}"
    );
    assert_eq!(app.points.received().len(), 1);
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn different_keys_are_different_checkouts() {
    let app = spawn_app().await;

    let a: Value = app
        .post_checkout_with_key("key-a", &cart(1))
        .await
        .json()
        .await
        .expect("json");
    let b: Value = app
        .post_checkout_with_key("key-b", &cart(1))
        .await
        .json()
        .await
        .expect("json");

    assert_ne!(a["order_number"], b["order_number"]);
    assert_eq!(app.points.received().len(), 2);
}

#[tokio::test]
async fn a_concurrent_double_click_makes_one_points_call() {
    // Arrange: Points is slow, so the second click arrives while the first is in flight.
    let app = spawn_app().await;
    app.points.slow_checkout(400).await;

    // Act
    let body = cart(1);
    let (first, second) = tokio::join!(
        app.post_checkout_with_key("double-click", &body),
        app.post_checkout_with_key("double-click", &body),
    );

    // Assert
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    let first: Value = first.json().await.expect("json");
    let second: Value = second.json().await.expect("json");
    assert_eq!(first, second);
    assert_eq!(app.points.received().len(), 1);
    assert_eq!(app.count("orders").await, 1);
    let order_number = first["order_number"].as_str().expect("number");
    let sessions = &app.points.order(order_number).await["sessions"];
    assert_eq!(
        sessions.as_array().map(Vec::len),
        Some(1),
        "one Points session"
    );
}

#[tokio::test]
async fn a_retry_after_points_failed_reuses_the_same_order() {
    // Arrange: the first attempt fails at Points after the order was stored.
    let app = spawn_app().await;
    app.points.fail_checkouts(422, 1).await;
    let failed = app.post_checkout_with_key("retry-me", &cart(1)).await;
    assert_eq!(failed.status(), 502);
    let stored: String = sqlx::query("SELECT order_number FROM orders")
        .fetch_one(&app.db)
        .await
        .expect("the pending order")
        .get("order_number");

    // Act
    app.points.clear_faults().await;
    let retried = app.post_checkout_with_key("retry-me", &cart(1)).await;

    // Assert: the same order, now with a session; Points saw the same order number twice.
    assert_eq!(retried.status(), 200);
    let body: Value = retried.json().await.expect("json");
    assert_eq!(body["order_number"], stored.as_str());
    assert_eq!(app.count("orders").await, 1);
    let received = app.points.received();
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|r| r.body["order_number"] == stored.as_str())
    );
}

#[tokio::test]
async fn an_invalid_key_is_a_400_and_calls_nobody() {
    let app = spawn_app().await;

    let response = app.post_checkout_with_key("has spaces", &cart(1)).await;

    assert_eq!(response.status(), 400);
    assert!(app.points.received().is_empty());
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn a_key_whose_holder_died_is_taken_over_and_keeps_its_order() {
    // Arrange: a holder that created the order and died before answering (lock expired).
    let app = spawn_app().await;
    let first: Value = app
        .post_checkout_with_key("orphan", &cart(1))
        .await
        .json()
        .await
        .expect("json");
    sqlx::query(
        "UPDATE idempotency_keys SET response = NULL, locked_until = '2000-01-01T00:00:00.000Z'
         WHERE key = 'orphan'",
    )
    .execute(&app.db)
    .await
    .expect("simulate a dead holder");

    // Act
    let retried = app.post_checkout_with_key("orphan", &cart(1)).await;

    // Assert: the same order, a fresh session for it, still one order.
    assert_eq!(retried.status(), 200);
    let retried: Value = retried.json().await.expect("json");
    assert_eq!(retried["order_number"], first["order_number"]);
    assert_eq!(app.points.received().len(), 2);
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn a_key_held_by_a_live_request_is_not_taken_over() {
    // Arrange: a holder that is still working (lock in the future, no response yet).
    let app = spawn_app().await;
    app.post_checkout_with_key("busy", &cart(1)).await;
    sqlx::query(
        "UPDATE idempotency_keys SET response = NULL, locked_until = '2999-01-01T00:00:00.000Z'
         WHERE key = 'busy'",
    )
    .execute(&app.db)
    .await
    .expect("simulate a live holder");
    let body = cart(1);
    let waiter = app.post_checkout_with_key("busy", &body);
    // Let the waiter poll a little, then "finish" the holder's work.
    let finish = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query(
            "UPDATE idempotency_keys
             SET response = '{\"order_number\":\"PK-X\",\"checkout_url\":\"https://pay.example/x\"}',
                 locked_until = NULL
             WHERE key = 'busy'",
        )
        .execute(&app.db)
        .await
        .expect("complete the holder");
    };

    // Act
    let (response, ()) = tokio::join!(waiter, finish);

    // Assert: the waiter answered the holder's response and made no Points call of its own.
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["order_number"], "PK-X");
    assert_eq!(app.points.received().len(), 1);
}
