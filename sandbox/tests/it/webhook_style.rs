//! Webhook payloads as real Points may write them (API.md §6.3): times to the second, no
//! `left_amount`, set per merchant on `PATCH /_sandbox/merchants/{publicKey}`; and the
//! sandbox's own style (microseconds, every refund field) when nothing is set.

use serde_json::{Value, json};

use crate::helpers::{PUBLIC_KEY, Recorded, TestSandbox, eventually, spawn_sandbox};

/// What a time looks like with every digit replaced by `d`.
fn shape(time: &Value) -> String {
    time.as_str()
        .unwrap_or_else(|| panic!("{time} is not a string"))
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect()
}

const MICROS: &str = "dddd-dd-ddTdd:dd:dd.ddddddZ";
const SECONDS: &str = "dddd-dd-ddTdd:dd:ddZ";
const SECONDS_SPACE: &str = "dddd-dd-dd dd:dd:dd";

/// The shapes of a payload's `timestamp` and its order's `created_at` and `updated_at`.
fn time_shapes(payload: &Value) -> [String; 3] {
    [
        shape(&payload["timestamp"]),
        shape(&payload["order"]["created_at"]),
        shape(&payload["order"]["updated_at"]),
    ]
}

/// An earning order of 150.75 SAR refunded by 25 SAR: its `approved` and `refunded` payloads.
async fn earned_then_refunded(app: &TestSandbox) -> (Value, Value) {
    let uuid = app.earned("SALE-1", 150.75).await;
    let (status, body) = app
        .post_api(&format!("/orders/{uuid}/refund"), &json!({ "amount": 25 }))
        .await;
    assert_eq!(status, 200, "{body}");
    let got = app.receiver.wait_for(&uuid, 2).await;
    let event = |name: &str| {
        got.iter()
            .find(|r| r.body["event"] == name)
            .map(|r| r.body.clone())
            .unwrap_or_else(|| panic!("no {name} in {got:?}"))
    };
    (event("approved"), event("refunded"))
}

#[tokio::test]
async fn by_default_payloads_keep_microseconds_and_left_amount() {
    let app = spawn_sandbox().await;

    let (approved, refunded) = earned_then_refunded(&app).await;

    assert_eq!(time_shapes(&approved), [MICROS; 3]);
    assert_eq!(time_shapes(&refunded), [MICROS; 3]);
    assert_eq!(refunded["order"]["left_amount"], 125.75);
    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["merchants"][0]["webhook_timestamps"], "micros");
    assert_eq!(state["merchants"][0]["omit_left_amount"], false);
}

#[tokio::test]
async fn a_merchant_set_like_real_points_gets_seconds_and_no_left_amount() {
    let app = spawn_sandbox().await;

    app.switch(
        PUBLIC_KEY,
        &json!({ "webhook_timestamps": "seconds", "omit_left_amount": true }),
    )
    .await;
    let (approved, refunded) = earned_then_refunded(&app).await;

    assert_eq!(time_shapes(&approved), [SECONDS; 3]);
    assert_eq!(time_shapes(&refunded), [SECONDS; 3]);
    let order = &refunded["order"];
    assert!(order.get("left_amount").is_none(), "{order}");
    // Everything else a refund says is still there.
    assert_eq!(order["refund_amount"], 25.0);
    assert_eq!(order["refund_points"], 249);
    assert_eq!(order["left_points"], 1507 - 249);
    assert_eq!(order["order_status"], "partially_refunded");
    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["merchants"][0]["webhook_timestamps"], "seconds");
    assert_eq!(state["merchants"][0]["omit_left_amount"], true);
}

#[tokio::test]
async fn seconds_space_writes_the_time_without_t_or_zone_on_every_event() {
    let app = spawn_sandbox().await;
    app.switch(
        PUBLIC_KEY,
        &json!({ "webhook_timestamps": "seconds_space", "omit_left_amount": true }),
    )
    .await;
    let uuid = app.new_checkout_order("ORD-1").await;

    app.post_api(&format!("/orders/{uuid}/complete"), &json!({}))
        .await;
    let reversed = app
        .control_post(&format!("/_sandbox/orders/{uuid}/auto-refund"), &json!({}))
        .await;
    let warned = app
        .control_post(
            &format!("/_sandbox/merchants/{PUBLIC_KEY}/events/low_balance_warning"),
            &json!({ "current_balance": "10.00" }),
        )
        .await;

    assert_eq!(reversed.status(), 200);
    assert_eq!(warned.status(), 200);
    let got = app.receiver.wait_for(&uuid, 3).await;
    let events: Vec<&Value> = got.iter().map(|r| &r.body["event"]).collect();
    assert_eq!(
        events.len(),
        3,
        "approved, completed, auto_refunded: {events:?}"
    );
    for Recorded { body, .. } in &got {
        assert_eq!(time_shapes(body), [SECONDS_SPACE; 3], "{body}");
    }
    let auto = got
        .iter()
        .find(|r| r.body["event"] == "auto_refunded")
        .expect("auto_refunded");
    assert!(auto.body["order"].get("left_amount").is_none());
    assert_eq!(auto.body["order"]["refund_amount"], 1224.5);
    let warning = eventually("the merchant event", || async {
        app.receiver
            .requests()
            .into_iter()
            .find(|r| r.body["event"] == "low_balance_warning")
    })
    .await;
    assert_eq!(shape(&warning.body["timestamp"]), SECONDS_SPACE);
    assert_eq!(
        shape(&warning.body["merchant"]["created_at"]),
        SECONDS_SPACE
    );
}

#[tokio::test]
async fn a_replay_resends_the_payload_as_it_was_first_written() {
    let app = spawn_sandbox().await;
    let (_, refunded) = earned_then_refunded(&app).await;
    let uuid = refunded["order"]["id"].as_str().expect("uuid").to_owned();
    let logged = app
        .deliveries_for(&uuid)
        .await
        .into_iter()
        .find(|d| d["event"] == "refunded")
        .expect("the refund in the log");

    app.switch(
        PUBLIC_KEY,
        &json!({ "webhook_timestamps": "seconds", "omit_left_amount": true }),
    )
    .await;
    let replayed = app
        .control_post(
            &format!("/_sandbox/deliveries/{}/replay", logged["id"]),
            &json!({}),
        )
        .await;

    assert_eq!(replayed.status(), 200);
    let got = app.receiver.wait_for(&uuid, 3).await;
    let copies: Vec<&Value> = got
        .iter()
        .filter(|r| r.body["event"] == "refunded")
        .map(|r| &r.body)
        .collect();
    assert_eq!(copies, [&refunded, &refunded], "the same payload twice");
    assert_eq!(time_shapes(copies[1]), [MICROS; 3]);
    assert_eq!(copies[1]["order"]["left_amount"], 125.75);
}

#[tokio::test]
async fn an_unknown_timestamp_style_is_refused_and_changes_nothing() {
    let app = spawn_sandbox().await;

    let response = app
        .http
        .patch(format!("{}/_sandbox/merchants/{PUBLIC_KEY}", app.url))
        .json(&json!({ "webhook_timestamps": "nanos", "omit_left_amount": true }))
        .send()
        .await
        .expect("patch");

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("webhook_timestamps")),
        "{body}"
    );
    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["merchants"][0]["webhook_timestamps"], "micros");
    assert_eq!(state["merchants"][0]["omit_left_amount"], false);
}
