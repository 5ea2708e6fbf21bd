//! Verified before paid (issue 16): a delivery with the right secret that would make an order
//! paid is applied only once Points, asked with the private key, confirms it. Each test fails
//! on a server that trusts the secret alone.

use serde_json::Value;
use sqlx::Row;

use crate::helpers::{
    Options, TestApp, eventually, new_uuid, order_event, spawn_app, spawn_app_with,
};
use crate::stack::{StackOptions, spawn_stack};

/// The inbox row of `event` for `uuid`, once the worker has processed it: its `unverified`
/// reason and its note.
async fn processed(app: &TestApp, uuid: &str, event: &str) -> (Option<String>, Option<String>) {
    eventually("the delivery to be processed", || async {
        let row = sqlx::query(
            "SELECT unverified, last_error FROM webhook_inbox
             WHERE event = $1 AND body LIKE $2 AND processed_at IS NOT NULL ORDER BY id DESC",
        )
        .bind(event)
        .bind(format!("%{uuid}%"))
        .fetch_optional(&app.db)
        .await
        .expect("query")?;
        Some((row.get("unverified"), row.get("last_error")))
    })
    .await
}

#[tokio::test]
async fn an_approval_for_a_uuid_points_never_issued_changes_nothing() {
    let app = spawn_app().await;
    let number = app.checkout_one_oud().await;
    // The right secret, the cart's total, our order number: only the uuid is invented.
    let forged = new_uuid();
    let response = app
        .deliver(&order_event("approved", &number, &forged, "approved"))
        .await;
    assert_eq!(
        response.status(),
        200,
        "stored, as any authenticated delivery"
    );

    let (unverified, note) = processed(&app, &forged, "approved").await;
    assert_eq!(unverified.as_deref(), Some("unknown_at_points"));
    let note = note.unwrap_or_default();
    assert!(
        note.contains("not verified") && note.contains(&forged),
        "{note}"
    );
    assert_eq!(app.order_state(&number).await, "pending");
    assert_eq!(app.count("order_transitions").await, 0);

    // The question went to Points with the private key, about the uuid the delivery named.
    let lookups = app.points.lookups();
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(lookups[0].uuid, forged);
    assert_eq!(
        lookups[0].api_key_header.as_deref(),
        Some(app.points.private_key.as_str())
    );

    // The shopper then really pays: Points' own delivery is applied.
    let uuid = app.paid_at_points(&number).await;
    app.deliver(&order_event("approved", &number, &uuid, "approved"))
        .await;
    eventually("the genuine approval", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_approval_ahead_of_payment_is_refused_and_the_genuine_one_still_lands() {
    let app = spawn_app().await;
    let number = app.checkout_one_oud().await;
    // The real uuid (it is in the shopper's return URL), before the shopper has paid.
    let uuid = app.points.uuid_of(&number).await;
    let approved = order_event("approved", &number, &uuid, "approved");
    assert_eq!(app.deliver(&approved).await.status(), 200);
    let (unverified, note) = processed(&app, &uuid, "approved").await;
    assert_eq!(unverified.as_deref(), Some("not_paid_at_points"));
    assert!(
        note.as_deref().is_some_and(|n| n.contains("as new")),
        "{note:?}"
    );
    assert_eq!(app.order_state(&number).await, "pending");

    // Points' genuine delivery has the same uuid and event: it is stored anew, not answered
    // "duplicate" by the refused row, and applied.
    app.points.approve(&number).await;
    assert_eq!(app.deliver(&approved).await.status(), 200);
    assert_eq!(app.inbox_count().await, 2);
    eventually("the genuine approval", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    assert_eq!(app.count("order_transitions").await, 1);
    // A redelivery of the genuine one is a duplicate again.
    app.deliver(&approved).await;
    assert_eq!(app.inbox_count().await, 2);
}

#[tokio::test]
async fn the_real_uuid_of_another_paid_order_is_a_mismatch() {
    let app = spawn_app().await;
    let ours = app.checkout_one_oud().await;
    let theirs = app.checkout_one_oud().await;
    let their_uuid = app.paid_at_points(&theirs).await;
    // Same total, paid at Points, but it is another order.
    app.deliver(&order_event("approved", &ours, &their_uuid, "approved"))
        .await;
    let (unverified, note) = processed(&app, &their_uuid, "approved").await;
    assert_eq!(unverified.as_deref(), Some("mismatch"));
    assert!(
        note.as_deref().is_some_and(|n| n.contains(&theirs)),
        "{note:?}"
    );
    assert_eq!(app.order_state(&ours).await, "pending");
}

#[tokio::test]
async fn points_failing_during_the_check_delays_the_row_and_never_applies_it_unverified() {
    let app = spawn_app().await;
    let number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&number).await;
    app.points
        .control(
            reqwest::Method::POST,
            "/_sandbox/faults",
            &serde_json::json!({
                "route": "/api/v1/orders/{order_uuid}", "method": "GET",
                "fault": "status", "status": 503, "count": 2,
            }),
        )
        .await;
    app.deliver(&order_event("approved", &number, &uuid, "approved"))
        .await;
    let error = eventually("a failed verification attempt", || async {
        let row = sqlx::query("SELECT processed_at, last_error FROM webhook_inbox")
            .fetch_one(&app.db)
            .await
            .expect("row");
        let processed: Option<String> = row.get("processed_at");
        let error: Option<String> = row.get("last_error");
        assert!(
            processed.is_none(),
            "processed while Points failed: {error:?}"
        );
        error
    })
    .await;
    assert!(error.contains("verifying with Points"), "{error}");
    assert_eq!(app.order_state(&number).await, "pending");
    // After the back-off (1 s, 2 s) Points answers and the row is applied.
    eventually("the approval once Points answers", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    assert!(
        app.points.lookups().len() >= 3,
        "{:?}",
        app.points.lookups()
    );
}

#[tokio::test]
async fn deliveries_that_make_nothing_paid_are_not_checked() {
    let app = spawn_app().await;
    let number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&number).await;
    app.deliver(&order_event("approved", &number, &uuid, "approved"))
        .await;
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&number).await, "confirmed");
    assert_eq!(app.points.lookups().len(), 1);
    // Already paid: a `completed` (status approved) and an unknown order cost Points nothing.
    app.deliver(&order_event("completed", &number, &uuid, "approved"))
        .await;
    app.deliver(&order_event(
        "approved",
        "PK-000000-NOBODY01",
        &new_uuid(),
        "approved",
    ))
    .await;
    app.wait_for_inbox_drained().await;
    assert_eq!(app.points.lookups().len(), 1, "{:?}", app.points.lookups());
}

#[tokio::test]
async fn with_verification_off_the_secret_alone_decides() {
    let app = spawn_app_with(Options {
        verify_webhooks: Some(false),
        ..Options::default()
    })
    .await;
    let number = app.checkout_one_oud().await;
    app.deliver(&order_event("approved", &number, &new_uuid(), "approved"))
        .await;
    eventually("the unverified approval applied", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    assert!(app.points.lookups().is_empty());
}

#[tokio::test]
async fn refused_deliveries_are_counted_listed_for_admins_and_points_own_pass() {
    let stack = spawn_stack(StackOptions::default()).await;
    // Points' own delivery (the sandbox posts it after the hosted page) is verified and applied.
    let (paid, checkout_url) = stack.checkout(None).await;
    stack.approve(&checkout_url).await;
    stack.wait_for_state(&paid, "confirmed").await;

    let (open, _) = stack.checkout(None).await;
    let forged = new_uuid();
    let response = stack
        .post_webhook(
            &stack.webhook_secret,
            &order_event("approved", &open, &forged, "approved"),
        )
        .await;
    assert_eq!(response.status(), 200);
    let listed: Value = eventually("the refused delivery listed", || async {
        let listed: Value = stack
            .admin(reqwest::Method::GET, "/admin/webhooks/unverified")
            .await
            .json()
            .await
            .expect("json");
        (listed["deliveries"]
            .as_array()
            .is_some_and(|d| !d.is_empty()))
        .then_some(listed)
    })
    .await;
    let deliveries = listed["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{listed}");
    assert_eq!(deliveries[0]["order_number"], open.as_str());
    assert_eq!(deliveries[0]["event"], "approved");
    assert_eq!(deliveries[0]["reason"], "unknown_at_points");
    assert_eq!(stack.order(&open, "").await["state"], "pending");

    let scrape = stack.scrape().await;
    let count =
        |reason: &str| scrape.value("pointskit_webhooks_unverified_total", &[("reason", reason)]);
    assert_eq!(count("unknown_at_points"), 1.0);
    assert_eq!(count("mismatch"), 0.0);
    assert_eq!(count("not_paid_at_points"), 0.0);

    let bad = stack
        .admin(reqwest::Method::GET, "/admin/webhooks/unverified?limit=0")
        .await;
    assert_eq!(bad.status(), 400);
    let unauthenticated = stack
        .admin_with(reqwest::Method::GET, "/admin/webhooks/unverified", None)
        .await;
    assert_eq!(unauthenticated.status(), 401);
    stack.stop().await;
}
