//! Bad input, table-driven, on every endpoint that takes a body: malformed JSON, a non-object,
//! wrong types, oversize values and unknown field combinations each get the documented
//! envelope (400 or 422) and leave the whole sandbox exactly as it was.

use serde_json::{Value, json};

use crate::helpers::{PRIVATE_KEY, PUBLIC_KEY, TestSandbox, eventually, spawn_sandbox};

/// What a rejected call must not change: every order's state, the counts of everything else,
/// the webhooks and the merchants' switches.
async fn snapshot(app: &TestSandbox) -> Value {
    let orders = app.control_get("/_sandbox/orders").await;
    let orders: Vec<Value> = orders
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            json!([
                o["uuid"],
                o["order_status"],
                o["total_points"],
                o["total_price"],
                o["status"],
                o["custom_status"],
                o["updated_at"],
                o["reason"]
            ])
        })
        .collect();
    let mut state = app.control_get("/_sandbox/state").await;
    let merchants = app.control_get("/_sandbox/merchants").await;
    if let Some(fields) = state.as_object_mut() {
        fields.insert("orders".into(), json!(orders));
        fields.insert("webhooks".into(), merchants);
    }
    state
}

async fn send(app: &TestSandbox, path: &str, method: &str, raw: &str) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let response = app
        .http
        .request(method, format!("{}/api/v1{path}", app.url))
        .header("x-api-key", PRIVATE_KEY)
        .header("content-type", "application/json")
        .body(raw.to_owned())
        .send()
        .await
        .expect("call");
    let status = response.status().as_u16();
    (status, response.json().await.expect("every answer is JSON"))
}

#[tokio::test]
async fn every_bad_body_gets_the_envelope_and_changes_nothing() {
    let app = spawn_sandbox().await;
    let approved = app.earned("SALE-1", 100.0).await;
    let fresh = app.new_checkout_order("ORD-1").await;
    let (_, hook) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "A", "url": "https://127.0.0.1:9/a" }),
        )
        .await;
    let hook = hook["data"]["uuid"].as_str().expect("uuid").to_owned();
    // The log entry is written once the receiver has answered: wait for it, not the request.
    eventually("the setup's delivery to be logged", || async {
        let log = app.deliveries_for(&approved).await;
        log.iter().any(|d| d["success"] == true).then_some(())
    })
    .await;

    let long = |n: usize| "x".repeat(n);
    let checkout = format!("/orders/checkout/{PUBLIC_KEY}");
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        // Not JSON, or not an object: 400 with a reason.
        ("POST", checkout.clone(), "{".into(), 400, ""),
        ("POST", "/orders/earning".into(), "[1, 2]".into(), 400, ""),
        ("POST", "/orders/earning/store-rating".into(), "\"text\"".into(), 400, ""),
        ("POST", format!("/orders/{fresh}/complete"), "{\"payment_method\":".into(), 400, ""),
        ("POST", format!("/orders/{approved}/refund"), "[]".into(), 400, ""),
        ("PATCH", format!("/webhooks/{hook}"), "nul".into(), 400, ""),
        ("POST", "/integration/status".into(), "{".into(), 400, ""),
        // Wrong types.
        ("POST", checkout.clone(), json!({ "total_price": "ten", "order_number": "N-1" }).to_string(), 422, "total_price"),
        ("POST", "/orders/earning".into(), json!({ "phone_number": 512345678.5, "total_price": 1, "order_number": "N-2" }).to_string(), 422, "phone_number"),
        ("POST", format!("/orders/{fresh}/cancel"), json!({ "reason": ["a"] }).to_string(), 422, "reason"),
        ("POST", format!("/orders/{approved}/status"), json!({ "status": 3 }).to_string(), 422, "status"),
        ("POST", "/integration/status".into(), json!({ "active": "maybe" }).to_string(), 422, "active"),
        ("POST", checkout.clone(), json!({ "total_price": 10, "order_number": "N-3", "metadata": "text" }).to_string(), 422, "metadata"),
        // Oversize values.
        ("POST", checkout.clone(), json!({ "total_price": 1e12, "order_number": "N-4" }).to_string(), 422, "total_price"),
        ("POST", checkout.clone(), json!({ "total_price": 10, "order_number": long(300) }).to_string(), 422, "order_number"),
        ("POST", checkout.clone(), json!({ "total_price": 10, "order_number": "N-5", "shipping_address": { "city": long(101) } }).to_string(), 422, "shipping_address.city"),
        ("POST", "/orders/earning".into(), json!({ "phone_number": "512345678", "total_price": 1, "order_number": "N-6",
            "products": [{ "product_name": long(256), "product_price": 1, "quantity": 1 }] }).to_string(), 422, "products.0.product_name"),
        ("POST", "/orders/earning".into(), json!({ "phone_number": "512345678", "total_price": 1, "order_number": "N-7",
            "products": [{ "product_name": "A", "product_price": 1, "quantity": 5e10 }] }).to_string(), 422, "products.0.quantity"),
        ("POST", "/orders/earning/store-rating".into(), json!({ "phone_number": "512345678", "review_reference": long(256) }).to_string(), 422, "review_reference"),
        ("POST", "/orders/earning/store-rating".into(), json!({ "phone_number": "512345678", "review_reference": "R-1", "comment": long(2001) }).to_string(), 422, "comment"),
        ("POST", format!("/orders/{approved}/refund"), json!({ "amount": 100.01 }).to_string(), 422, "amount"),
        ("POST", format!("/orders/{fresh}/cancel"), json!({ "reason": long(501) }).to_string(), 422, "reason"),
        ("POST", "/webhooks".into(), json!({ "name": long(256), "url": "https://127.0.0.1:9/b" }).to_string(), 422, "name"),
        ("PUT", format!("/webhooks/{hook}"), json!({ "url": format!("https://127.0.0.1:9/{}", long(500)) }).to_string(), 422, "url"),
        // Unknown field combinations: only fields the endpoint does not know, or none it needs.
        ("PATCH", format!("/webhooks/{hook}"), json!({ "secret": "mine", "merchant_id": 9 }).to_string(), 422, "name"),
        ("POST", format!("/orders/{approved}/status"), json!({ "label": "x", "custom_status": {} }).to_string(), 422, "status"),
        ("POST", "/orders/earning/product-rating".into(), json!({ "phone_number": "512345678", "review_reference": "R-2", "product": 7 }).to_string(), 422, "product_id"),
        ("POST", "/orders/earning".into(), json!({ "phone": "512345678", "total": 1, "order_number": "N-8" }).to_string(), 422, "phone_number"),
        // Bad phones, in every place a phone goes.
        ("POST", checkout.clone(), json!({ "total_price": 10, "order_number": "N-9", "phone_number": "+1 555 0100" }).to_string(), 422, "phone_number"),
        ("POST", "/orders/earning/store-rating".into(), json!({ "phone_number": "0612345678", "review_reference": "R-3" }).to_string(), 422, "phone_number"),
    ];

    let before = snapshot(&app).await;
    for (method, path, raw, expect, key) in &cases {
        let (status, body) = send(&app, path, method, raw).await;
        assert_eq!(status, *expect, "{method} {path} {raw:.80} → {body}");
        assert_eq!(body["status"], false, "{body}");
        assert_eq!(body["appended_data"], json!({}), "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        if !key.is_empty() {
            assert!(
                body["errors"][*key].is_array(),
                "{method} {path}: errors.{key} in {body}"
            );
        }
    }
    assert_eq!(
        snapshot(&app).await,
        before,
        "no rejected call changed anything"
    );
    assert_eq!(app.receiver.requests().len(), 1, "and none sent a webhook");
}
