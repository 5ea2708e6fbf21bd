use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn unknown_order_is_a_json_404() {
    let app = spawn_app().await;
    let response = app.get_order("PK-260418-ZZZZZZZZ").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn a_new_order_reads_pending_with_its_total_and_no_personal_data() {
    let app = spawn_app().await;
    let order_number = app.checkout_one_oud().await;

    let response = app.get_order(&order_number).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["order_number"], order_number.as_str());
    assert_eq!(body["state"], "pending");
    assert_eq!(body["order_status"], Value::Null);
    assert_eq!(body["points_uuid"], Value::Null);
    assert_eq!(body["total_price"], "150.75");
    assert_eq!(body["currency"], "SAR");
    assert!(body["updated_at"].is_string());
    let keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("phone") || k.contains("checkout_url")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}
