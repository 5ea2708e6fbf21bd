//! The duplicate storm: ten concurrent copies of 1,000 signed deliveries end as exactly 1,000
//! inbox rows and 1,000 state changes, on SQLite and on Postgres.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{StormReport, approvals, assert_applied_once, checkouts, count, drained, storm};
use crate::helpers::{FreshDatabase, Options, TestApp, spawn_app, spawn_app_with};

const EVENTS: usize = 1_000;
const COPIES: usize = 10;

async fn ten_copies_of_a_thousand_events_change_each_order_once(app: &TestApp) {
    // Arrange: 1,000 pending orders, one `approved` event each.
    let orders = checkouts(&app.http, &app.address, EVENTS).await;
    let events = approvals(&app.points, &orders).await;

    // Act: 10,000 deliveries, 40 in flight.
    let report = Arc::new(Mutex::new(StormReport::default()));
    storm(
        &app.http,
        &app.address,
        &app.webhook_secret,
        &events,
        COPIES,
        false,
        &report,
    )
    .await;
    drained(&app.db, Duration::from_secs(60)).await;

    // Assert: every delivery was acknowledged (a duplicate is a 200 too), and each event was
    // stored once and changed its order once.
    let (sent, failed, acked) = {
        let report = report.lock().expect("report");
        (report.sent, report.failed, report.acked.len())
    };
    assert_eq!(sent, EVENTS * COPIES);
    assert_eq!(failed, 0, "every delivery answered 200");
    assert_eq!(acked, EVENTS);
    let expected = i64::try_from(EVENTS).expect("small");
    assert_eq!(count(&app.db, "webhook_inbox").await, expected);
    assert_eq!(count(&app.db, "order_transitions").await, expected);
    assert_eq!(
        count(&app.db, "order_transitions WHERE source = 'webhook'").await,
        expected
    );
    assert_all_applied_once(app, &orders).await;
}

async fn assert_all_applied_once(app: &TestApp, orders: &[String]) {
    assert_applied_once(&app.db, orders).await;
    assert_eq!(count(&app.db, "webhook_rejected").await, 0);
}

#[tokio::test]
async fn duplicate_storm_on_sqlite() {
    let app = spawn_app().await;
    ten_copies_of_a_thousand_events_change_each_order_once(&app).await;
}

#[tokio::test]
async fn duplicate_storm_on_postgres() {
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let app = spawn_app_with(Options {
        database_url: Some(database.url.clone()),
        ..Options::default()
    })
    .await;
    ten_copies_of_a_thousand_events_change_each_order_once(&app).await;
}
