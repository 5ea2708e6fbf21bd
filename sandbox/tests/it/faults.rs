//! Fault injection through the control API: each fault happens, then stops.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PUBLIC_KEY, TestSandbox, earning_body, eventually, spawn_sandbox};

async fn inject(app: &TestSandbox, path: &str, fault: Value) {
    let response = app.control_post(path, &fault).await;
    assert_eq!(response.status(), 200, "inject {fault}");
}

#[tokio::test]
async fn the_next_calls_answer_429_then_the_endpoint_recovers() {
    let app = spawn_sandbox().await;
    inject(
        &app,
        "/_sandbox/faults",
        json!({ "route": "/api/v1/orders/earning", "method": "POST",
                "fault": "status", "status": 429, "count": 2 }),
    )
    .await;

    let (first, body) = app.earn(&earning_body("SALE-1", 10.0)).await;
    let (second, _) = app.earn(&earning_body("SALE-1", 10.0)).await;
    let (third, _) = app.earn(&earning_body("SALE-1", 10.0)).await;

    assert_eq!((first, second, third), (429, 429, 200));
    assert_eq!(
        body,
        json!({ "status": false, "message": "Too Many Attempts.", "appended_data": {} })
    );
    assert_eq!(
        app.control_get("/_sandbox/state").await["orders"],
        1,
        "faults change nothing"
    );
    assert_eq!(app.control_get("/_sandbox/faults").await, json!([]));
    let useless = app
        .control_post(
            "/_sandbox/faults",
            &json!({ "route": "*", "fault": "status", "status": 500, "count": 0 }),
        )
        .await;
    let unknown = app
        .control_post(
            "/_sandbox/faults",
            &json!({ "route": "*", "fault": "explode", "count": 1 }),
        )
        .await;
    assert_eq!(
        (useless.status().as_u16(), unknown.status().as_u16()),
        (422, 422)
    );
}

#[tokio::test]
async fn a_500_hits_only_the_matching_route_and_method() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-1", 10.0).await;
    inject(
        &app,
        "/_sandbox/faults",
        json!({ "route": "/api/v1/orders/{order_uuid}", "method": "GET",
                "fault": "status", "status": 500, "count": 1 }),
    )
    .await;

    let (other_route, _) = app.get_api("/webhooks").await;
    let (hit, body) = app.get_api(&format!("/orders/{uuid}")).await;
    let (after, _) = app.get_api(&format!("/orders/{uuid}")).await;

    assert_eq!(other_route, 200);
    assert_eq!(hit, 500);
    assert_eq!(body["message"], "Server Error");
    assert_eq!(after, 200);
}

#[tokio::test]
async fn a_hang_outlasts_the_client_timeout_once() {
    let app = spawn_sandbox().await;
    // Far longer than either timeout below, so neither outcome depends on the machine's speed.
    inject(
        &app,
        "/_sandbox/faults",
        json!({ "route": "*", "fault": "hang", "ms": 60_000, "count": 1 }),
    )
    .await;
    let call = |timeout: Duration| {
        app.http
            .get(format!("{}/api/v1/webhooks", app.url))
            .header("x-api-key", crate::helpers::PRIVATE_KEY)
            .timeout(timeout)
            .send()
    };

    let hung = call(Duration::from_millis(300)).await;
    let recovered = call(Duration::from_secs(20)).await;

    assert!(hung.is_err_and(|e| e.is_timeout()), "the first call hangs");
    assert_eq!(
        recovered.expect("the second call is not held").status(),
        200
    );
    assert_eq!(app.control_get("/_sandbox/faults").await, json!([]));
}

#[tokio::test]
async fn a_delayed_delivery_is_overtaken_then_arrives_and_the_next_is_not_delayed() {
    let app = spawn_sandbox().await;
    inject(
        &app,
        "/_sandbox/webhook-faults",
        json!({ "fault": "delay", "ms": 3_000, "count": 1 }),
    )
    .await;

    let late = app.earned("SALE-1", 10.0).await;
    let prompt = app.earned("SALE-2", 10.0).await;
    app.receiver.wait_for(&prompt, 1).await;
    let overtaken = app.receiver.requests_for(&late).is_empty();
    app.receiver.wait_for(&late, 1).await;

    assert!(
        overtaken,
        "the delayed delivery came after the one sent later"
    );
    let ids: Vec<Value> = app
        .receiver
        .requests()
        .iter()
        .map(|r| r.body["order"]["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(prompt), json!(late)]);
    assert_eq!(app.control_get("/_sandbox/webhook-faults").await, json!([]));
}

#[tokio::test]
async fn a_duplicated_delivery_arrives_twice_with_the_same_body() {
    let app = spawn_sandbox().await;
    inject(
        &app,
        "/_sandbox/webhook-faults",
        json!({ "fault": "duplicate", "count": 1 }),
    )
    .await;

    let twice = app.earned("SALE-1", 10.0).await;
    let once = app.earned("SALE-2", 10.0).await;
    app.receiver.wait_for(&once, 1).await;
    let got = app.receiver.wait_for(&twice, 2).await;

    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(app.receiver.requests_for(&once).len(), 1);
}

#[tokio::test]
async fn a_dropped_delivery_never_arrives_and_is_logged() {
    let app = spawn_sandbox().await;
    inject(
        &app,
        "/_sandbox/webhook-faults",
        json!({ "fault": "drop", "count": 1 }),
    )
    .await;

    let dropped = app.earned("SALE-1", 10.0).await;
    let delivered = app.earned("SALE-2", 10.0).await;
    app.receiver.wait_for(&delivered, 1).await;

    assert!(app.receiver.requests_for(&dropped).is_empty());
    let log = app.deliveries_for(&dropped).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempt"], 0);
    assert_eq!(log[0]["error"], "dropped by fault injection");
}

#[tokio::test]
async fn a_reordered_delivery_is_overtaken_by_the_next() {
    let app = spawn_sandbox().await;
    inject(
        &app,
        "/_sandbox/webhook-faults",
        json!({ "fault": "reorder", "count": 1 }),
    )
    .await;

    let first = app.earned("SALE-1", 10.0).await;
    let second = app.earned("SALE-2", 10.0).await;
    app.receiver.wait_for(&first, 1).await;

    let order: Vec<Value> = app
        .receiver
        .requests()
        .iter()
        .map(|r| r.body["order"]["id"].clone())
        .collect();
    assert_eq!(order, vec![json!(second), json!(first)]);
    let third = app.earned("SALE-3", 10.0).await;
    app.receiver.wait_for(&third, 1).await;
    assert_eq!(app.receiver.requests().len(), 3, "the fault is used up");
}

#[tokio::test]
async fn a_logged_delivery_can_be_replayed_byte_for_byte() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-1", 10.0).await;
    let log = eventually("a logged delivery", || async {
        let log = app.deliveries_for(&uuid).await;
        (!log.is_empty()).then_some(log)
    })
    .await;
    let id = log[0]["id"].as_u64().expect("delivery id");

    let replayed = app
        .control_post(&format!("/_sandbox/deliveries/{id}/replay"), &json!({}))
        .await;
    let unknown = app
        .control_post("/_sandbox/deliveries/9999/replay", &json!({}))
        .await;

    assert_eq!(replayed.status(), 200);
    assert_eq!(unknown.status(), 404);
    let got = app.receiver.wait_for(&uuid, 2).await;
    assert_eq!(got[0].body, got[1].body, "same body, same timestamp");
    assert_eq!(got[1].headers["x-webhook-event"], "approved");
}

#[tokio::test]
async fn auto_refund_reverses_a_settled_checkout_and_fires_auto_refunded() {
    let app = spawn_sandbox().await;
    let uuid = app.new_checkout_order("ORD-1").await;
    app.post_api(&format!("/orders/{uuid}/complete"), &json!({}))
        .await;

    let response = app
        .control_post(&format!("/_sandbox/orders/{uuid}/auto-refund"), &json!({}))
        .await;
    let again = app
        .control_post(&format!("/_sandbox/orders/{uuid}/auto-refund"), &json!({}))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        again.status(),
        400,
        "a refunded order cannot be reversed twice"
    );
    let got = app.receiver.wait_for(&uuid, 3).await;
    let auto = got
        .iter()
        .find(|r| r.body["event"] == "auto_refunded")
        .expect("auto_refunded");
    let order = &auto.body["order"];
    assert_eq!(order["reason"], "auto_refund_missing_transaction");
    assert_eq!(order["type"], "replacing");
    assert_eq!(order["order_status"], "fully_refunded");
    assert_eq!(order["refund_amount"], 1224.5);
}

#[tokio::test]
async fn merchant_level_events_carry_the_merchant_and_data() {
    let app = spawn_sandbox().await;

    let debt = app
        .control_post(
            &format!("/_sandbox/merchants/{PUBLIC_KEY}/events/debt_exceeded"),
            &json!({ "current_balance": "-10.00" }),
        )
        .await;
    let low = app
        .http
        .post(format!(
            "{}/_sandbox/merchants/{PUBLIC_KEY}/events/low_balance_warning",
            app.url
        ))
        .send()
        .await
        .expect("post");
    let refused = app
        .control_post(
            &format!("/_sandbox/merchants/{PUBLIC_KEY}/events/approved"),
            &json!({}),
        )
        .await;

    assert_eq!(debt.status(), 200);
    assert_eq!(low.status(), 200);
    assert_eq!(refused.status(), 422);
    let got = eventually("two merchant events", || async {
        let got = app.receiver.requests();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let debt = got
        .iter()
        .find(|r| r.body["event"] == "debt_exceeded")
        .expect("debt");
    assert_eq!(debt.body["data"]["current_balance"], "-10.00");
    assert_eq!(debt.body["merchant"]["id"], 1);
    assert_eq!(debt.headers["x-webhook-event"], "debt_exceeded");
    let low = got
        .iter()
        .find(|r| r.body["event"] == "low_balance_warning")
        .expect("low");
    assert_eq!(low.body["data"]["max_debt_allowed"], "0.00");
    assert!(low.body.get("order").is_none());
}

#[tokio::test]
async fn a_fault_with_every_meets_only_each_nth_matching_call() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-EVERY", 10.0).await;
    inject(
        &app,
        "/_sandbox/faults",
        json!({ "route": "/api/v1/orders/{order_uuid}", "method": "GET",
                "fault": "status", "status": 429, "count": 2, "every": 3 }),
    )
    .await;

    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (status, _) = app.get_api(&format!("/orders/{uuid}")).await;
        statuses.push(status);
    }

    assert_eq!(statuses, [200, 200, 429, 200, 200, 429, 200, 200]);
    assert_eq!(app.control_get("/_sandbox/faults").await, json!([]));
}
