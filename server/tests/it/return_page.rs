//! `GET /api/orders/{order_number}?uuid=…`: the return page's hint, verified at Points (the
//! sandbox) with the private key before anything changes.

use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::helpers::{Options, WebhookSecretChoice, new_uuid, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_hint_before_the_webhook_confirms_through_a_private_key_lookup() {
    // Arrange: the shopper paid on the hosted page; Points has no webhook for this merchant.
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    app.points.approve(&order_number).await;
    let uuid = app.points.uuid_of(&order_number).await;
    assert_eq!(
        app.order_state(&order_number).await,
        "pending",
        "no webhook came"
    );

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
    assert_eq!(
        lookups[0].api_key_header.as_deref(),
        Some(app.points.private_key.as_str())
    );
    let source: String =
        sqlx::query("SELECT source FROM order_transitions WHERE to_status = 'approved'")
            .fetch_one(&app.db)
            .await
            .expect("transition")
            .get("source");
    assert_eq!(source, "lookup");
}

#[tokio::test]
async fn a_forged_hint_changes_nothing() {
    let app = spawn_app().await;
    // Another order of ours, paid at Points: its uuid is real, but not this order's.
    let other_number = app.checkout_one_oud().await;
    app.points.approve(&other_number).await;
    let other_uuid = app.points.uuid_of(&other_number).await;
    let cases = [
        "unknown at Points",
        "another order's uuid",
        "an earning order",
        "not a uuid",
    ];
    for what in cases {
        // Arrange: a fresh order per case, so the lookup rate limit does not interfere.
        let (order_number, hint) = match what {
            "unknown at Points" => (app.checkout_one_oud().await, new_uuid()),
            "another order's uuid" => (app.checkout_one_oud().await, other_uuid.clone()),
            // An approved earning order at Points under our order number: not a checkout.
            "an earning order" => {
                let number = app.checkout_unknown_to_points().await;
                let uuid = app.points.earning(&number).await;
                (number, uuid)
            }
            _ => (app.checkout_one_oud().await, "not-a-uuid".to_owned()),
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
    // Even when Points has approved, `status=` without a verified hint proves nothing.
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    app.points.approve(&order_number).await;

    let body = app.get_order_with(&order_number, "status=approved").await;

    assert_eq!(body["state"], "pending");
    assert!(app.points.lookups().is_empty());
}

#[tokio::test]
async fn a_polling_return_page_asks_points_at_most_once_per_interval() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.points.uuid_of(&order_number).await;
    let query = format!("uuid={uuid}");

    // The shopper is still on the hosted page: Points says `new`.
    for _ in 0..5 {
        let body = app.get_order_with(&order_number, &query).await;
        assert_eq!(body["state"], "pending");
    }
    assert_eq!(app.points.lookups().len(), 1);

    // The interval is a time rule, so this waits it out on purpose.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.points.approve(&order_number).await;
    let body = app.get_order_with(&order_number, &query).await;
    assert_eq!(body["state"], "confirmed");
    assert_eq!(app.points.lookups().len(), 2);
}

#[tokio::test]
async fn after_the_webhook_a_hint_makes_no_lookup() {
    // Arrange: Points delivers this merchant's webhooks to the server.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    app.points.approve(&order_number).await;
    crate::helpers::eventually("the approved webhook to apply", || async {
        (app.order_state(&order_number).await == "confirmed").then_some(())
    })
    .await;
    let uuid = app.points.uuid_of(&order_number).await;
    // The worker asked once, verifying the webhook before it marked the order paid.
    assert_eq!(app.points.lookups().len(), 1);

    // Act
    let body = app
        .get_order_with(&order_number, &format!("uuid={uuid}"))
        .await;

    // Assert: the return page's hint asked nothing more.
    assert_eq!(body["state"], "confirmed");
    assert_eq!(body["points_uuid"], uuid.as_str());
    assert_eq!(app.points.lookups().len(), 1, "{:?}", app.points.lookups());
}
