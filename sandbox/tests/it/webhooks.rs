//! Webhook delivery: retries, back-off, the delivery log (API.md §6.2, §12).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{checkout_body, eventually, spawn_sandbox, spawn_sandbox_with};

#[tokio::test]
async fn a_receiver_failing_twice_gets_exactly_three_attempts_with_one_timestamp() {
    let app = spawn_sandbox().await;
    app.receiver.answer_with(&[500, 500]);
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    app.post_form(&format!("/checkout/{id}/approve"), &[]).await;

    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    let log = eventually("a successful delivery", || async {
        let log = app.deliveries_for(&uuid).await;
        log.iter().any(|d| d["success"] == true).then_some(log)
    })
    .await;
    // Nothing follows a success; give a stray 4th attempt the chance to show up.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let log_after = app.deliveries_for(&uuid).await;
    assert_eq!(log_after.len(), 3, "{log_after:#?}");
    assert_eq!(log.len(), 3);
    let attempts: Vec<(Value, Value)> = log
        .iter()
        .map(|d| (d["attempt"].clone(), d["status"].clone()))
        .collect();
    assert_eq!(
        attempts,
        [
            (json!(1), json!(500)),
            (json!(2), json!(500)),
            (json!(3), json!(200))
        ]
    );
    for entry in &log {
        assert_eq!(entry["event"], "approved");
        assert!(entry["latency_ms"].is_u64());
        assert!(entry.get("secret").is_none());
    }
    let received = app.receiver.requests_for(&uuid);
    assert_eq!(received.len(), 3);
    let timestamp = &received[0].body["timestamp"];
    assert!(timestamp.is_string());
    assert!(received.iter().all(|r| &r.body["timestamp"] == timestamp));
    assert!(received.iter().all(|r| r.body == received[0].body));
}

#[tokio::test]
async fn a_receiver_that_always_fails_gets_one_attempt_and_three_retries() {
    let app = spawn_sandbox().await;
    app.receiver.always_answer(503);
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    app.post_form(&format!("/checkout/{id}/cancel"), &[]).await;

    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    eventually("four attempts", || async {
        (app.deliveries_for(&uuid).await.len() >= 4).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = app.deliveries_for(&uuid).await;
    assert_eq!(log.len(), 4);
    assert!(
        log.iter()
            .all(|d| d["status"] == 503 && d["success"] == false)
    );
}

#[tokio::test]
async fn an_unreachable_webhook_is_logged_with_the_error() {
    let app = spawn_sandbox().await;
    // A port that was free a moment ago: nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead_url = format!("http://{}/hook", closed.local_addr().expect("addr"));
    drop(closed);
    let registered = app
        .control_post(
            "/_sandbox/merchants/pk_test_shop/webhooks",
            &json!({ "url": dead_url }),
        )
        .await;
    assert_eq!(registered.status(), 200);
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    app.post_form(&format!("/checkout/{id}/approve"), &[]).await;

    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    let failed = eventually("a failed attempt to the dead webhook", || async {
        app.deliveries_for(&uuid)
            .await
            .into_iter()
            .find(|d| d["url"] == dead_url.as_str())
    })
    .await;
    assert_eq!(failed["status"], Value::Null);
    assert_eq!(failed["success"], false);
    assert!(
        failed["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{failed}"
    );
    // The healthy receiver still got its copy.
    app.receiver.wait_for(&uuid, 1).await;
}

#[tokio::test]
async fn a_receiver_hanging_past_the_timeout_is_a_failed_attempt_and_is_retried() {
    // Points waits 10 s (API.md §6.2); scaled down here like the back-off.
    let app =
        spawn_sandbox_with(|config| config.webhook_timeout = Duration::from_millis(300)).await;
    // The first request is answered only long after the timeout; the retry at once.
    app.receiver.hang_next(1, Duration::from_secs(30));
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    app.post_form(&format!("/checkout/{id}/approve"), &[]).await;

    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    let log = eventually("a successful retry", || async {
        let log = app.deliveries_for(&uuid).await;
        log.iter().any(|d| d["success"] == true).then_some(log)
    })
    .await;
    assert_eq!(log.len(), 2, "{log:#?}");
    assert_eq!(
        (log[0]["attempt"].clone(), log[0]["success"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(log[0]["status"], Value::Null, "no answer came in time");
    assert!(
        log[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("timeout")),
        "{}",
        log[0]
    );
    assert_eq!(
        (log[1]["attempt"].clone(), log[1]["status"].clone()),
        (json!(2), json!(200))
    );
    // The receiver saw both: the hung attempt reached it, it just answered too late.
    let received = app.receiver.requests_for(&uuid);
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body);
}
