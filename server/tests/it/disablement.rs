//! The webhook intake switch with the real sandbox delivering: while off, deliveries get 503
//! and nothing is stored; the sandbox retries (its back-off scaled to 0.2 s, 1.2 s, 6 s), and
//! once intake is back on the retried delivery is stored and applied.

use reqwest::Method;
use serde_json::Value;

use crate::admin::intake_enabled;
use crate::helpers::{eventually, order_event};
use crate::stack::{StackOptions, spawn_stack};

#[tokio::test]
async fn a_delivery_refused_while_disabled_is_applied_when_points_retries_after_enable() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, url) = stack.checkout(None).await;

    let disabled = stack.admin(Method::POST, "/admin/webhooks/disable").await;
    assert_eq!(disabled.status(), 200);
    let body: Value = disabled.json().await.expect("json");
    assert_eq!(body["webhooks_enabled"], false);
    assert_eq!(body["changed"], true);
    stack.approve(&url).await;
    let uuid = stack.points_uuid(&number).await;
    let refused = eventually("the sandbox's first attempt", || async {
        let log = stack.deliveries_for(&uuid).await;
        (!log.is_empty()).then_some(log)
    })
    .await;
    assert_eq!(refused[0]["status"], 503, "{refused:?}");
    assert_eq!(refused[0]["event"], "approved");
    assert_eq!(
        inbox_rows(&stack).await,
        0,
        "a refused delivery stores nothing"
    );
    assert_eq!(stack.order(&number, "").await["state"], "pending");

    let enabled = stack.admin(Method::POST, "/admin/webhooks/enable").await;
    assert_eq!(enabled.status(), 200);
    stack.wait_for_state(&number, "confirmed").await;

    let log = stack.deliveries_for(&uuid).await;
    let (failed, succeeded): (Vec<&Value>, Vec<&Value>) =
        log.iter().partition(|d| d["success"] == false);
    assert_eq!(succeeded.len(), 1, "one successful attempt: {log:?}");
    assert!(failed.iter().all(|d| d["status"] == 503), "{log:?}");
    assert!(
        succeeded[0]["attempt"].as_u64() > Some(1),
        "a retry succeeded: {log:?}"
    );
    assert_eq!(inbox_rows(&stack).await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn intake_configured_off_answers_503_with_retry_after_and_stores_nothing() {
    let stack = spawn_stack(StackOptions {
        webhooks_enabled: false,
        ..StackOptions::default()
    })
    .await;
    assert!(!intake_enabled(&stack).await);
    // Paid at Points (whose own delivery meets the same 503 and is retried later).
    let (number, url) = stack.checkout(None).await;
    stack.approve(&url).await;
    let uuid = stack.points_uuid(&number).await;
    let event = order_event("approved", &number, &uuid, "approved");

    for secret in [stack.webhook_secret.as_str(), "wrong"] {
        let response = stack.post_webhook(secret, &event).await;
        assert_eq!(response.status(), 503, "with secret {secret:?}");
        assert_eq!(response.headers()["retry-after"], "60");
    }
    assert_eq!(inbox_rows(&stack).await, 0);
    assert_eq!(stack.count("webhook_rejected").await, 0);

    stack.admin(Method::POST, "/admin/webhooks/enable").await;
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &event)
            .await
            .status(),
        200
    );
    stack.wait_for_state(&number, "confirmed").await;
    stack.stop().await;
}

async fn inbox_rows(stack: &crate::stack::OpsStack) -> i64 {
    stack.count("webhook_inbox").await
}
