//! `POST /api/v1/orders/checkout/{publicKey}` (API.md §3.2, §12).

use serde_json::{Value, json};

use crate::helpers::{checkout_body, session_id, spawn_sandbox};

#[tokio::test]
async fn checkout_answers_the_exact_envelope_and_opens_a_new_replacing_order() {
    let app = spawn_sandbox().await;

    let response = app.checkout(&checkout_body("ORD-1")).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let url = body["data"]["checkout_url"].as_str().expect("checkout_url");
    let id = session_id(&app.url, url);
    assert_eq!(
        body,
        json!({ "status": true, "message": "", "appended_data": {},
                "data": { "checkout_url": format!("{}/checkout/{id}", app.url) } })
    );
    let order = app.order("ORD-1").await;
    assert_eq!(order["order_status"], "new");
    assert_eq!(order["type"], 2);
    assert_eq!(order["total_price"], 1224.5);
    let reference = order["reference_number"].as_str().expect("reference");
    assert!(
        reference.starts_with("REF-20") && reference.len() == "REF-2026-000001".len(),
        "{reference}"
    );
    let uuid = order["uuid"].as_str().expect("uuid");
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4", "a v4 uuid: {uuid}");
}

#[tokio::test]
async fn an_unknown_public_key_is_an_auth_failure() {
    let app = spawn_sandbox().await;

    let response = app.checkout_as("pk_nobody", &checkout_body("ORD-1")).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "status": false, "message": "Invalid or inactive API key", "appended_data": {} })
    );
}

#[tokio::test]
async fn an_unverified_merchant_is_forbidden() {
    let app = spawn_sandbox().await;
    let patch = app
        .http
        .patch(format!("{}/_sandbox/merchants/pk_test_shop", app.url))
        .json(&json!({ "verified": false }))
        .send()
        .await
        .expect("patch");
    assert_eq!(patch.status(), 200);

    let response = app.checkout(&checkout_body("ORD-1")).await;

    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], false);
}

/// Sends `body` and returns the 422's `errors`.
async fn errors_for(body: Value) -> Value {
    let app = spawn_sandbox().await;
    let response = app.checkout(&body).await;
    assert_eq!(response.status(), 422, "for {body}");
    let envelope: Value = response.json().await.expect("json");
    assert_eq!(envelope["status"], false);
    assert_eq!(envelope["appended_data"], json!({}));
    assert!(envelope["message"].is_string());
    envelope["errors"].clone()
}

#[tokio::test]
async fn a_missing_total_price_is_required() {
    let errors = errors_for(json!({ "order_number": "ORD-1" })).await;
    assert_eq!(
        errors,
        json!({ "total_price": ["The total price field is required."] })
    );
}

#[tokio::test]
async fn empty_products_need_at_least_one_item() {
    let errors =
        errors_for(json!({ "total_price": 10, "order_number": "ORD-1", "products": [] })).await;
    assert_eq!(
        errors,
        json!({ "products": ["The products must have at least 1 items."] })
    );
}

#[tokio::test]
async fn product_lines_are_reported_with_dot_notation_keys() {
    let body = json!({ "total_price": 10, "order_number": "ORD-1",
        "products": [{ "product_name": "A", "product_price": 1, "quantity": 0 }] });
    let errors = errors_for(body).await;
    assert_eq!(
        errors,
        json!({ "products.0.quantity": ["The products.0.quantity must be at least 1."] })
    );
}

#[tokio::test]
async fn a_callback_url_must_be_a_url() {
    let body = json!({ "total_price": 10, "order_number": "ORD-1", "callback_url": "not-a-url" });
    let errors = errors_for(body).await;
    assert_eq!(
        errors,
        json!({ "callback_url": ["The callback url must be a valid URL."] })
    );
}

#[tokio::test]
async fn a_phone_number_must_be_saudi() {
    let body = json!({ "total_price": 10, "order_number": "ORD-1", "phone_number": "12345" });
    let errors = errors_for(body).await;
    assert_eq!(
        errors,
        json!({ "phone_number": ["The phone number format is invalid."] })
    );
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_with_a_reason() {
    let app = spawn_sandbox().await;

    let response = app
        .http
        .post(format!("{}/api/v1/orders/checkout/pk_test_shop", app.url))
        .header("content-type", "application/json")
        .body("{\"total_price\": ")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], false);
    let message = body["message"].as_str().expect("message");
    assert!(message.starts_with("Malformed JSON body"), "{message}");
}

#[tokio::test]
async fn a_leading_hash_is_stripped_from_the_order_number() {
    let app = spawn_sandbox().await;

    app.start_checkout(&checkout_body("#ORD-7")).await;

    let order = app.order("ORD-7").await;
    assert_eq!(order["order_number"], "ORD-7");
}

#[tokio::test]
async fn an_open_order_number_gets_a_new_url_for_the_same_order() {
    let app = spawn_sandbox().await;
    let first = app.start_checkout(&checkout_body("ORD-2")).await;

    let second = app.start_checkout(&checkout_body("#ORD-2")).await;

    assert_ne!(first, second);
    let orders = app.control_get("/_sandbox/orders").await;
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
    assert_eq!(orders[0]["sessions"].as_array().map(Vec::len), Some(2));
    // Only the newest link can settle the order.
    assert_eq!(app.get(&format!("/checkout/{first}")).await.status(), 410);
    assert_eq!(app.get(&format!("/checkout/{second}")).await.status(), 200);
}

#[tokio::test]
async fn a_settled_or_cancelled_order_number_is_taken() {
    let app = spawn_sandbox().await;
    let approved = app.start_checkout(&checkout_body("ORD-3")).await;
    app.post_form(&format!("/checkout/{approved}/approve"), &[])
        .await;
    let cancelled = app.start_checkout(&checkout_body("ORD-4")).await;
    app.post_form(&format!("/checkout/{cancelled}/cancel"), &[])
        .await;

    for number in ["ORD-3", "#ORD-4"] {
        let response = app.checkout(&checkout_body(number)).await;

        assert_eq!(response.status(), 422, "{number}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"],
            json!({ "order_number": ["The order number has already been taken."] })
        );
    }
}
