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

#[tokio::test]
async fn a_created_merchant_can_use_its_keys_at_once_and_keys_stay_unique() {
    let app = crate::helpers::spawn_sandbox().await;

    let created = app
        .control_post(
            "/_sandbox/merchants",
            &json!({ "name": "New Shop", "public_key": "pk_new", "private_key": "sk_new",
                     "multiplier": 20 }),
        )
        .await;
    let duplicate = app
        .control_post(
            "/_sandbox/merchants",
            &json!({ "name": "Copy", "public_key": "pk_new", "private_key": "sk_other" }),
        )
        .await;

    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.expect("json");
    assert!(created.get("private_key").is_none(), "keys are not echoed");
    assert_eq!(duplicate.status(), 422);
    let (status, body) = app
        .call_as(
            "sk_new",
            reqwest::Method::POST,
            "/orders/earning",
            Some(&crate::helpers::earning_body("N-1", 10.0)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["total_points"], 200);
    let checkout = app.checkout_as("pk_new", &checkout_body("N-2")).await;
    assert_eq!(checkout.status(), 200);
}

#[tokio::test]
async fn malformed_control_bodies_answer_in_the_envelope_and_change_nothing() {
    let app = spawn_sandbox().await;
    let url = format!("{}/_sandbox/merchants", app.url);
    let broken = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("post");
    assert_eq!(broken.status(), 400);
    let body: Value = broken.json().await.expect("an envelope, not plain text");
    assert_eq!(body["status"], false);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    let missing = app
        .control_post("/_sandbox/merchants", &json!({ "name": "x" }))
        .await;
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("public_key")),
        "{body}"
    );

    let bad_ip = app
        .http
        .patch(format!("{}/_sandbox/merchants/pk_test_shop", app.url))
        .json(&json!({ "verified": false, "ip_allow_list": ["10.0.0"] }))
        .send()
        .await
        .expect("patch");
    assert_eq!(bad_ip.status(), 422);
    assert_eq!(bad_ip.json::<Value>().await.expect("json")["status"], false);

    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["merchants"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        state["merchants"][0]["verified"], true,
        "the refused patch changed nothing"
    );
    let unknown = app.get("/_sandbox/nope").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.expect("json")["status"],
        false
    );
}

#[tokio::test]
async fn each_webhook_has_its_own_delivery_log() {
    let app = spawn_sandbox().await;
    let second = Receiver::start().await;
    let registered = app
        .control_post(
            "/_sandbox/merchants/pk_test_shop/webhooks",
            &json!({ "url": second.url }),
        )
        .await;
    let hook: Value = registered.json().await.expect("json");
    let hook = hook["uuid"].as_str().expect("uuid").to_owned();
    let uuid = app.earned("SALE-1", 10.0).await;
    second.wait_for(&uuid, 1).await;
    app.receiver.wait_for(&uuid, 1).await;

    let own = crate::helpers::eventually("both deliveries logged", || async {
        let all = app.control_get("/_sandbox/deliveries").await;
        let own = app
            .control_get(&format!("/_sandbox/deliveries?webhook={hook}"))
            .await;
        (all.as_array().map(Vec::len) == Some(2)).then_some(own)
    })
    .await;
    let own = own.as_array().expect("list");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["webhook_uuid"], hook.as_str());
    assert_eq!(own[0]["url"], second.url.as_str());
    let none = app
        .control_get(&format!("/_sandbox/deliveries?order={uuid}&event=refunded"))
        .await;
    assert_eq!(none, json!([]));
    let bad = app.get("/_sandbox/deliveries?webhook=nope").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.expect("json")["status"], false);
}

#[tokio::test]
async fn bulk_seeding_creates_checkout_orders_in_the_given_states_without_webhooks() {
    let app = spawn_sandbox().await;

    let response = app
        .control_post(
            "/_sandbox/orders/bulk",
            &json!({ "merchant": "pk_test_shop", "count": 5, "order_number_prefix": "BULK-",
                     "total_price": 150.75, "statuses": ["approved", "new", "fully_refunded"] }),
        )
        .await;

    assert_eq!(response.status(), 200);
    let created: Vec<Value> = response.json().await.expect("json");
    let statuses: Vec<&str> = created
        .iter()
        .map(|o| o["order_status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        ["approved", "new", "fully_refunded", "approved", "new"]
    );
    assert_eq!(created[4]["order_number"], "BULK-000004");
    // The API shows them as Points would, with the private key.
    let uuid = created[2]["uuid"].as_str().expect("uuid");
    let (status, body) = app.get_api(&format!("/orders/{uuid}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["order_status"], "fully_refunded");
    assert_eq!(body["data"]["order_number"], "BULK-000002");
    assert_eq!(body["data"]["type"], 2);
    assert_eq!(body["data"]["total_price"], 150.75);
    assert!(
        app.control_get("/_sandbox/deliveries").await == json!([]),
        "seeding sends no webhook"
    );
}

#[tokio::test]
async fn bulk_seeding_refuses_bad_input_and_creates_nothing() {
    let app = spawn_sandbox().await;
    let app = &app;
    let seed =
        move |body: Value| async move { app.control_post("/_sandbox/orders/bulk", &body).await };
    let good = json!({ "merchant": "pk_test_shop", "count": 2, "order_number_prefix": "B-",
                       "total_price": 10.0, "statuses": ["new"] });
    assert_eq!(seed(good.clone()).await.status(), 200);

    let mut cases = Vec::new();
    for (key, value, status) in [
        ("merchant", json!("pk_nobody"), 404),
        ("count", json!(0), 422),
        ("statuses", json!(["shipped"]), 422),
        ("statuses", json!([]), 422),
        ("total_price", json!(-1), 422),
        // The same numbers again: already taken.
        ("order_number_prefix", json!("B-"), 422),
    ] {
        let mut body = good.clone();
        body[key] = value;
        if key != "order_number_prefix" {
            body["order_number_prefix"] = json!("C-");
        }
        cases.push((key, seed(body).await.status().as_u16(), status));
    }
    for (key, got, expected) in cases {
        assert_eq!(got, expected, "{key}");
    }
    assert_eq!(
        app.control_get("/_sandbox/state").await["orders"],
        2,
        "refused seeds created nothing"
    );
}
