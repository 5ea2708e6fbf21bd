//! SIGKILL in the middle of a duplicate storm, then a restart on the same SQLite file: every
//! acknowledged event is applied exactly once, and once Points has redelivered the rest, every
//! order has changed exactly once. The storm-sized sibling of `crash.rs`, on its binary.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;

use super::{StormReport, approvals, assert_applied_once, checkouts, count, drained, storm};
use crate::crash::{SECRET, database_url, start_server};
use crate::helpers::{CATALOG, TempDir, TestPoints, eventually};

const EVENTS: usize = 1_000;
const COPIES: usize = 3;

#[tokio::test]
async fn sigkill_mid_storm_loses_no_acknowledged_event_and_applies_none_twice() {
    // Arrange: the server process with 1,000 orders waiting for their webhooks.
    let dir = TempDir::new();
    std::fs::write(dir.path().join("catalog.json"), CATALOG).expect("catalog");
    let points = TestPoints::spawn().await;
    let http = reqwest::Client::new();
    let (mut first, address) = start_server(dir.path(), &points).await;
    let orders = checkouts(&http, &address, EVENTS).await;
    let events = approvals(&points, &orders).await;

    // Act: storm it and SIGKILL it once a third of the events are acknowledged.
    let report = Arc::new(Mutex::new(StormReport::default()));
    let kill = async {
        eventually("a third of the events to be acknowledged", || async {
            (report.lock().expect("report").acked.len() >= EVENTS / 3).then_some(())
        })
        .await;
        first.start_kill().expect("SIGKILL");
    };
    tokio::join!(
        storm(&http, &address, SECRET, &events, COPIES, false, &report),
        kill
    );
    let _ = first.wait().await;
    let acked = report.lock().expect("report").acked.clone();
    println!(
        "SIGKILL after {} of {EVENTS} events were acknowledged",
        acked.len()
    );
    assert!(acked.len() < EVENTS, "the kill came mid-storm");

    // Assert 1: after the restart, every acknowledged event is applied, once, before Points
    // has redelivered anything.
    let (_second, address) = start_server(dir.path(), &points).await;
    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&database_url(dir.path()))
        .await
        .expect("test pool");
    drained(&db, Duration::from_secs(60)).await;
    assert_applied_once(&db, &acked).await;
    let stored = count(&db, "webhook_inbox").await;
    assert!(
        stored >= i64::try_from(acked.len()).expect("small"),
        "every acknowledged event is in the inbox"
    );
    assert_eq!(
        count(&db, "order_transitions").await,
        stored,
        "each stored event changed its order once"
    );

    // Assert 2: Points redelivers everything (again with duplicates); every order changes once.
    let report = Arc::new(Mutex::new(StormReport::default()));
    storm(&http, &address, SECRET, &events, COPIES, true, &report).await;
    drained(&db, Duration::from_secs(60)).await;
    assert_eq!(report.lock().expect("report").acked.len(), EVENTS);
    assert_applied_once(&db, &orders).await;
    let expected = i64::try_from(EVENTS).expect("small");
    assert_eq!(count(&db, "webhook_inbox").await, expected);
    assert_eq!(count(&db, "order_transitions").await, expected);
}
