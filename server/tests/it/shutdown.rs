//! Graceful shutdown: a request in flight when the signal comes is finished and answered;
//! nothing new is accepted after.

use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{eventually, spawn_app};

#[tokio::test]
async fn a_checkout_in_flight_at_shutdown_is_finished_and_answered() {
    // Arrange: Points is slow, so the checkout is still waiting when the signal comes.
    let mut app = spawn_app().await;
    app.points.slow_checkout(800).await;
    let request = {
        let (http, address) = (app.http.clone(), app.address.clone());
        tokio::spawn(async move {
            http.post(format!("{address}/api/checkout"))
                .json(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
                .send()
                .await
        })
    };
    eventually("the checkout to reach Points", || async {
        (!app.points.received().is_empty()).then_some(())
    })
    .await;

    // Act
    app.shut_down().await;

    // Assert: the in-flight checkout completed, its session URL stored.
    let response = request.await.expect("task").expect("answered, not cut off");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let stored: Option<String> = sqlx::query("SELECT checkout_url FROM orders")
        .fetch_one(&app.db)
        .await
        .expect("the order")
        .get("checkout_url");
    assert_eq!(stored.as_deref(), body["checkout_url"].as_str());
    let after = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert!(after.is_err(), "no new connections after shutdown");
}
