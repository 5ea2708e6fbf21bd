//! Webhook management (API.md §3.12) and `POST /v1/integration/status` (§3.13).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{OTHER_PRIVATE_KEY, PRIVATE_KEY, PUBLIC_KEY, spawn_sandbox};

#[tokio::test]
async fn create_show_update_and_delete_a_webhook() {
    let app = spawn_sandbox().await;

    let (status, created) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "Orders", "url": "https://127.0.0.1:9/points/hook" }),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let hook = &created["data"];
    let uuid = hook["uuid"].as_str().expect("uuid").to_owned();
    assert_eq!(hook["name"], "Orders");
    assert_eq!(hook["merchant_id"], 1);
    assert_eq!(hook["secret"].as_str().map(str::len), Some(60));

    let (_, shown) = app.get_api(&format!("/webhooks/{uuid}")).await;
    assert_eq!(
        shown["data"], created["data"],
        "the secret is returned on every read"
    );

    let (put, body) = app
        .call_as(
            PRIVATE_KEY,
            Method::PUT,
            &format!("/webhooks/{uuid}"),
            Some(&json!({ "url": "https://127.0.0.1:9/v2" })),
        )
        .await;
    assert_eq!(put, 200, "{body}");
    assert_eq!(body["data"]["url"], "https://127.0.0.1:9/v2");
    assert_eq!(body["data"]["name"], "Orders");
    let (patch, body) = app
        .call_as(
            PRIVATE_KEY,
            Method::PATCH,
            &format!("/webhooks/{uuid}"),
            Some(&json!({ "name": "Renamed" })),
        )
        .await;
    assert_eq!(patch, 200);
    assert_eq!(body["data"]["name"], "Renamed");
    assert_eq!(body["data"]["secret"], created["data"]["secret"]);
    let (empty, body) = app
        .call_as(
            PRIVATE_KEY,
            Method::PATCH,
            &format!("/webhooks/{uuid}"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(empty, 422, "{body}");

    let (deleted, body) = app
        .call_as(
            PRIVATE_KEY,
            Method::DELETE,
            &format!("/webhooks/{uuid}"),
            None,
        )
        .await;
    assert_eq!(deleted, 200);
    assert_eq!(
        body,
        json!({ "status": true, "message": "", "appended_data": {} })
    );
    let (gone, body) = app.get_api(&format!("/webhooks/{uuid}")).await;
    assert_eq!(gone, 404);
    assert_eq!(body["message"], "Webhook not found");
}

#[tokio::test]
async fn a_duplicate_url_is_a_400_and_bad_bodies_422() {
    let app = spawn_sandbox().await;
    let body = json!({ "name": "A", "url": "https://127.0.0.1:9/hook" });
    app.post_api("/webhooks", &body).await;

    let (duplicate, got) = app.post_api("/webhooks", &body).await;
    assert_eq!(duplicate, 400);
    assert_eq!(got["message"], "webhook already exists for this URL");

    let (missing, got) = app.post_api("/webhooks", &json!({})).await;
    assert_eq!(missing, 422);
    assert_eq!(got["errors"]["name"][0], "The name field is required.");
    assert_eq!(got["errors"]["url"][0], "The url field is required.");
    let (bad_url, got) = app
        .post_api("/webhooks", &json!({ "name": "B", "url": "not-a-url" }))
        .await;
    assert_eq!(bad_url, 422);
    assert_eq!(got["errors"]["url"][0], "The url must be a valid URL.");
    let (long, _) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "n".repeat(256), "url": "https://127.0.0.1:9/x" }),
        )
        .await;
    assert_eq!(long, 422);
    // The configured receiver + the one created.
    let (_, list) = app.get_api("/webhooks").await;
    assert_eq!(list["meta"]["total"], 2);
}

#[tokio::test]
async fn the_list_is_paginated_like_laravel() {
    let app = spawn_sandbox().await;
    for i in 0..4 {
        app.post_api(
            "/webhooks",
            &json!({ "name": format!("H{i}"), "url": format!("https://127.0.0.1:9/{i}") }),
        )
        .await;
    }

    let (status, page) = app.get_api("/webhooks?per_page=2&page=2").await;

    assert_eq!(status, 200);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["data"][0]["name"], "H1");
    let meta = &page["meta"];
    assert_eq!(meta["current_page"], 2);
    assert_eq!(meta["per_page"], 2);
    assert_eq!(meta["total"], 5);
    assert_eq!(meta["last_page"], 3);
    assert_eq!(meta["from"], 3);
    assert_eq!(meta["to"], 4);
    let links = &page["links"];
    assert!(
        links["next"]
            .as_str()
            .is_some_and(|l| l.ends_with("?page=3"))
    );
    assert!(
        links["prev"]
            .as_str()
            .is_some_and(|l| l.ends_with("?page=1"))
    );
    let (_, default) = app.get_api("/webhooks").await;
    assert_eq!(default["meta"]["per_page"], 15);
    assert_eq!(default["links"]["next"], Value::Null);
    let (bad, _) = app.get_api("/webhooks?per_page=0").await;
    assert_eq!(bad, 422);
}

#[tokio::test]
async fn writes_need_a_verified_merchant_and_foreign_webhooks_are_404() {
    let app = spawn_sandbox().await;
    let (_, created) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "A", "url": "https://127.0.0.1:9/a" }),
        )
        .await;
    let uuid = created["data"]["uuid"].as_str().expect("uuid").to_owned();

    let (foreign, _) = app
        .call_as(
            OTHER_PRIVATE_KEY,
            Method::GET,
            &format!("/webhooks/{uuid}"),
            None,
        )
        .await;
    let (foreign_delete, _) = app
        .call_as(
            OTHER_PRIVATE_KEY,
            Method::DELETE,
            &format!("/webhooks/{uuid}"),
            None,
        )
        .await;
    assert_eq!(foreign, 404);
    assert_eq!(foreign_delete, 404);
    let (_, others) = app
        .call_as(OTHER_PRIVATE_KEY, Method::GET, "/webhooks", None)
        .await;
    assert_eq!(others["meta"]["total"], 0);

    app.switch(PUBLIC_KEY, &json!({ "verified": false })).await;
    let (create, body) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "B", "url": "https://127.0.0.1:9/b" }),
        )
        .await;
    let (update, _) = app
        .call_as(
            PRIVATE_KEY,
            Method::PUT,
            &format!("/webhooks/{uuid}"),
            Some(&json!({ "name": "C" })),
        )
        .await;
    let (delete, _) = app
        .call_as(
            PRIVATE_KEY,
            Method::DELETE,
            &format!("/webhooks/{uuid}"),
            None,
        )
        .await;
    let (read, _) = app.get_api("/webhooks").await;
    assert_eq!((create, update, delete), (403, 403, 403), "{body}");
    assert_eq!(read, 200, "reading needs no verification");
}

#[tokio::test]
async fn a_deleted_webhook_gets_no_more_deliveries() {
    let app = spawn_sandbox().await;
    let (_, list) = app.get_api("/webhooks").await;
    let uuid = list["data"][0]["uuid"].as_str().expect("uuid").to_owned();
    let first = app.earned("SALE-1", 10.0).await;
    app.receiver.wait_for(&first, 1).await;

    app.call_as(
        PRIVATE_KEY,
        Method::DELETE,
        &format!("/webhooks/{uuid}"),
        None,
    )
    .await;
    let second = app.earned("SALE-2", 10.0).await;

    // Nothing is even queued: the merchant has no webhook left when the order is approved.
    let log = app.deliveries_for(&second).await;
    assert!(log.is_empty(), "{log:?}");
    assert!(app.receiver.requests_for(&second).is_empty());
}

#[tokio::test]
async fn integration_status_flips_the_flag_and_is_throttled() {
    let app = spawn_sandbox().await;

    let (status, body) = app
        .post_api("/integration/status", &json!({ "active": false }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "status": true, "message": "Integration status updated",
                "appended_data": [], "data": { "active": false } })
    );
    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["merchants"][0]["integration_active"], false);
    let (invalid, body) = app
        .post_api("/integration/status", &json!({ "active": "maybe" }))
        .await;
    assert_eq!(invalid, 422);
    assert_eq!(
        body["errors"]["active"][0],
        "The active field must be true or false."
    );

    for _ in 2..30 {
        let (ok, _) = app
            .post_api("/integration/status", &json!({ "active": true }))
            .await;
        assert_eq!(ok, 200);
    }
    let (throttled, body) = app
        .post_api("/integration/status", &json!({ "active": true }))
        .await;
    assert_eq!(throttled, 429);
    assert_eq!(body["message"], "Too Many Attempts.");
    let (other_key, _) = app
        .call_as(
            OTHER_PRIVATE_KEY,
            Method::POST,
            "/integration/status",
            Some(&json!({ "active": true })),
        )
        .await;
    assert_eq!(other_key, 200, "the limit is per key");
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_envelope() {
    let app = spawn_sandbox().await;
    for path in ["/api/v1/nope", "/api/v2/orders", "/whatever"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            json!({ "status": false, "message": "Not found", "appended_data": {} })
        );
    }
    let (too_big, body) = app
        .post_api(
            "/webhooks",
            &json!({ "name": "x".repeat(300 * 1024), "url": "https://127.0.0.1:9/a" }),
        )
        .await;
    assert_eq!(too_big, 413);
    assert_eq!(body["status"], false, "{body}");
    let (bad_query, body) = app
        .get_api("/orders/550e8400-e29b-41d4-a716-446655440000?lang[]=x")
        .await;
    assert!(bad_query == 400 || bad_query == 404, "{bad_query}");
    assert_eq!(body["status"], false);
    let wrong_method = app.get("/api/v1/orders/earning").await;
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.expect("json");
    assert_eq!(
        body["message"],
        "The GET method is not supported for this route."
    );
}
