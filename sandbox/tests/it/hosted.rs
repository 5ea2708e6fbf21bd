//! The hosted checkout pages and the return to the store (API.md §4, §12).

use protocol::{WebhookEvent, WebhookPayload};
use serde_json::{Value, json};
use url::Url;

use crate::helpers::{TestSandbox, checkout_body, spawn_sandbox};

async fn page(app: &TestSandbox, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

#[tokio::test]
async fn the_checkout_page_is_arabic_rtl_by_default_and_shows_the_order() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    let response = app.get(&format!("/checkout/{id}")).await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.expect("html");
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(html.contains(r#"data-page="checkout""#));
    assert!(
        html.contains("Café &lt;Test&gt; &amp; &quot;Co&quot;"),
        "merchant name escaped"
    );
    assert!(!html.contains("<Test>"));
    assert!(html.contains("ORD-1"));
    assert!(html.contains("1,224.50"), "total in SAR");
    assert!(
        html.contains("40,817"),
        "points equivalent (1224.50 / 0.03, rounded up)"
    );
    assert!(html.contains(&format!(
        r#"<form method="post" action="/checkout/{id}/approve">"#
    )));
    assert!(html.contains(&format!(
        r#"<form method="post" action="/checkout/{id}/cancel">"#
    )));
    assert!(html.contains(r#"data-testid="approve""#));
    assert!(html.contains(r#"data-testid="cancel""#));
    assert!(html.contains(r#"href="/checkout/assets/checkout.css""#));
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("style=\""), "no inline styles");
}

#[tokio::test]
async fn the_checkout_page_speaks_english_on_request() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    let (status, html) = page(&app, &format!("/checkout/{id}?lang=en")).await;

    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(html.contains("Redeem"));
    assert!(html.contains(r#"<input type="hidden" name="lang" value="en">"#));
}

#[tokio::test]
async fn merchant_supplied_order_numbers_are_escaped() {
    let app = spawn_sandbox().await;
    let id = app
        .start_checkout(
            &json!({ "total_price": 5, "order_number": "<img src=x onerror=alert(1)>" }),
        )
        .await;

    let (_, html) = page(&app, &format!("/checkout/{id}")).await;

    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img src=x"));
}

#[tokio::test]
async fn the_stylesheet_is_served_as_css() {
    let app = spawn_sandbox().await;

    let response = app.get("/checkout/assets/checkout.css").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.expect("css").contains("#5f4be8"));
    assert_eq!(app.get("/checkout/assets/nope.js").await.status(), 404);
}

#[tokio::test]
async fn an_unknown_session_is_a_friendly_404() {
    let app = spawn_sandbox().await;

    let (status, html) = page(&app, "/checkout/doesnotexist").await;

    assert_eq!(status, 404);
    assert!(html.contains(r#"data-page="not-found""#));
}

#[tokio::test]
async fn approving_redirects_to_the_callback_and_fires_approved() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    let response = app
        .post_form(&format!("/checkout/{id}/approve"), &[("lang", "ar")])
        .await;

    assert_eq!(response.status(), 303);
    let location = Url::parse(response.headers()["location"].to_str().expect("ascii"))
        .expect("absolute location");
    let order = app.order("ORD-1").await;
    let uuid = order["uuid"].as_str().expect("uuid");
    assert_eq!(location.path(), "/points/return");
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("ref", "abc"),
            ("order_number", "ORD-1"),
            ("uuid", uuid),
            ("status", "approved")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(order["order_status"], "approved");
    assert_eq!(order["payment_status"], "fully_paid");

    let delivered = app.receiver.wait_for(uuid, 1).await;
    let request = &delivered[0];
    assert_eq!(
        request.headers["x-webhook-secret"],
        app.webhook_secret.as_str()
    );
    assert_eq!(request.headers["x-webhook-event"], "approved");
    assert_eq!(request.headers["content-type"], "application/json");
    let payload: WebhookPayload = serde_json::from_value(request.body.clone()).expect("payload");
    assert_eq!(payload.event, WebhookEvent::Approved);
    let body = &request.body["order"];
    assert_eq!(body["id"], uuid);
    assert_eq!(body["order_number"], "ORD-1");
    assert_eq!(body["type"], "replacing");
    assert_eq!(body["order_status"], "approved");
    assert_eq!(body["payment_status"], "fully_paid");
    assert_eq!(body["total_price"], 1224.5);
    assert_eq!(body["total_points"], 40_817);
    assert_eq!(body["metadata"], json!({ "source": "web" }));
    assert_eq!(body["reference_number"], order["reference_number"]);
    assert!(body.get("reason").is_none());
}

#[tokio::test]
async fn a_completed_session_says_so_and_links_back() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;
    app.post_form(&format!("/checkout/{id}/approve"), &[]).await;

    let (status, html) = page(&app, &format!("/checkout/{id}")).await;
    let again = app.post_form(&format!("/checkout/{id}/cancel"), &[]).await;

    assert_eq!(status, 200);
    assert!(html.contains(r#"data-page="completed""#));
    assert!(html.contains(r#"data-testid="back-to-store""#));
    assert!(html.contains("status=approved"));
    assert_eq!(again.status(), 200, "a second decision changes nothing");
    assert_eq!(app.order("ORD-1").await["order_status"], "approved");
}

#[tokio::test]
async fn cancelling_redirects_with_cancelled_and_fires_cancelled() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    let response = app.post_form(&format!("/checkout/{id}/cancel"), &[]).await;

    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        location.starts_with("https://shop.example/points/return?ref=abc&order_number=ORD-1&uuid=")
    );
    assert!(location.ends_with("&status=cancelled"), "{location}");
    let order = app.order("ORD-1").await;
    assert_eq!(order["order_status"], "cancelled");
    let uuid = order["uuid"].as_str().expect("uuid");
    let delivered = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(delivered[0].headers["x-webhook-event"], "cancelled");
    assert_eq!(delivered[0].body["event"], "cancelled");
    assert_eq!(delivered[0].body["order"]["order_status"], "cancelled");
    assert_eq!(
        delivered[0].body["order"]["reason"],
        "Customer cancelled checkout"
    );
}

#[tokio::test]
async fn without_a_callback_url_approval_shows_a_success_page() {
    let app = spawn_sandbox().await;
    let id = app
        .start_checkout(&json!({ "total_price": 10, "order_number": "ORD-1" }))
        .await;

    let response = app
        .post_form(&format!("/checkout/{id}/approve"), &[("lang", "en")])
        .await;

    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains(r#"data-page="success""#));
    assert!(html.contains(r#"lang="en""#));
}

#[tokio::test]
async fn an_expired_session_cancels_the_order_and_fires_cancelled() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&checkout_body("ORD-1")).await;

    let expired = app
        .control_post(&format!("/_sandbox/sessions/{id}/expire"), &json!({}))
        .await;

    assert_eq!(expired.status(), 200);
    let expired: Value = expired.json().await.expect("json");
    assert_eq!(expired["state"], "expired");
    assert_eq!(expired["order"]["order_status"], "cancelled");
    let uuid = expired["order"]["uuid"].as_str().expect("uuid");
    let delivered = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(delivered[0].body["event"], "cancelled");
    assert_eq!(
        delivered[0].body["order"]["reason"],
        "Checkout session expired"
    );

    let (status, html) = page(&app, &format!("/checkout/{id}")).await;
    assert_eq!(status, 410);
    assert!(html.contains(r#"data-page="expired""#));
    let approve = app.post_form(&format!("/checkout/{id}/approve"), &[]).await;
    assert_eq!(approve.status(), 410);
    assert_eq!(app.order("ORD-1").await["order_status"], "cancelled");
    assert_eq!(
        app.receiver.requests_for(uuid).len(),
        1,
        "cancelled fires once"
    );
}
