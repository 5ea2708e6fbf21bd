use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{
    Options, WebhookSecretChoice, eventually, new_uuid, order_event, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn missing_secret_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let payload = order_event("approved", "PK-1", &new_uuid(), "approved");

    let response = app
        .post_webhook_raw(None, Some("approved"), payload.to_string())
        .await;

    assert_eq!(response.status(), 401);
    assert_eq!(app.inbox_count().await, 0);
}

#[tokio::test]
async fn wrong_secret_is_401_and_stores_nothing_whatever_its_length() {
    let app = spawn_app().await;
    let payload = order_event("approved", "PK-1", &new_uuid(), "approved").to_string();
    let same_length: String = app
        .webhook_secret
        .chars()
        .map(|c| if c == 'a' { 'b' } else { 'a' })
        .collect();
    assert_eq!(same_length.len(), app.webhook_secret.len());
    let longer = format!("{}x", app.webhook_secret);
    let shorter = app.webhook_secret[..app.webhook_secret.len() - 1].to_owned();

    for wrong in [same_length.as_str(), &longer, &shorter, ""] {
        let response = app
            .post_webhook_raw(Some(wrong), Some("approved"), payload.clone())
            .await;
        assert_eq!(response.status(), 401, "secret {wrong:?}");
    }
    assert_eq!(app.inbox_count().await, 0);
}

#[tokio::test]
async fn a_valid_delivery_is_stored_before_the_200() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = new_uuid();
    let payload = order_event("approved", &order_number, &uuid, "approved");

    let response = app.deliver(&payload).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({"received": true, "duplicate": false}));
    let row = sqlx::query("SELECT * FROM webhook_inbox")
        .fetch_one(&app.db)
        .await
        .expect("the delivery is in the inbox once the 200 is out");
    assert_eq!(row.get::<String, _>("dedupe_key"), uuid);
    assert_eq!(row.get::<String, _>("event"), "approved");
    assert_eq!(
        row.get::<Option<String>, _>("order_number"),
        Some(order_number)
    );
    let stored: Value =
        serde_json::from_str(&row.get::<String, _>("body")).expect("raw body is JSON");
    assert_eq!(stored, payload);
    assert!(!row.get::<String, _>("received_at").is_empty());
}

#[tokio::test]
async fn the_same_event_twice_is_stored_once_and_reported_duplicate() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;
    let payload = order_event("approved", &order_number, &uuid, "approved");

    let first: Value = app.deliver(&payload).await.json().await.expect("json");
    let second = app.deliver(&payload).await;

    assert_eq!(first["duplicate"], false);
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.expect("json");
    assert_eq!(second, json!({"received": true, "duplicate": true}));
    assert_eq!(app.inbox_count().await, 1);
}

#[tokio::test]
async fn deliveries_arriving_together_share_a_commit_and_each_learns_what_it_became() {
    // Arrange: 150 events, each delivered twice, all at once.
    let app = spawn_app().await;
    let writer = &app.state().inbox_writer;
    let before = writer.commits();
    let keys: Vec<(String, String)> = (0..150)
        .map(|i| (new_uuid(), format!("{{\"n\":{i}}}")))
        .collect();
    let received_at = server::db::now();

    // Act
    let received_at = &received_at;
    let stored = futures::future::join_all(keys.iter().chain(keys.iter()).map(
        |(uuid, body)| async move {
            let delivery = server::inbox::NewDelivery {
                dedupe_key: uuid,
                event: "approved",
                order_number: None,
                body,
            };
            writer.insert(&delivery, received_at).await
        },
    ))
    .await;

    // Assert
    let stored: Vec<_> = stored.into_iter().map(|s| s.expect("stored")).collect();
    let new = stored
        .iter()
        .filter(|s| **s == server::inbox::Stored::New)
        .count();
    assert_eq!(
        (new, stored.len() - new),
        (150, 150),
        "one new, one duplicate per event"
    );
    assert_eq!(app.inbox_count().await, 150);
    let commits = writer.commits() - before;
    assert!(
        (1..=10).contains(&commits),
        "300 deliveries at once took {commits} commits"
    );
    let kept: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM webhook_inbox WHERE received_at = $1 AND body LIKE '{\"n\":%'",
    )
    .bind(received_at)
    .fetch_one(&app.db)
    .await
    .expect("count")
    .get("n");
    assert_eq!(kept, 150, "each row keeps its own body and receipt time");
}

#[tokio::test]
async fn a_row_that_fails_is_rolled_back_alone_while_its_group_commits_and_is_retried() {
    // Arrange: five orders; the database refuses to update the third (a trigger, SQLite's
    // way of injecting a failure into the very statement apply() runs).
    let app = spawn_app().await;
    if !app.database_url.starts_with("sqlite:") {
        println!("skipping: the injected failure is a SQLite trigger");
        return;
    }
    let mut numbers = Vec::new();
    for _ in 0..5 {
        numbers.push(app.checkout_one_oud().await);
    }
    sqlx::query(&format!(
        "CREATE TRIGGER refuse_third BEFORE UPDATE ON orders WHEN NEW.order_number = '{}'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        numbers[2]
    ))
    .execute(&app.db)
    .await
    .expect("trigger");
    let mut events: Vec<(String, String)> = Vec::new();
    for n in &numbers {
        let uuid = app.paid_at_points(n).await;
        events.push((
            uuid.clone(),
            order_event("approved", n, &uuid, "approved").to_string(),
        ));
    }

    // Act: the five approvals stored in one commit, so the worker finds them together.
    let writer = &app.state().inbox_writer;
    let now = server::db::now();
    let stored =
        futures::future::join_all(events.iter().zip(&numbers).map(|((uuid, body), number)| {
            let now = &now;
            async move {
                let delivery = server::inbox::NewDelivery {
                    dedupe_key: uuid,
                    event: "approved",
                    order_number: Some(number),
                    body,
                };
                writer.insert(&delivery, now).await
            }
        }))
        .await;
    assert!(stored.iter().all(Result::is_ok));
    app.state().inbox_notify.notify_one();

    // Assert: the other four applied; the third is unapplied, its failure recorded.
    for (i, number) in numbers.iter().enumerate() {
        if i != 2 {
            eventually("the order to be confirmed", || async {
                (app.order_state(number).await == "confirmed").then_some(())
            })
            .await;
        }
    }
    let failure = eventually("the third row's failure to be recorded", || async {
        let row = sqlx::query(
            "SELECT processed_at, last_error, attempts FROM webhook_inbox WHERE order_number = $1",
        )
        .bind(&numbers[2])
        .fetch_one(&app.db)
        .await
        .expect("row");
        let error: Option<String> = row.get("last_error");
        error.map(|e| {
            (
                row.get::<Option<String>, _>("processed_at"),
                e,
                row.get::<i64, _>("attempts"),
            )
        })
    })
    .await;
    assert_eq!(failure.0, None, "not processed");
    assert!(failure.1.contains("injected failure"), "{}", failure.1);
    assert_eq!(
        failure.2, 1,
        "one attempt counted, not the rolled-back claim too"
    );
    assert_eq!(app.order_state(&numbers[2]).await, "pending");
    assert_eq!(app.count("order_transitions").await, 4);

    // And once the database accepts it again, the retry applies it, once.
    sqlx::query("DROP TRIGGER refuse_third")
        .execute(&app.db)
        .await
        .expect("drop trigger");
    eventually("the retry to confirm the third order", || async {
        (app.order_state(&numbers[2]).await == "confirmed").then_some(())
    })
    .await;
    assert_eq!(app.count("order_transitions").await, 5);
}

#[tokio::test]
async fn approved_webhook_confirms_the_order() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;

    app.deliver(&order_event("approved", &order_number, &uuid, "approved"))
        .await;

    let body: Value = eventually("the order to be confirmed", || async {
        let body: Value = app.get_order(&order_number).await.json().await.ok()?;
        (body["state"] == "confirmed").then_some(body)
    })
    .await;
    assert_eq!(body["order_status"], "approved");
    assert_eq!(body["points_uuid"], uuid.as_str());
    assert_eq!(body["reference_number"], "REF-2026-000042");
}

#[tokio::test]
async fn a_cancelled_checkout_reads_expired_or_failed_by_reason() {
    for (reason, expected) in [
        ("Checkout session expired", "expired"),
        ("Payment failed", "failed"),
    ] {
        let app = spawn_app().await;
        let order_number = app.checkout_one_oud().await;
        let mut payload = order_event("cancelled", &order_number, &new_uuid(), "cancelled");
        payload["order"]["reason"] = json!(reason);

        app.deliver(&payload).await;

        eventually(expected, || async {
            (app.order_state(&order_number).await == expected).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_late_approved_does_not_undo_a_refund() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = new_uuid();
    let mut refunded = order_event("refunded", &order_number, &uuid, "fully_refunded");
    refunded["order"]["refund_amount"] = json!(150.75);

    app.deliver(&refunded).await;
    eventually("the refund to apply", || async {
        (app.order_state(&order_number).await == "refunded").then_some(())
    })
    .await;
    app.deliver(&order_event("approved", &order_number, &uuid, "approved"))
        .await;
    app.wait_for_inbox_drained().await;

    assert_eq!(app.order_state(&order_number).await, "refunded");
    let note = app.processed_note("approved").await;
    assert!(note.is_some_and(|n| n.contains("fully_refunded -> approved")));
}

#[tokio::test]
async fn an_earning_orders_event_never_settles_the_checkout_with_its_number() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let mut earning = order_event("approved", &order_number, &new_uuid(), "approved");
    earning["order"]["type"] = json!("earning");

    assert_eq!(app.deliver(&earning).await.status(), 200);
    app.wait_for_inbox_drained().await;

    assert_eq!(app.order_state(&order_number).await, "pending");
    let note = app.processed_note("approved").await;
    assert!(
        note.is_some_and(|n| n.contains("earning order")),
        "the row says why"
    );
}

#[tokio::test]
async fn a_refund_delivered_before_the_approval_still_wins() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = new_uuid();

    // Both are stored before the worker can look at either; order in the inbox is by arrival.
    app.deliver(&order_event(
        "refunded",
        &order_number,
        &uuid,
        "fully_refunded",
    ))
    .await;
    app.deliver(&order_event("approved", &order_number, &uuid, "approved"))
        .await;
    app.wait_for_inbox_drained().await;

    assert_eq!(app.order_state(&order_number).await, "refunded");
}

#[tokio::test]
async fn malformed_but_verified_is_400_and_kept_as_rejected_never_processed() {
    let app = spawn_app().await;
    let secret = app.webhook_secret.clone();
    let cases = [
        (None, "{not json".to_owned()),
        (None, json!({"order": {}}).to_string()),
        (
            Some("approved"),
            json!({"event": "approved", "order": {"order_number": "PK-1"}}).to_string(),
        ),
        (Some("approved"), json!({"event": "approved"}).to_string()),
        (
            Some("refunded"),
            order_event("approved", "PK-1", &new_uuid(), "approved").to_string(),
        ),
    ];
    let count = cases.len();
    for (header, body) in cases {
        let response = app
            .post_webhook_raw(Some(&secret), header, body.clone())
            .await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.expect("json");
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{answer}"
        );
    }
    assert_eq!(app.inbox_count().await, 0);
    let rows = sqlx::query("SELECT body, reason FROM webhook_rejected ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("rejected rows");
    assert_eq!(rows.len(), count);
    assert_eq!(rows[0].get::<Vec<u8>, _>("body"), b"{not json");
    assert!(!rows[0].get::<String, _>("reason").is_empty());

    // Without the secret, the same garbage leaves no trace at all.
    let response = app.post_webhook_raw(Some("wrong"), None, "{not json").await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        app.count("webhook_rejected").await,
        i64::try_from(count).expect("small")
    );
}

#[tokio::test]
async fn the_previous_secret_is_refused_once_its_rotation_ended() {
    let app = spawn_app_with(Options {
        previous_webhook_secret: Some("the-old-secret-retired".into()),
        previous_webhook_secret_until: Some(
            time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
        ),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    let refunded =
        order_event("refunded", &order_number, &new_uuid(), "fully_refunded").to_string();
    let old = app
        .post_webhook_raw(
            Some("the-old-secret-retired"),
            Some("refunded"),
            refunded.clone(),
        )
        .await;
    assert_eq!(old.status(), 401, "the rotation is over");
    assert_eq!(
        app.inbox_count().await,
        0,
        "a refused delivery writes nothing"
    );
    let new = app
        .post_webhook_raw(Some(&app.webhook_secret), Some("refunded"), refunded)
        .await;
    assert_eq!(new.status(), 200, "the current secret still works");
    assert_eq!(app.inbox_count().await, 1);
}

#[tokio::test]
async fn both_secrets_are_accepted_during_a_rotation() {
    let app = spawn_app_with(Options {
        previous_webhook_secret: Some("the-old-secret".into()),
        // Still an hour to go.
        previous_webhook_secret_until: Some(
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    let uuid = new_uuid();
    let approved = order_event("approved", &order_number, &uuid, "approved").to_string();
    let refunded = order_event("refunded", &order_number, &uuid, "fully_refunded").to_string();

    let old = app
        .post_webhook_raw(Some("the-old-secret"), Some("approved"), approved)
        .await;
    let new = app
        .post_webhook_raw(
            Some(&app.webhook_secret),
            Some("refunded"),
            refunded.clone(),
        )
        .await;
    let neither = app
        .post_webhook_raw(Some("the-old-secreT"), Some("refunded"), refunded)
        .await;

    assert_eq!(old.status(), 200);
    assert_eq!(new.status(), 200);
    assert_eq!(neither.status(), 401);
    assert_eq!(app.inbox_count().await, 2);
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&order_number).await, "refunded");
}

#[tokio::test]
async fn ten_concurrent_copies_make_one_row_and_one_state_change() {
    // Arrange
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;
    let payload = order_event("approved", &order_number, &uuid, "approved");

    // Act
    let responses = futures::future::join_all((0..10).map(|_| app.deliver(&payload))).await;

    // Assert
    assert!(responses.iter().all(|r| r.status() == 200));
    let mut duplicates = 0;
    for response in responses {
        let body: Value = response.json().await.expect("json");
        duplicates += i32::from(body["duplicate"] == true);
    }
    assert_eq!(duplicates, 9);
    assert_eq!(app.inbox_count().await, 1);
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&order_number).await, "confirmed");
    assert_eq!(app.count("order_transitions").await, 1);
    let row = sqlx::query("SELECT source, from_status, to_status FROM order_transitions")
        .fetch_one(&app.db)
        .await
        .expect("transition");
    assert_eq!(row.get::<String, _>("source"), "webhook");
    assert_eq!(row.get::<Option<String>, _>("from_status"), None);
    assert_eq!(
        row.get::<Option<String>, _>("to_status").as_deref(),
        Some("approved")
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_and_stores_nothing() {
    let app = spawn_app().await;
    let mut payload = order_event("approved", "PK-1", &new_uuid(), "approved");
    payload["order"]["metadata"] = json!({ "padding": "x".repeat(70 * 1024) });

    let response = app.deliver(&payload).await;

    assert_eq!(response.status(), 413);
    assert_eq!(app.inbox_count().await, 0);
}

#[tokio::test]
async fn unknown_events_are_stored_and_ignored() {
    let app = spawn_app().await;
    let payload = json!({"event": "points_expired", "customer": {"id": 1}, "timestamp": "2026-04-18T10:05:12Z"});

    let response = app.deliver(&payload).await;

    assert_eq!(response.status(), 200);
    assert_eq!(app.inbox_count().await, 1);
    let note = app.processed_note("points_expired").await;
    assert!(note.is_some_and(|n| n.contains("ignored")));
}

#[tokio::test]
async fn a_webhook_for_an_unknown_order_is_processed_once_with_a_note() {
    let app = spawn_app().await;

    app.deliver(&order_event(
        "approved",
        "PK-260418-NOTOURS0",
        &new_uuid(),
        "approved",
    ))
    .await;

    let note = app.processed_note("approved").await;
    assert_eq!(note.as_deref(), Some("unknown order"));
}

#[tokio::test]
async fn a_row_stored_without_a_wake_up_is_still_applied() {
    // A delivery stored just before a crash: in the inbox, no notification. The poll finds it.
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;
    let payload = order_event("approved", &order_number, &uuid, "approved");
    sqlx::query(
        "INSERT INTO webhook_inbox (dedupe_key, event, order_number, body, received_at, available_at)
         VALUES ($1, 'approved', $2, $3, '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z')",
    )
    .bind(payload["order"]["id"].as_str())
    .bind(&order_number)
    .bind(payload.to_string())
    .execute(&app.db)
    .await
    .expect("insert");

    eventually("the polled row to apply", || async {
        (app.order_state(&order_number).await == "confirmed").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_delivery_from_points_confirms_the_order() {
    // Arrange: the sandbox delivers this merchant's events to the server, with its secret.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;

    // Act: the shopper pays on the hosted page.
    app.points.approve(&order_number).await;

    // Assert
    let body: Value = eventually("Points' webhook to confirm the order", || async {
        let body: Value = app.get_order(&order_number).await.json().await.ok()?;
        (body["state"] == "confirmed").then_some(body)
    })
    .await;
    let uuid = app.points.uuid_of(&order_number).await;
    assert_eq!(body["points_uuid"], uuid.as_str());
    let row = sqlx::query("SELECT event, dedupe_key, attempts FROM webhook_inbox")
        .fetch_one(&app.db)
        .await
        .expect("the delivery is in the inbox");
    assert_eq!(row.get::<String, _>("event"), "approved");
    assert_eq!(row.get::<String, _>("dedupe_key"), uuid);
    assert_eq!(row.get::<i64, _>("attempts"), 1);
    // One question to Points, with the private key, before the order was marked paid.
    let lookups = app.points.lookups();
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(lookups[0].uuid, uuid);
    assert_eq!(
        lookups[0].api_key_header.as_deref(),
        Some(app.points.private_key.as_str())
    );
}

#[tokio::test]
async fn points_still_sending_the_previous_secret_is_accepted_during_a_rotation() {
    let app = spawn_app_with(Options {
        previous_webhook_secret: Some(format!("old{}", uuid::Uuid::new_v4().simple())),
        points_delivers_with: Some(WebhookSecretChoice::Previous),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;

    app.points.approve(&order_number).await;

    eventually("the delivery with the old secret to apply", || async {
        (app.order_state(&order_number).await == "confirmed").then_some(())
    })
    .await;
}

#[tokio::test]
async fn points_delivering_the_same_event_twice_changes_the_order_once() {
    // Arrange: the sandbox duplicates the next notification, as Points may.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    app.points
        .control(
            reqwest::Method::POST,
            "/_sandbox/webhook-faults",
            &json!({"fault": "duplicate", "count": 1}),
        )
        .await;

    // Act
    app.points.approve(&order_number).await;

    // Assert: both copies reached the server and were acknowledged; one row, one change.
    let uuid = app.points.uuid_of(&order_number).await;
    eventually("both copies to be acknowledged", || async {
        let log = app
            .points
            .control(reqwest::Method::GET, "/_sandbox/deliveries", &Value::Null)
            .await;
        let acked = log.as_array().map_or(0, |all| {
            all.iter()
                .filter(|d| d["order_uuid"] == uuid.as_str() && d["success"] == true)
                .count()
        });
        (acked >= 2).then_some(())
    })
    .await;
    app.wait_for_inbox_drained().await;
    assert_eq!(app.inbox_count().await, 1);
    assert_eq!(app.count("order_transitions").await, 1);
    assert_eq!(app.order_state(&order_number).await, "confirmed");
}

#[tokio::test]
async fn a_partial_then_a_full_refund_from_points_both_apply() {
    // Arrange: a paid order whose webhooks Points delivers.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    app.points.approve(&order_number).await;
    eventually("the approval", || async {
        (app.order_state(&order_number).await == "confirmed").then_some(())
    })
    .await;
    let uuid = protocol::OrderUuid::parse(&app.points.uuid_of(&order_number).await).expect("uuid");
    let back_office = app.points.client();
    let status = || async {
        let body: Value = app.get_order(&order_number).await.json().await.ok()?;
        body["order_status"].as_str().map(str::to_owned)
    };

    // Act: two refunds, two `refunded` events for the same order.
    back_office
        .send(&protocol::client::Refund::partial(
            uuid.clone(),
            protocol::Sar::from_halalas(5000),
        ))
        .await
        .expect("partial refund");
    eventually("the partial refund", || async {
        (status().await.as_deref() == Some("partially_refunded")).then_some(())
    })
    .await;
    back_office
        .send(&protocol::client::Refund::full(uuid))
        .await
        .expect("refund the rest");

    // Assert: the second is not mistaken for a retry of the first.
    eventually("the full refund", || async {
        (status().await.as_deref() == Some("fully_refunded")).then_some(())
    })
    .await;
    assert_eq!(app.count("webhook_inbox WHERE event = 'refunded'").await, 2);
}

/// Real Points stamps events to the second and may leave out `left_amount` or the timestamp,
/// or write amounts as strings; each authenticated refund still counts exactly once.
mod real_refunds {
    use super::*;

    async fn refunded_after(refunds: &[Value]) -> (String, Vec<bool>) {
        let app = spawn_app().await;
        let order_number = app.checkout_one_oud().await;
        let uuid = app.paid_at_points(&order_number).await;
        app.deliver(&order_event("approved", &order_number, &uuid, "approved"))
            .await;
        let mut duplicates = Vec::new();
        for refund in refunds {
            let mut event = order_event("refunded", &order_number, &uuid, "partially_refunded");
            if let (Some(order), Some(fields)) =
                (event["order"].as_object_mut(), refund.as_object())
            {
                for (key, value) in fields {
                    order.insert(key.clone(), value.clone());
                }
            }
            if refund.get("no_timestamp").is_some() {
                event.as_object_mut().expect("object").remove("timestamp");
            }
            let response = app.deliver(&event).await;
            assert_eq!(response.status(), 200, "refund {refund} must be accepted");
            let body: Value = response.json().await.expect("json");
            duplicates.push(body["duplicate"] == true);
        }
        app.wait_for_inbox_drained().await;
        let view = app.get_order_with(&order_number, "").await;
        let refunded = view["refunded_amount"].as_str().unwrap_or_default();
        (refunded.to_owned(), duplicates)
    }

    #[tokio::test]
    async fn two_partial_refunds_in_the_same_second_both_count() {
        let (refunded, duplicates) = refunded_after(&[
            json!({"refund_amount": 10.00, "left_amount": 140.75}),
            json!({"refund_amount": 20.00, "left_amount": 120.75}),
        ])
        .await;
        assert_eq!(refunded, "30.00");
        assert_eq!(duplicates, [false, false]);
    }

    #[tokio::test]
    async fn a_redelivered_refund_counts_once() {
        let refund = json!({"refund_amount": 10.00, "left_amount": 140.75});
        let (refunded, duplicates) = refunded_after(&[refund.clone(), refund]).await;
        assert_eq!(refunded, "10.00");
        assert_eq!(duplicates, [false, true]);
    }

    #[tokio::test]
    async fn refunds_without_left_amount_or_timestamp_each_count() {
        let (refunded, duplicates) = refunded_after(&[
            json!({"refund_amount": 7.00, "no_timestamp": true}),
            json!({"refund_amount": 3.00, "no_timestamp": true}),
            json!({"refund_amount": 7.00, "no_timestamp": true}),
        ])
        .await;
        assert_eq!(refunded, "10.00", "the third is the first one redelivered");
        assert_eq!(duplicates, [false, false, true]);
    }

    #[tokio::test]
    async fn amounts_written_as_strings_are_applied() {
        let (refunded, duplicates) = refunded_after(&[
            json!({"refund_amount": "5.00"}),
            json!({"refund_amount": "25.00", "left_amount": "120.75", "total_price": "150.75"}),
        ])
        .await;
        assert_eq!(refunded, "30.00");
        assert_eq!(duplicates, [false, false]);
    }

    #[tokio::test]
    async fn refunds_arriving_out_of_order_settle_on_what_is_left() {
        let (refunded, _) = refunded_after(&[
            json!({"refund_amount": 20.00, "left_amount": 120.75}),
            json!({"refund_amount": 10.00, "left_amount": 140.75}),
        ])
        .await;
        assert_eq!(refunded, "30.00");
    }
}
