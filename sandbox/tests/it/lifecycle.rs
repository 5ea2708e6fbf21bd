//! The order lifecycle (API.md §5, §12): every (state, action) pair, and the details of each
//! action's body, webhook and arithmetic.

use serde_json::{Value, json};

use crate::helpers::{OTHER_PRIVATE_KEY, TestSandbox, spawn_sandbox};

/// The six actions, as `(path suffix, body)`.
const ACTIONS: [&str; 6] = [
    "complete",
    "authorize",
    "capture",
    "cancel",
    "refund",
    "status",
];

/// How to bring a fresh order into a state: its type and the actions to run first.
fn setup(state: &str) -> (&'static str, &'static [&'static str]) {
    match state {
        "new" => ("replacing", &[]),
        "authorized" => ("replacing", &["authorize"]),
        "captured" => ("replacing", &["authorize", "capture"]),
        "approved" => ("replacing", &["complete"]),
        "cancelled" => ("replacing", &["cancel"]),
        "fully_refunded" => ("replacing", &["complete", "refund"]),
        "partially_refunded" => ("replacing", &["complete", "refund_part"]),
        "earning_approved" => ("earning", &[]),
        "earning_partially_refunded" => ("earning", &["refund_part"]),
        "earning_fully_refunded" => ("earning", &["refund"]),
        other => panic!("no setup for {other}"),
    }
}

/// What `action` does from `state`: `Some((new order_status, events))` or `None` for a 400.
fn expect(state: &str, action: &str) -> Option<(&'static str, &'static [&'static str])> {
    let earning = state.starts_with("earning_");
    let state = state.trim_start_matches("earning_");
    match (action, state) {
        ("status", _) => Some((leak(state), &["shipping_status_updated"])),
        ("complete", "new" | "captured") if !earning => {
            Some(("approved", &["approved", "completed"]))
        }
        ("authorize", "new") => Some(("authorized", &["authorized"])),
        ("capture", "authorized") => Some(("captured", &["captured"])),
        ("cancel", "new" | "authorized") => Some(("cancelled", &["cancelled"])),
        ("refund", "approved" | "captured" | "partially_refunded") => {
            Some(("fully_refunded", &["refunded"]))
        }
        _ => None,
    }
}

fn leak(state: &str) -> &'static str {
    match state {
        "new" => "new",
        "authorized" => "authorized",
        "captured" => "captured",
        "approved" => "approved",
        "cancelled" => "cancelled",
        "fully_refunded" => "fully_refunded",
        _ => "partially_refunded",
    }
}

/// Events the setup actions fire.
fn setup_events(kind: &str, steps: &[&str]) -> Vec<&'static str> {
    let mut events = if kind == "earning" {
        vec!["approved"]
    } else {
        vec![]
    };
    for step in steps {
        events.extend_from_slice(match *step {
            "complete" => &["approved", "completed"][..],
            "authorize" => &["authorized"],
            "capture" => &["captured"],
            "cancel" => &["cancelled"],
            _ => &["refunded"],
        });
    }
    events
}

async fn act(app: &TestSandbox, uuid: &str, action: &str) -> (u16, Value) {
    let (path, body) = match action {
        "refund_part" => ("refund", json!({ "amount": 1 })),
        "status" => ("status", json!({ "status": "delivered" })),
        other => (other, json!({})),
    };
    app.post_api(&format!("/orders/{uuid}/{path}"), &body).await
}

#[tokio::test]
async fn every_state_and_action_pair_follows_the_state_machine() {
    let app = spawn_sandbox().await;
    let states = [
        "new",
        "authorized",
        "captured",
        "approved",
        "cancelled",
        "fully_refunded",
        "partially_refunded",
        "earning_approved",
        "earning_partially_refunded",
        "earning_fully_refunded",
    ];
    let mut rows = Vec::new();
    for (s, state) in states.iter().enumerate() {
        for (a, action) in ACTIONS.iter().enumerate() {
            // Arrange: a fresh order in `state`.
            let number = format!("T-{s}-{a}");
            let (kind, steps) = setup(state);
            let uuid = if kind == "earning" {
                app.earned(&number, 100.0).await
            } else {
                app.new_checkout_order(&number).await
            };
            for step in steps {
                let (status, body) = act(&app, &uuid, step).await;
                assert_eq!(status, 200, "setup {step} for {state}: {body}");
            }
            let before =
                app.get_api(&format!("/orders/{uuid}")).await.1["data"]["order_status"].clone();
            assert_eq!(
                before,
                state.trim_start_matches("earning_"),
                "setup of {state}"
            );

            // Act.
            let (status, body) = act(&app, &uuid, action).await;

            // Assert: the status code, the state, and later the webhooks.
            let mut events = setup_events(kind, steps);
            match expect(state, action) {
                Some((after, fired)) => {
                    assert_eq!(status, 200, "{action} from {state}: {body}");
                    assert_eq!(body["data"]["order_status"], after, "{action} from {state}");
                    events.extend_from_slice(fired);
                }
                None => {
                    assert_eq!(status, 400, "{action} from {state} must be refused: {body}");
                    assert_eq!(body["status"], false);
                    assert!(
                        body["message"].as_str().is_some_and(|m| !m.is_empty()),
                        "a reason for {action} from {state}"
                    );
                    let (_, now) = app.get_api(&format!("/orders/{uuid}")).await;
                    assert_eq!(now["data"]["order_status"], before, "nothing changed");
                }
            }
            rows.push((uuid, state, action, events));
        }
    }
    for (uuid, state, action, events) in rows {
        // A marker event: once it arrived, everything fired before it has too.
        let (status, _) = act(&app, &uuid, "status").await;
        assert_eq!(status, 200);
        let mut want: Vec<&str> = events;
        want.push("shipping_status_updated");
        let got = app.receiver.wait_for(&uuid, want.len()).await;
        let mut got: Vec<String> = got
            .iter()
            .map(|r| r.body["event"].as_str().unwrap_or_default().to_owned())
            .collect();
        got.sort();
        want.sort_unstable();
        assert_eq!(got, want, "webhooks after {action} from {state}");
    }
}

#[tokio::test]
async fn a_partial_refund_reverses_points_proportionally_and_says_what_is_left() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-1", 150.75).await;

    let (status, body) = app
        .post_api(
            &format!("/orders/{uuid}/refund"),
            &json!({ "amount": 25, "reason": "One line item returned" }),
        )
        .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["order_status"], "partially_refunded");
    let got = app.receiver.wait_for(&uuid, 2).await;
    let refunded = got
        .iter()
        .find(|r| r.body["event"] == "refunded")
        .expect("refunded webhook");
    let order = &refunded.body["order"];
    assert_eq!(order["refund_amount"], 25.0);
    // floor(1507 × 25 / 150.75) = 249
    assert_eq!(order["refund_points"], 249);
    assert_eq!(order["left_points"], 1507 - 249);
    assert_eq!(order["left_amount"], 125.75);
    assert_eq!(order["reason"], "One line item returned");
    assert_eq!(order["type"], "earning");

    let (too_much, body) = app
        .post_api(&format!("/orders/{uuid}/refund"), &json!({ "amount": 200 }))
        .await;
    assert_eq!(too_much, 422);
    assert_eq!(
        body["errors"]["amount"][0],
        "The amount may not be greater than 125.75."
    );

    let (rest, body) = app
        .post_api(&format!("/orders/{uuid}/refund"), &json!({}))
        .await;
    assert_eq!(rest, 200);
    assert_eq!(body["data"]["order_status"], "fully_refunded");
    let got = app.receiver.wait_for(&uuid, 3).await;
    let last = got
        .iter()
        .rfind(|r| r.body["event"] == "refunded" && r.body["order"]["left_amount"] == 0.0)
        .expect("the final refund");
    assert_eq!(last.body["order"]["refund_points"], 1507 - 249);
    assert_eq!(last.body["order"]["left_points"], 0);
    let customer = app.control_get("/_sandbox/customers/512345678").await;
    assert_eq!(customer["points"], 0, "earned points were taken back");
}

#[tokio::test]
async fn cancel_echoes_its_reason_and_complete_records_the_payment_method() {
    let app = spawn_sandbox().await;
    let first = app.new_checkout_order("ORD-1").await;
    let second = app.new_checkout_order("ORD-2").await;
    let third = app.new_checkout_order("ORD-3").await;

    let (_, _) = app
        .post_api(
            &format!("/orders/{first}/cancel"),
            &json!({ "reason": "Out of stock" }),
        )
        .await;
    let (_, _) = app
        .post_api(&format!("/orders/{second}/cancel"), &json!({}))
        .await;
    let (bad_method, body) = app
        .post_api(
            &format!("/orders/{third}/complete"),
            &json!({ "payment_method": "11" }),
        )
        .await;
    let (too_long, _) = app
        .post_api(
            &format!("/orders/{third}/cancel"),
            &json!({ "reason": "x".repeat(501) }),
        )
        .await;
    let (completed, _) = app
        .post_api(
            &format!("/orders/{third}/complete"),
            &json!({ "payment_method": "2" }),
        )
        .await;

    let got = app.receiver.wait_for(&first, 1).await;
    assert_eq!(got[0].body["order"]["reason"], "Out of stock");
    let got = app.receiver.wait_for(&second, 1).await;
    assert_eq!(got[0].body["order"]["reason"], "Order cancelled via API");
    assert_eq!(bad_method, 422);
    assert_eq!(
        body["errors"]["payment_method"][0],
        "The selected payment method is invalid."
    );
    assert_eq!(too_long, 422);
    assert_eq!(completed, 200);
    let got = app.receiver.wait_for(&third, 2).await;
    let completed_event = got
        .iter()
        .find(|r| r.body["event"] == "completed")
        .expect("completed");
    assert_eq!(completed_event.body["order"]["order_status"], "approved");
    assert_eq!(
        completed_event.body["order"]["payment_status"],
        "fully_paid"
    );
    let (again, body) = app
        .post_api(&format!("/orders/{third}/complete"), &json!({}))
        .await;
    assert_eq!(again, 400);
    assert_eq!(body["message"], "Order is already completed");
}

#[tokio::test]
async fn shipping_status_sets_labels_and_fires_each_time() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-1", 10.0).await;

    let (status, body) = app
        .post_api(
            &format!("/orders/{uuid}/status"),
            &json!({ "status": "ready_shipping" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], 3);
    assert_eq!(body["data"]["status_label"], "جاهز للشحن");

    let (_, body) = app
        .post_api(
            &format!("/orders/{uuid}/status?lang=en"),
            &json!({ "name_ar": "خرج للتوصيل", "name_en": "Out for delivery" }),
        )
        .await;
    assert_eq!(body["data"]["status_label"], "Out for delivery");
    assert_eq!(
        body["data"]["custom_status"],
        json!({ "ar": "خرج للتوصيل", "en": "Out for delivery" })
    );
    let (_, body) = app
        .post_api(
            &format!("/orders/{uuid}/status"),
            &json!({ "name_en": "Packed" }),
        )
        .await;
    assert_eq!(
        body["data"]["custom_status"],
        json!({ "ar": "Packed", "en": "Packed" })
    );

    let (blank, body) = app
        .post_api(&format!("/orders/{uuid}/status"), &json!({ "status": "" }))
        .await;
    assert_eq!(blank, 422, "{body}");
    let (unknown, body) = app
        .post_api(
            &format!("/orders/{uuid}/status"),
            &json!({ "status": "flying" }),
        )
        .await;
    assert_eq!(unknown, 422);
    assert_eq!(
        body["errors"]["status"][0],
        "The selected status is invalid."
    );

    let got = app.receiver.wait_for(&uuid, 4).await;
    let shipping: Vec<_> = got
        .iter()
        .filter(|r| r.body["event"] == "shipping_status_updated")
        .collect();
    assert_eq!(shipping.len(), 3);
    assert!(
        shipping
            .iter()
            .any(|r| r.body["order"]["status"] == "ready_shipping"
                && r.body["order"]["status_label"] == "Ready for shipping")
    );
}

#[tokio::test]
async fn unknown_or_foreign_orders_are_404_even_with_bad_bodies_and_bad_json_is_400() {
    let app = spawn_sandbox().await;
    let uuid = app.earned("SALE-1", 10.0).await;
    for action in ACTIONS {
        let (foreign, _) = app
            .call_as(
                OTHER_PRIVATE_KEY,
                reqwest::Method::POST,
                &format!("/orders/{uuid}/{action}"),
                Some(&json!({ "status": "flying", "amount": -1 })),
            )
            .await;
        assert_eq!(foreign, 404, "{action} on another merchant's order");
        let (unknown, body) = app
            .post_api(
                &format!("/orders/550e8400-e29b-41d4-a716-446655440000/{action}"),
                &json!({ "status": "flying", "amount": -1 }),
            )
            .await;
        assert_eq!(unknown, 404, "{action} on an unknown order");
        assert_eq!(body["message"], "Order not found");
    }
    let response = app
        .http
        .post(format!("{}/api/v1/orders/{uuid}/refund", app.url))
        .header("x-api-key", crate::helpers::PRIVATE_KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), 400);
    let (_, order) = app.get_api(&format!("/orders/{uuid}")).await;
    assert_eq!(order["data"]["order_status"], "approved");
}
