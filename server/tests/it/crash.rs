//! SIGKILL in the middle of a webhook storm: every delivery that was acknowledged is applied
//! exactly once after a restart. Runs the real `points-server` binary.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyPoolOptions;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{CATALOG, PUBLIC_URL, TempDir, TestPoints, eventually, order_event};

pub(crate) const SECRET: &str = "crash-test-webhook-secret";

/// The binary on `database_url`, and its address once it listens.
pub(crate) async fn start_server(dir: &Path, points: &TestPoints) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_points-server"))
        .env_clear()
        .env("RUST_LOG", "info")
        .env("POINTS_BASE_URL", &points.base_url)
        .env("POINTS_PUBLIC_KEY", &points.public_key)
        .env("POINTS_PRIVATE_KEY", &points.private_key)
        .env("POINTS_WEBHOOK_SECRET", SECRET)
        .env("POINTS_PUBLIC_URL", PUBLIC_URL)
        .env("POINTS_CATALOG", dir.join("catalog.json"))
        .env("POINTS_SERVER_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", database_url(dir))
        // The storms check out a thousand orders from one address.
        .env("POINTS_CHECKOUT_PER_IP_PER_MINUTE", "0")
        .env("POINTS_STATUS_PER_IP_PER_MINUTE", "0")
        .env("POINTS_PUBLIC_PER_SECOND", "0")
        .env("POINTS_PUBLIC_IN_FLIGHT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn points-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Keep reading: a full pipe would block the server's logging.
    tokio::spawn(async move {
        let mut tx = Some(tx);
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let Ok(log) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if log["fields"]["message"] == "points-server listening"
                && let (Some(addr), Some(tx)) = (log["fields"]["addr"].as_str(), tx.take())
            {
                let _ = tx.send(format!("http://{addr}"));
            }
        }
    });
    let address = tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .expect("the server starts within 30 s")
        .expect("the server logs its address");
    (child, address)
}

pub(crate) fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("server.db").display())
}

async fn deliver(http: &reqwest::Client, address: &str, event: &Value) -> bool {
    let sent = http
        .post(format!("{address}/webhooks/points"))
        .header("content-type", "application/json")
        .header("x-webhook-secret", SECRET)
        .header("x-webhook-event", "approved")
        .body(event.to_string())
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    sent.is_ok_and(|r| r.status() == 200)
}

#[tokio::test]
async fn acknowledged_webhooks_survive_a_sigkill_and_apply_exactly_once() {
    const ORDERS: usize = 60;
    // Arrange: a server process with orders waiting for their webhooks.
    let dir = TempDir::new();
    std::fs::write(dir.path().join("catalog.json"), CATALOG).expect("catalog");
    let points = TestPoints::spawn().await;
    let http = reqwest::Client::new();
    let (mut first, address) = start_server(dir.path(), &points).await;
    let mut events = Vec::new();
    for _ in 0..ORDERS {
        let created: Value = http
            .post(format!("{address}/api/checkout"))
            .json(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
            .send()
            .await
            .expect("checkout")
            .json()
            .await
            .expect("json");
        let number = created["order_number"].as_str().expect("number").to_owned();
        // Paid at Points, so the worker's check with Points confirms each delivery.
        points.approve(&number).await;
        let uuid = points.uuid_of(&number).await;
        events.push(order_event("approved", &number, &uuid, "approved"));
    }

    // Act: deliver in four concurrent streams and SIGKILL the process part-way through.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(HashSet::new()));
    let streams = events.chunks(ORDERS / 4).map(|chunk| {
        let (http, address, acked) = (http.clone(), address.clone(), acked.clone());
        let chunk = chunk.to_vec();
        async move {
            for event in chunk {
                if deliver(&http, &address, &event).await {
                    let number = event["order"]["order_number"].as_str().map(str::to_owned);
                    acked.lock().expect("lock").extend(number);
                }
            }
        }
    });
    let storm = futures::future::join_all(streams);
    let kill = async {
        eventually("some deliveries to be acknowledged", || async {
            (acked.lock().expect("lock").len() >= ORDERS / 3).then_some(())
        })
        .await;
        first.start_kill().expect("SIGKILL");
    };
    tokio::join!(storm, kill);
    let _ = first.wait().await;
    let acked = acked.lock().expect("lock").clone();
    println!(
        "SIGKILL after {} of {ORDERS} deliveries were acknowledged",
        acked.len()
    );
    assert!(acked.len() < ORDERS, "the kill came mid-storm");

    // Restart on the same database; Points redelivers everything (it retries what was not
    // acknowledged; duplicates of the rest are normal).
    let (_second, address) = start_server(dir.path(), &points).await;
    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&database_url(dir.path()))
        .await
        .expect("test pool");
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&db)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(journal, "wal", "the server opened the database in WAL mode");
    let applied = |number: String| {
        let db = db.clone();
        async move {
            sqlx::query(
                "SELECT o.order_status, COUNT(t.id) AS changes
                 FROM orders o LEFT JOIN order_transitions t ON t.order_id = o.id
                 WHERE o.order_number = $1 GROUP BY o.order_status",
            )
            .bind(number)
            .fetch_one(&db)
            .await
            .map(|row| {
                (
                    row.get::<Option<String>, _>("order_status"),
                    row.get::<i64, _>("changes"),
                )
            })
            .expect("order row")
        }
    };

    // Assert 1: every acknowledged event is applied once, before any redelivery.
    for number in &acked {
        let number = number.clone();
        let state = eventually("the acknowledged event to apply", || {
            let applied = &applied;
            let number = number.clone();
            async move {
                let state = applied(number).await;
                (state.0.is_some()).then_some(state)
            }
        })
        .await;
        assert_eq!(state, (Some("approved".to_owned()), 1), "{number}");
    }

    // Assert 2: after Points' redeliveries every order changed exactly once.
    for event in &events {
        assert!(deliver(&http, &address, event).await);
    }
    for event in &events {
        let number = event["order"]["order_number"]
            .as_str()
            .expect("number")
            .to_owned();
        let state = eventually("the redelivered event to apply", || {
            let applied = &applied;
            let number = number.clone();
            async move {
                let state = applied(number).await;
                (state.0.is_some()).then_some(state)
            }
        })
        .await;
        assert_eq!(state, (Some("approved".to_owned()), 1), "{number}");
    }
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(rows, i64::try_from(ORDERS).expect("small"));
}
