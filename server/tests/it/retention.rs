//! Retention: the worker deletes idempotency keys and rejected deliveries older than the
//! configured periods, and keeps everything younger or still in use.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Options, eventually, spawn_app_with};

const LONG_AGO: &str = "2000-01-01T00:00:00.000Z";

#[tokio::test]
async fn the_worker_deletes_expired_keys_and_rejected_deliveries_and_keeps_the_rest() {
    // Arrange: 20 s retention (so the worker sweeps every 2 s), and rows of every kind.
    let app = spawn_app_with(Options {
        retention: Some(server::config::Retention {
            idempotency_keys: Duration::from_secs(20),
            rejected_deliveries: Duration::from_secs(20),
        }),
        ..Options::default()
    })
    .await;
    let cart = json!({"items":[{"sku":"oud-50","quantity":1}]});
    let old: Value = app
        .post_checkout_with_key("old", &cart)
        .await
        .json()
        .await
        .expect("json");
    for key in ["fresh", "held"] {
        assert_eq!(app.post_checkout_with_key(key, &cart).await.status(), 200);
    }
    for _ in 0..2 {
        let response = app
            .post_webhook_raw(Some(&app.webhook_secret), None, "{not json")
            .await;
        assert_eq!(response.status(), 400);
    }
    let age = |sql: &'static str| {
        let db = &app.db;
        async move {
            sqlx::query(sql).execute(db).await.expect("age a row");
        }
    };
    age("UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000Z' WHERE key = 'old'")
        .await;
    // An old key whose holder is still working (lock in the future) must survive.
    age(
        "UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000Z', response = NULL,
         locked_until = '2999-01-01T00:00:00.000Z' WHERE key = 'held'",
    )
    .await;
    age(
        "UPDATE webhook_rejected SET received_at = '2000-01-01T00:00:00.000Z'
         WHERE id = (SELECT MIN(id) FROM webhook_rejected)",
    )
    .await;

    // Act: the worker's next sweep.
    eventually("the sweep to delete the expired rows", || async {
        let keys = app.count("idempotency_keys").await;
        let rejected = app.count("webhook_rejected").await;
        (keys == 2 && rejected == 1).then_some(())
    })
    .await;

    // Assert: exactly the expired ones went.
    assert_eq!(
        app.count("idempotency_keys WHERE key IN ('fresh', 'held')")
            .await,
        2
    );
    assert_eq!(
        app.count(&format!(
            "webhook_rejected WHERE received_at = '{LONG_AGO}'"
        ))
        .await,
        0
    );
    // The expired key is forgotten: using it again is a new checkout.
    let again: Value = app
        .post_checkout_with_key("old", &cart)
        .await
        .json()
        .await
        .expect("json");
    assert_ne!(again["order_number"], old["order_number"]);
    // The orders themselves are never expired.
    assert_eq!(app.count("orders").await, 4);
}
