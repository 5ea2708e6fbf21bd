use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{PUBLIC_URL, spawn_app};

#[tokio::test]
async fn checkout_prices_from_the_catalog_and_calls_points_with_the_public_key_only() {
    // Arrange
    let app = spawn_app().await;

    // Act: the client's own price is ignored.
    let response = app
        .post_checkout(&json!({
            "items": [{"sku":"oud-50","quantity":2,"price":"0.01"}, {"sku":"musk-10","quantity":1}],
            "lang": "en",
            "phone_number": "+966 51-234-5678"
        }))
        .await;

    // Assert: the answer.
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let order_number = body["order_number"].as_str().expect("order_number");
    assert!(order_number.starts_with("PK-"), "{order_number}");
    assert_eq!(order_number.len(), "PK-260418-".len() + 8);
    let checkout_url = body["checkout_url"].as_str().expect("checkout_url");
    assert!(
        checkout_url.starts_with(&format!("{}/checkout/", app.points.sandbox_url)),
        "{checkout_url}"
    );

    // What Points received.
    let received = app.points.received();
    assert_eq!(received.len(), 1);
    let call = &received[0];
    assert_eq!(call.public_key, app.points.public_key);
    assert_eq!(
        call.api_key_header, None,
        "the private key must not be sent on checkout"
    );
    assert_eq!(call.body["total_price"], json!(341.0));
    assert_eq!(call.body["order_number"], order_number);
    assert_eq!(call.body["phone_number"], "512345678");
    assert_eq!(
        call.body["callback_url"],
        format!("{PUBLIC_URL}/return.html?ref={order_number}")
    );
    assert_eq!(
        call.body["products"],
        json!([
            {"product_name":"Oud perfume 50 ml","product_price":150.75,"quantity":2},
            {"product_name":"Musk 10 ml","product_price":39.5,"quantity":1}
        ])
    );

    // The stored order.
    let row = sqlx::query("SELECT * FROM orders WHERE order_number = $1")
        .bind(order_number)
        .fetch_one(&app.db)
        .await
        .expect("order row");
    assert_eq!(row.get::<i64, _>("total_halalas"), 34100);
    assert_eq!(row.get::<Option<String>, _>("order_status"), None);
    assert_eq!(
        row.get::<Option<String>, _>("checkout_url").as_deref(),
        Some(checkout_url)
    );
    assert_eq!(row.get::<String, _>("lang"), "en");
    assert_eq!(app.order_state(order_number).await, "pending");

    // And Points holds the order the server described, waiting for the shopper.
    let at_points = app.points.order(order_number).await;
    assert_eq!(at_points["order_status"], "new");
    assert_eq!(at_points["total_price"], json!(341.0));
    assert_eq!(
        at_points["callback_url"],
        format!("{PUBLIC_URL}/return.html?ref={order_number}")
    );
}

#[tokio::test]
async fn each_checkout_gets_its_own_order_number() {
    let app = spawn_app().await;
    let first = app.checkout_one_oud().await;
    let second = app.checkout_one_oud().await;
    assert_ne!(first, second);
}

#[tokio::test]
async fn unknown_sku_is_a_422_with_the_field_and_calls_nobody() {
    let app = spawn_app().await;

    let response = app
        .post_checkout(
            &json!({"items":[{"sku":"oud-50","quantity":1},{"sku":"nope","quantity":1}]}),
        )
        .await;

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert!(body["error"].is_string());
    assert!(body["fields"]["items.1.sku"].is_array(), "{body}");
    assert!(app.points.received().is_empty());
    let orders: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orders")
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(orders, 0);
}

#[tokio::test]
async fn invalid_carts_are_422_naming_each_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"items":[]}), "items"),
        (json!({}), "items"),
        (
            json!({"items":[{"sku":"oud-50","quantity":0}]}),
            "items.0.quantity",
        ),
        (
            json!({"items":[{"sku":"oud-50","quantity":100}]}),
            "items.0.quantity",
        ),
        (
            json!({"items":[{"sku":"oud-50","quantity":1}],"phone_number":"12345"}),
            "phone_number",
        ),
        (
            json!({"items":[{"sku":"oud-50","quantity":1}],"lang":"fr"}),
            "lang",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_checkout(&body).await;
        assert_eq!(response.status(), 422, "{body}");
        let answer: Value = response.json().await.expect("json");
        assert!(answer["fields"][field].is_array(), "{body} -> {answer}");
    }
    assert!(app.points.received().is_empty());
}

#[tokio::test]
async fn malformed_checkout_json_is_a_400() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/api/checkout", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json error body");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn points_failure_is_an_opaque_502_and_the_order_stays_pending() {
    for status in [500, 422] {
        // Arrange
        let app = spawn_app().await;
        app.points.fail_checkouts(status, 10).await;

        // Act
        let response = app
            .post_checkout(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
            .await;

        // Assert
        assert_eq!(response.status(), 502, "Points answered {status}");
        let text = response.text().await.expect("body");
        // Points' own words ("Server Error", "Injected fault") stay in the server's log.
        assert!(!text.contains("Server Error"), "{text}");
        assert!(!text.contains("Injected"), "{text}");
        let row = sqlx::query("SELECT order_number, checkout_url FROM orders")
            .fetch_one(&app.db)
            .await
            .expect("the order was stored before calling Points");
        assert_eq!(row.get::<Option<String>, _>("checkout_url"), None);
        let order_number: String = row.get("order_number");
        assert_eq!(app.order_state(&order_number).await, "pending");
    }
}
