//! `GET /api/orders/{order_number}?uuid=…`: the return page's hint, verified at Points.

use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::helpers::{PRIVATE_KEY, TestApp, new_uuid, order_event, order_resource, spawn_app};

/// The order number of a fresh checkout and the uuid Points gave it.
async fn pending_order(app: &TestApp) -> (String, String) {
    (app.checkout_one_oud().await, new_uuid())
}

#[tokio::test]
async fn a_hint_before_the_webhook_confirms_through_a_private_key_lookup() {
    // Arrange: Points has approved the order; no webhook has arrived.
    let app = spawn_app().await;
    let (order_number, uuid) = pending_order(&app).await;
    app.points
        .put_order(order_resource(&uuid, &order_number, "approved", 2));

    // Act
    let body = app
        .get_order_with(&order_number, &format!("uuid={uuid}&status=approved"))
        .await;

    // Assert
    assert_eq!(body["state"], "confirmed", "{body}");
    assert_eq!(body["points_uuid"], uuid.as_str());
    let lookups = app.points.lookups();
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0].uuid, uuid);
    assert_eq!(lookups[0].api_key_header.as_deref(), Some(PRIVATE_KEY));
    let source: String = sqlx::query("SELECT source FROM order_transitions")
        .fetch_one(&app.db)
        .await
        .expect("transition")
        .get("source");
    assert_eq!(source, "lookup");
}

#[tokio::test]
async fn a_forged_hint_changes_nothing() {
    let app = spawn_app().await;
    let (other_number, _) = pending_order(&app).await;
    let cases = [
        "unknown at Points",
        "another order's uuid",
        "an earning order",
        "not a uuid",
    ];
    for what in cases {
        // Arrange: a fresh order per case, so the lookup rate limit does not interfere.
        let (order_number, uuid) = pending_order(&app).await;
        match what {
            "another order's uuid" => {
                app.points
                    .put_order(order_resource(&uuid, &other_number, "approved", 2))
            }
            "an earning order" => {
                app.points
                    .put_order(order_resource(&uuid, &order_number, "approved", 1))
            }
            _ => {}
        }
        let hint = if what == "not a uuid" {
            "not-a-uuid"
        } else {
            &uuid
        };

        // Act
        let body = app
            .get_order_with(&order_number, &format!("uuid={hint}&status=approved"))
            .await;

        // Assert
        assert_eq!(body["state"], "pending", "{what}: {body}");
        assert_eq!(body["points_uuid"], Value::Null, "{what}");
    }
    assert_eq!(
        app.points.lookups().len(),
        3,
        "no call for a malformed uuid"
    );
    assert_eq!(app.count("order_transitions").await, 0);
}

#[tokio::test]
async fn status_in_the_query_is_never_trusted() {
    let app = spawn_app().await;
    let (order_number, _) = pending_order(&app).await;

    let body = app.get_order_with(&order_number, "status=approved").await;

    assert_eq!(body["state"], "pending");
    assert!(app.points.lookups().is_empty());
}

#[tokio::test]
async fn a_polling_return_page_asks_points_at_most_once_per_interval() {
    let app = spawn_app().await;
    let (order_number, uuid) = pending_order(&app).await;
    let query = format!("uuid={uuid}");

    for _ in 0..5 {
        let body = app.get_order_with(&order_number, &query).await;
        assert_eq!(body["state"], "pending");
    }
    assert_eq!(app.points.lookups().len(), 1);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.points
        .put_order(order_resource(&uuid, &order_number, "approved", 2));
    let body = app.get_order_with(&order_number, &query).await;
    assert_eq!(body["state"], "confirmed");
    assert_eq!(app.points.lookups().len(), 2);
}

#[tokio::test]
async fn after_the_webhook_a_hint_makes_no_lookup() {
    let app = spawn_app().await;
    let (order_number, uuid) = pending_order(&app).await;
    app.deliver(&order_event("approved", &order_number, &uuid, "approved"))
        .await;
    app.wait_for_inbox_drained().await;

    let body = app
        .get_order_with(&order_number, &format!("uuid={uuid}"))
        .await;

    assert_eq!(body["state"], "confirmed");
    assert!(app.points.lookups().is_empty());
}
