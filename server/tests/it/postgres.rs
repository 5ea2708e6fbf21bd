//! The intake, worker, idempotency and lookup paths against Postgres, each test in a fresh
//! database, including two server instances on one database. Runs when
//! `POINTS_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) is reachable;
//! otherwise each test prints "skipping Postgres tests: <reason>" and passes, except in CI (`CI`
//! set) and under `cargo xtask test` (`POINTS_TEST_REQUIRE_POSTGRES=1`), where it fails.
//!
//! `POINTS_TEST_DATABASE=postgres cargo test -p server` runs the whole suite on Postgres.

use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{
    FreshDatabase, Options, TestApp, TestPoints, eventually, new_uuid, order_event, spawn_app_with,
};

async fn spawn_on(database: &FreshDatabase) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(database.url.clone()),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn postgres_intake_and_worker_behave_as_on_sqlite() {
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let app = spawn_on(&database).await;
    assert!(app.database_url.starts_with("postgres://"));
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;
    let approved = order_event("approved", &order_number, &uuid, "approved");

    // Wrong and missing secrets store nothing.
    let wrong = app
        .post_webhook_raw(Some("wrong"), Some("approved"), approved.to_string())
        .await;
    assert_eq!(wrong.status(), 401);
    let missing = app
        .post_webhook_raw(None, Some("approved"), approved.to_string())
        .await;
    assert_eq!(missing.status(), 401);
    assert_eq!(app.inbox_count().await, 0);

    // Ten concurrent copies: one row, one state change.
    let responses = futures::future::join_all((0..10).map(|_| app.deliver(&approved))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    assert_eq!(app.inbox_count().await, 1);
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&order_number).await, "confirmed");
    assert_eq!(app.count("order_transitions").await, 1);

    // Out of order: a late `captured` after `approved` changes nothing.
    app.deliver(&order_event("captured", &order_number, &uuid, "captured"))
        .await;
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&order_number).await, "confirmed");
    assert_eq!(app.count("order_transitions").await, 1);

    // Unknown events are stored and ignored; malformed verified bodies are kept as rejected.
    let unknown = json!({"event": "points_expired", "timestamp": "2026-04-18T10:05:12Z"});
    assert_eq!(app.deliver(&unknown).await.status(), 200);
    let note = app.processed_note("points_expired").await;
    assert!(note.is_some_and(|n| n.contains("ignored")));
    let malformed = app
        .post_webhook_raw(Some(&app.webhook_secret), None, "{not json")
        .await;
    assert_eq!(malformed.status(), 400);
    let body: Vec<u8> = sqlx::query("SELECT body FROM webhook_rejected")
        .fetch_one(&app.db)
        .await
        .expect("rejected row")
        .get("body");
    assert_eq!(body, b"{not json");
    assert_eq!(app.inbox_count().await, 3);
}

#[tokio::test]
async fn postgres_idempotent_checkout_and_verified_lookup() {
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let app = spawn_on(&database).await;
    app.points.slow_checkout(300).await;
    let cart = json!({"items":[{"sku":"oud-50","quantity":1}]});

    let (first, second) = tokio::join!(
        app.post_checkout_with_key("pg-key", &cart),
        app.post_checkout_with_key("pg-key", &cart),
    );
    let first: Value = first.json().await.expect("json");
    let second: Value = second.json().await.expect("json");
    assert_eq!(first, second);
    assert_eq!(app.points.received().len(), 1);
    let conflict = app
        .post_checkout_with_key("pg-key", &json!({"items":[{"sku":"musk-10","quantity":1}]}))
        .await;
    assert_eq!(conflict.status(), 409);

    let order_number = first["order_number"].as_str().expect("number").to_owned();
    app.points.approve(&order_number).await;
    let uuid = app.points.uuid_of(&order_number).await;
    let body = app
        .get_order_with(&order_number, &format!("uuid={uuid}"))
        .await;
    assert_eq!(body["state"], "confirmed");
}

#[tokio::test]
async fn two_instances_on_one_postgres_apply_a_storm_exactly_once() {
    const ORDERS: usize = 30;
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let points = TestPoints::spawn().await;
    let a = spawn_app_with(Options {
        database_url: Some(database.url.clone()),
        points: Some(points.clone()),
        ..Options::default()
    })
    .await;
    let b = spawn_app_with(Options {
        database_url: Some(database.url.clone()),
        points: Some(points),
        webhook_secret: Some(a.webhook_secret.clone()),
        ..Options::default()
    })
    .await;
    let mut events = Vec::new();
    for _ in 0..ORDERS {
        let order_number = a.checkout_one_oud().await;
        let uuid = a.paid_at_points(&order_number).await;
        events.push(order_event("approved", &order_number, &uuid, "approved"));
    }

    // Every event goes to both instances at once, as retries across a load balancer would.
    let deliveries = events
        .iter()
        .flat_map(|event| [a.deliver(event), b.deliver(event)]);
    let responses = futures::future::join_all(deliveries).await;
    assert!(responses.iter().all(|r| r.status() == 200));

    eventually("both workers to drain the inbox", || async {
        (a.unprocessed_count().await == 0).then_some(())
    })
    .await;
    let expected = i64::try_from(ORDERS).expect("small");
    assert_eq!(a.inbox_count().await, expected);
    assert_eq!(a.count("webhook_inbox WHERE attempts = 1").await, expected);
    assert_eq!(a.count("order_transitions").await, expected);
    assert_eq!(
        a.count("(SELECT DISTINCT inbox_id FROM order_transitions) AS t")
            .await,
        expected
    );
    assert_eq!(
        a.count("orders WHERE order_status = 'approved'").await,
        expected
    );
}

#[tokio::test]
async fn a_delivery_postgres_refuses_fails_alone_and_the_rest_of_its_group_is_stored() {
    // Arrange: Postgres refuses a NUL in text, and one refused row aborts its whole
    // transaction, so a group holding one fails as a group.
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let app = spawn_on(&database).await;
    let writer = &app.state().inbox_writer;
    let uuids: Vec<String> = (0..20).map(|_| new_uuid()).collect();
    let now = server::db::now();

    // Act: 20 deliveries at once, the 8th with a body Postgres cannot store.
    let stored = futures::future::join_all(uuids.iter().enumerate().map(|(i, uuid)| {
        let now = &now;
        async move {
            let body = if i == 7 {
                "{\"n\":\"\0\"}".to_owned()
            } else {
                format!("{{\"n\":{i}}}")
            };
            let delivery = server::inbox::NewDelivery {
                dedupe_key: uuid,
                event: "approved",
                order_number: None,
                body: &body,
            };
            writer.insert(&delivery, now).await
        }
    }))
    .await;

    // Assert: only that one failed (its sender gets a 5xx and retries), the others are stored.
    let failed: Vec<usize> = stored
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.is_err().then_some(i))
        .collect();
    assert_eq!(failed, [7]);
    assert!(
        stored
            .iter()
            .flatten()
            .all(|s| *s == server::inbox::Stored::New)
    );
    assert_eq!(app.inbox_count().await, 19);
    let bad: i64 = sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox WHERE dedupe_key = $1")
        .bind(&uuids[7])
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(bad, 0);
}
