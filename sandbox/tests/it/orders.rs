//! `GET /api/v1/orders/{orderUuid}` (API.md §3.1, §3.3).

use protocol::{Envelope, OrderResource, OrderStatus, OrderType};
use serde_json::{Value, json};

use crate::helpers::{OTHER_PRIVATE_KEY, PRIVATE_KEY, checkout_body, spawn_sandbox};

#[tokio::test]
async fn a_missing_api_key_is_a_400() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;
    let uuid = app.order("ORD-1").await["uuid"].clone();

    let response = app.get_order(uuid.as_str().expect("uuid"), None).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "status": false, "message": "API key is required", "appended_data": {} })
    );
}

#[tokio::test]
async fn an_invalid_api_key_is_a_400() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;
    let uuid = app.order("ORD-1").await["uuid"].clone();

    let response = app
        .get_order(uuid.as_str().expect("uuid"), Some("sk_wrong"))
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "status": false, "message": "Invalid or inactive API key", "appended_data": {} })
    );
}

#[tokio::test]
async fn another_merchants_order_and_unknown_ones_are_not_found() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;
    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();

    let others = app.get_order(&uuid, Some(OTHER_PRIVATE_KEY)).await;
    let unknown = app
        .get_order("550e8400-e29b-41d4-a716-446655440000", Some(PRIVATE_KEY))
        .await;
    let malformed = app.get_order("not-a-uuid", Some(PRIVATE_KEY)).await;

    assert_eq!(others.status(), 404);
    assert_eq!(unknown.status(), 404);
    assert_eq!(malformed.status(), 404);
    let body: Value = others.json().await.expect("json");
    assert_eq!(body["status"], false);
}

#[tokio::test]
async fn an_order_has_the_full_resource_shape() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;
    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();

    let response = app
        .get_order(&format!("{uuid}?lang=en"), Some(PRIVATE_KEY))
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], true);
    assert_eq!(body["message"], "");
    assert_eq!(body["appended_data"], json!({}));
    let data = body["data"].as_object().expect("data object");
    let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = vec![
        "id",
        "uuid",
        "reference_number",
        "order_status",
        "status_label",
        "custom_status",
        "order_number",
        "type",
        "total_price",
        "total_points",
        "metadata",
        "date",
        "time",
        "since",
        "settlement_status",
        "status",
        "created_at",
        "updated_at",
        "items",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(data["type"], 2);
    assert_eq!(data["status"], 1);
    assert_eq!(data["status_label"], "New");
    assert_eq!(data["custom_status"], Value::Null);
    assert_eq!(data["metadata"], json!({ "source": "web" }));
    assert_eq!(
        data["items"],
        json!([{ "product_name": "Cappuccino", "product_price": 18.5, "quantity": 2 }])
    );
    let created = data["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z') && created.len() == 27, "{created}");

    let typed: Envelope<OrderResource> = serde_json::from_value(body).expect("protocol type");
    assert_eq!(typed.data.uuid.as_str(), uuid);
    assert_eq!(typed.data.order_status, OrderStatus::New);
    assert_eq!(typed.data.order_type, OrderType::Replacing);
    assert_eq!(typed.data.total_price.halalas(), 122_450);
}

#[tokio::test]
async fn the_status_label_is_arabic_unless_english_is_asked_for() {
    let app = spawn_sandbox().await;
    app.start_checkout(&checkout_body("ORD-1")).await;
    let uuid = app.order("ORD-1").await["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();

    let arabic: Value = app
        .get_order(&uuid, Some(PRIVATE_KEY))
        .await
        .json()
        .await
        .expect("json");
    let english: Value = app
        .http
        .get(format!("{}/api/v1/orders/{uuid}", app.url))
        .header("x-api-key", PRIVATE_KEY)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");

    assert_eq!(arabic["data"]["status_label"], "جديد");
    assert_eq!(english["data"]["status_label"], "New");
}
