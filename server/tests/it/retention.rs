//! Retention: the worker deletes idempotency keys and rejected deliveries older than the
//! configured periods, and keeps everything younger or still in use.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Options, eventually, order_event, spawn_app_with};

const LONG_AGO: &str = "2000-01-01T00:00:00.000Z";

#[tokio::test]
async fn the_worker_deletes_expired_keys_and_rejected_deliveries_and_keeps_the_rest() {
    // Arrange: 20 s retention (so the worker sweeps every 2 s), and rows of every kind.
    let app = spawn_app_with(Options {
        retention: Some(server::config::Retention {
            idempotency_keys: Duration::from_secs(20),
            rejected_deliveries: Duration::from_secs(20),
            ..server::config::Retention::default()
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

/// Processed inbox rows, order transitions and settled earnings are purged past their
/// retention; unprocessed and held rows, pending earnings and everything younger stay.
#[tokio::test]
async fn history_past_its_retention_is_purged_and_work_not_done_is_kept() {
    let app = spawn_app_with(Options {
        retention: Some(server::config::Retention {
            inbox: Duration::from_secs(20),
            transitions: Duration::from_secs(20),
            earnings: Duration::from_secs(20),
            ..server::config::Retention::default()
        }),
        ..Options::default()
    })
    .await;
    // Two paid orders, each with its applied `approved` row and its transition.
    let mut uuids = Vec::new();
    for _ in 0..2 {
        let number = app.checkout_one_oud().await;
        let uuid = app.paid_at_points(&number).await;
        let approved = order_event("approved", &number, &uuid, "approved");
        assert_eq!(app.deliver(&approved).await.status(), 200);
        uuids.push(uuid);
    }
    app.wait_for_inbox_drained().await;
    assert_eq!(app.count("order_transitions").await, 2);
    let exec = |sql: String| {
        let db = &app.db;
        async move {
            sqlx::query(&sql).execute(db).await.expect("arrange a row");
        }
    };
    // Age one order's row and transition; add an old unprocessed row and an old held one.
    exec(format!(
        "UPDATE webhook_inbox SET received_at = '{LONG_AGO}', processed_at = '{LONG_AGO}'
         WHERE dedupe_key = '{}'",
        uuids[0]
    ))
    .await;
    exec(format!(
        "UPDATE order_transitions SET at = '{LONG_AGO}' WHERE id = (SELECT MIN(id) FROM order_transitions)"
    ))
    .await;
    for (key, held) in [("unprocessed-old", "NULL"), ("held-old", "'dead'")] {
        exec(format!(
            "INSERT INTO webhook_inbox (dedupe_key, event, body, received_at, available_at, attempts, held)
             VALUES ('{key}', 'approved', '{{}}', '{LONG_AGO}', '2999-01-01T00:00:00.000Z', 0, {held})"
        ))
        .await;
    }
    // Earnings: an old settled one, a young settled one, an old pending one.
    for (key, state, completed) in [
        ("EARN-OLD", "'recorded'", format!("'{LONG_AGO}'")),
        (
            "EARN-YOUNG",
            "'recorded'",
            "'2999-01-01T00:00:00.000Z'".to_owned(),
        ),
        ("EARN-PENDING", "'pending'", "NULL".to_owned()),
    ] {
        exec(format!(
            "INSERT INTO earning_outbox (kind, dedup_key, request, state, next_attempt_at,
                 created_at, updated_at, completed_at)
             VALUES ('purchase', '{key}', '{{}}', {state}, '2999-01-01T00:00:00.000Z',
                 '{LONG_AGO}', '{LONG_AGO}', {completed})"
        ))
        .await;
    }

    eventually("the sweep to purge the expired history", || async {
        let rows = app.count("webhook_inbox").await;
        let earnings = app.count("earning_outbox").await;
        let transitions = app.count("order_transitions").await;
        (rows == 3 && earnings == 2 && transitions == 1).then_some(())
    })
    .await;
    assert_eq!(
        app.count(&format!(
            "webhook_inbox WHERE dedupe_key IN ('{}', 'unprocessed-old', 'held-old')",
            uuids[1]
        ))
        .await,
        3,
        "the young row, the unprocessed one and the held one stay"
    );
    assert_eq!(
        app.count("earning_outbox WHERE dedup_key IN ('EARN-YOUNG', 'EARN-PENDING')")
            .await,
        2
    );
    // Purging history changes no order.
    assert_eq!(app.count("orders WHERE order_status = 'approved'").await, 2);
}
