//! The control API (`/_sandbox/…`).

use serde_json::{Value, json};

use crate::helpers::{Receiver, checkout_body, spawn_sandbox};

#[tokio::test]
async fn a_registered_webhook_gets_a_generated_secret_and_every_event() {
    let app = spawn_sandbox().await;
    let second = Receiver::start().await;

    let response = app
        .control_post(
            "/_sandbox/merchants/pk_test_shop/webhooks",
            &json!({ "url": second.url, "name": "Audit" }),
        )
        .await;

    assert_eq!(response.status(), 200);
    let webhook: Value = response.json().await.expect("json");
    let secret = webhook["secret"].as_str().expect("secret").to_owned();
    assert_eq!(secret.len(), 60);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(webhook["name"], "Audit");
    assert_eq!(webhook["url"], second.url.as_str());

    let id = app.start_checkout(&checkout_body("ORD-1")).await;
    app.post_form(&format!("/checkout/{id}/approve"), &[]).await;
    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();
    let got = second.wait_for(&uuid, 1).await;
    assert_eq!(got[0].headers["x-webhook-secret"], secret.as_str());
    app.receiver.wait_for(&uuid, 1).await;

    let merchants = app.control_get("/_sandbox/merchants").await;
    assert_eq!(merchants[0]["webhooks"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_chosen_secret_is_kept_and_bad_urls_are_rejected() {
    let app = spawn_sandbox().await;

    let chosen = app
        .control_post(
            "/_sandbox/merchants/pk_test_shop/webhooks",
            &json!({ "url": "http://127.0.0.1:9/hook", "secret": "s3cret" }),
        )
        .await;
    let bad = app
        .control_post(
            "/_sandbox/merchants/pk_test_shop/webhooks",
            &json!({ "url": "nope" }),
        )
        .await;
    let unknown = app
        .control_post(
            "/_sandbox/merchants/pk_nobody/webhooks",
            &json!({ "url": "http://x.test/" }),
        )
        .await;

    assert_eq!(chosen.status(), 200);
    assert_eq!(
        chosen.json::<Value>().await.expect("json")["secret"],
        "s3cret"
    );
    assert_eq!(bad.status(), 422);
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn orders_list_shows_state_and_masks_the_phone() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;

    let orders = app.control_get("/_sandbox/orders").await;

    let order = &orders[0];
    assert_eq!(order["merchant"], "pk_test_shop");
    assert_eq!(order["order_status"], "new");
    assert_eq!(order["payment_status"], "partially_paid");
    assert_eq!(
        order["callback_url"],
        "https://shop.example/points/return?ref=abc"
    );
    assert_eq!(order["phone_number"], "5*****678");
    assert_eq!(order["sessions"][0]["state"], "open");
    assert!(!orders.to_string().contains("512345678"));
}

#[tokio::test]
async fn expiring_an_unknown_session_is_a_404() {
    let app = spawn_sandbox().await;

    let response = app
        .control_post("/_sandbox/sessions/nope/expire", &json!({}))
        .await;

    assert_eq!(response.status(), 404);
}
