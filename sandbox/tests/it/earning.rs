//! The three earning endpoints (API.md §3.4–3.6, §12).

use serde_json::{Value, json};

use crate::helpers::{OTHER_PUBLIC_KEY, PUBLIC_KEY, earning_body, eventually, spawn_sandbox};

#[tokio::test]
async fn a_purchase_earns_ten_points_per_riyal_and_fires_approved() {
    let app = spawn_sandbox().await;

    let (status, body) = app.earn(&earning_body("SALE-1", 115.0)).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], true);
    let data = &body["data"];
    assert_eq!(data["order_status"], "approved");
    assert_eq!(data["type"], 1);
    assert_eq!(data["total_points"], 1150);
    assert_eq!(data["order_number"], "SALE-1");
    assert_eq!(data["metadata"], json!({ "channel": "web" }));
    let uuid = data["uuid"].as_str().expect("uuid");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["event"], "approved");
    assert_eq!(got[0].body["order"]["type"], "earning");
    assert_eq!(got[0].body["order"]["total_points"], 1150);
    assert_eq!(got[0].body["order"]["payment_status"], "fully_paid");
    let customer = app.control_get("/_sandbox/customers/0512345678").await;
    assert_eq!(customer["points"], 1150);
    assert_eq!(customer["phone"], "5*****678");
}

#[tokio::test]
async fn points_are_floored_and_product_overrides_replace_their_share() {
    let app = spawn_sandbox().await;
    let (_, body) = app.earn(&earning_body("SALE-1", 150.55)).await;
    assert_eq!(body["data"]["total_points"], 1505);

    app.switch(PUBLIC_KEY, &json!({ "product_points": { "Gift card": 7 } }))
        .await;
    let (status, body) = app
        .earn(&json!({
            "phone_number": "512345678", "total_price": 120, "order_number": "SALE-2",
            "products": [
                { "product_name": "Gift card", "product_price": 50, "quantity": 2 },
                { "product_name": "Tea", "product_price": 20, "quantity": 1 },
            ],
        }))
        .await;
    assert_eq!(status, 200, "{body}");
    // 2 × 7 for the gift cards, 20 SAR × 10 for the rest.
    assert_eq!(body["data"]["total_points"], 214);
}

#[tokio::test]
async fn ratings_earn_flat_points_keyed_by_review_reference() {
    let app = spawn_sandbox().await;

    let (store_status, store) = app
        .post_api(
            "/orders/earning/store-rating",
            &json!({ "phone_number": "+966512345678", "review_reference": "REV-1", "rating": 5 }),
        )
        .await;
    let (product_status, product) = app
        .post_api(
            "/orders/earning/product-rating",
            &json!({ "phone_number": "512345678", "review_reference": "REV-2",
                     "product_id": "SKU-9", "product_name": "Tea", "comment": "good" }),
        )
        .await;

    assert_eq!(store_status, 200, "{store}");
    assert_eq!(store["data"]["total_points"], 25);
    assert_eq!(store["data"]["total_price"], 0.0);
    assert_eq!(store["data"]["order_number"], "REV-1");
    assert_eq!(product_status, 200, "{product}");
    assert_eq!(product["data"]["total_points"], 10);
}

#[tokio::test]
async fn a_reused_order_number_or_review_reference_is_a_422_and_creates_nothing() {
    let app = spawn_sandbox().await;
    app.earned("SALE-1", 10.0).await;
    let rating = json!({ "phone_number": "512345678", "review_reference": "REV-1" });
    app.post_api("/orders/earning/store-rating", &rating).await;

    let (status, body) = app.earn(&earning_body("SALE-1", 99.0)).await;
    let (rating_status, rating_body) = app.post_api("/orders/earning/store-rating", &rating).await;

    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["order_number"],
        json!(["The order number has already been taken."])
    );
    assert_eq!(rating_status, 422);
    assert_eq!(
        rating_body["errors"]["review_reference"],
        json!(["The review reference has already been taken."])
    );
    let state = app.control_get("/_sandbox/state").await;
    assert_eq!(state["orders"], 2);
}

#[tokio::test]
async fn each_validation_failure_is_a_422_with_dot_notation() {
    let app = spawn_sandbox().await;
    let check = |body: Value, key: &'static str, message: &'static str| {
        let app = &app;
        async move {
            let (status, got) = app.earn(&body).await;
            assert_eq!(status, 422, "{body} → {got}");
            assert_eq!(got["errors"][key][0], message, "{got}");
            assert_eq!(got["status"], false);
        }
    };
    check(
        json!({ "total_price": 1, "order_number": "A", "products": [] }),
        "phone_number",
        "The phone number field is required.",
    )
    .await;
    check(
        json!({ "phone_number": "12", "total_price": 1, "order_number": "A",
                "products": [{ "product_name": "x", "product_price": 1, "quantity": 1 }] }),
        "phone_number",
        "The phone number format is invalid.",
    )
    .await;
    check(
        json!({ "phone_number": "512345678", "total_price": "abc", "order_number": "A",
                "products": [{ "product_name": "x", "product_price": 1, "quantity": 1 }] }),
        "total_price",
        "The total price must be a number.",
    )
    .await;
    check(
        json!({ "phone_number": "512345678", "total_price": 1, "order_number": "A", "products": [] }),
        "products",
        "The products must have at least 1 items.",
    )
    .await;
    check(
        json!({ "phone_number": "512345678", "total_price": 1, "order_number": "A",
                "products": [{ "product_name": "x", "product_price": 1, "quantity": 0 }] }),
        "products.0.quantity",
        "The products.0.quantity must be at least 1.",
    )
    .await;
    let (status, body) = app
        .post_api(
            "/orders/earning/product-rating",
            &json!({ "phone_number": "512345678", "review_reference": "R", "rating": 9 }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["product_id"][0],
        "The product id field is required."
    );
    assert_eq!(
        body["errors"]["rating"][0],
        "The rating may not be greater than 5."
    );
    assert_eq!(app.control_get("/_sandbox/state").await["orders"], 0);
}

#[tokio::test]
async fn a_concurrent_call_inside_the_lock_window_gets_429() {
    let app = spawn_sandbox().await;
    app.switch(PUBLIC_KEY, &json!({ "earning_delay_ms": 400 }))
        .await;

    let first = {
        let url = app.url.clone();
        let http = app.http.clone();
        tokio::spawn(async move {
            http.post(format!("{url}/api/v1/orders/earning"))
                .header("x-api-key", crate::helpers::PRIVATE_KEY)
                .json(&earning_body("SALE-1", 10.0))
                .send()
                .await
                .expect("first call")
                .status()
        })
    };
    eventually("the lock to be taken", || async {
        let state = app.control_get("/_sandbox/state").await;
        (state["merchants"][0]["earning_locked"] == true).then_some(())
    })
    .await;
    let (second, body) = app.earn(&earning_body("SALE-1", 10.0)).await;
    let (other_merchant, _) = app
        .call_as(
            crate::helpers::OTHER_PRIVATE_KEY,
            reqwest::Method::POST,
            "/orders/earning",
            Some(&earning_body("SALE-9", 10.0)),
        )
        .await;

    assert_eq!(second, 429, "{body}");
    assert_eq!(body["status"], false);
    assert_eq!(other_merchant, 200, "the lock is per merchant");
    assert_eq!(first.await.expect("join"), 200);
    app.switch(PUBLIC_KEY, &json!({ "earning_delay_ms": 0 }))
        .await;
    let (after, _) = app.earn(&earning_body("SALE-2", 10.0)).await;
    assert_eq!(after, 200, "the lock is released");
}

#[tokio::test]
async fn an_unactivated_customer_gets_the_pending_variant_until_activation() {
    let app = spawn_sandbox().await;
    let mut body = earning_body("SALE-P", 115.0);
    body["phone_number"] = json!("0500000004");

    let (status, pending) = app.earn(&body).await;

    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["data"]["pending_client_activation"], true);
    let queued = &pending["data"]["pending_earning_order"];
    assert_eq!(queued["merchant_order_number"], "SALE-P");
    assert_eq!(queued["total_price"], 115.0);
    assert_eq!(queued["total_points"], 1150);
    assert!(queued["id"].is_u64());
    assert!(pending["data"].get("uuid").is_none());
    assert!(
        app.receiver.requests().is_empty(),
        "no webhook before activation"
    );
    let (again, _) = app.earn(&body).await;
    assert_eq!(again, 422, "the pending earning holds its order number");

    let activated = app
        .control_post("/_sandbox/customers/500000004/activate", &json!({}))
        .await;
    assert_eq!(activated.status(), 200);
    let activated: Value = activated.json().await.expect("json");
    let uuid = activated["orders"][0].as_str().expect("one order");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["event"], "approved");
    assert_eq!(got[0].body["order"]["order_number"], "SALE-P");
    let (_, order) = app.get_api(&format!("/orders/{uuid}")).await;
    assert_eq!(order["data"]["order_status"], "approved");
    assert_eq!(order["data"]["total_points"], 1150);
}

#[tokio::test]
async fn switches_answer_403_with_their_messages() {
    let app = spawn_sandbox().await;

    app.switch(PUBLIC_KEY, &json!({ "earning_enabled": false }))
        .await;
    let (disabled, body) = app.earn(&earning_body("SALE-1", 10.0)).await;
    assert_eq!(disabled, 403);
    assert_eq!(
        body,
        json!({ "status": false, "message": "Merchant is not allowed to create earning orders",
                "appended_data": {} })
    );

    app.switch(
        PUBLIC_KEY,
        &json!({ "earning_enabled": true, "verified": false }),
    )
    .await;
    let (unverified, _) = app.earn(&earning_body("SALE-1", 10.0)).await;
    assert_eq!(unverified, 403);

    app.switch(
        PUBLIC_KEY,
        &json!({ "verified": true, "ip_allow_list": ["10.1.2.3"] }),
    )
    .await;
    let (blocked, body) = app.earn(&earning_body("SALE-1", 10.0)).await;
    assert_eq!(blocked, 403);
    assert_eq!(
        body["message"],
        "Your IP address is not allowed to access this API."
    );
    let (reads_too, _) = app.get_api("/webhooks").await;
    assert_eq!(reads_too, 403, "every authenticated call is checked");
    let checkout = app.checkout(&crate::helpers::checkout_body("ORD-IP")).await;
    assert_eq!(checkout.status(), 200, "checkout is exempt");

    app.switch(PUBLIC_KEY, &json!({ "ip_allow_list": ["127.0.0.1"] }))
        .await;
    let (allowed, _) = app.earn(&earning_body("SALE-1", 10.0)).await;
    assert_eq!(allowed, 200);
    app.switch(PUBLIC_KEY, &json!({ "ip_allow_list": [] }))
        .await;
    let (kill_switch, _) = app.earn(&earning_body("SALE-2", 10.0)).await;
    assert_eq!(kill_switch, 403, "an empty list blocks everyone");
    app.switch(PUBLIC_KEY, &json!({ "ip_allow_list": null }))
        .await;
    let (open_again, _) = app.earn(&earning_body("SALE-2", 10.0)).await;
    assert_eq!(open_again, 200);
    let _ = OTHER_PUBLIC_KEY;
}

#[tokio::test]
async fn auth_failures_are_400s() {
    let app = spawn_sandbox().await;
    let (missing, body) = {
        let response = app
            .http
            .post(format!("{}/api/v1/orders/earning", app.url))
            .json(&earning_body("SALE-1", 10.0))
            .send()
            .await
            .expect("call");
        (
            response.status(),
            response.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(missing, 400);
    assert_eq!(body["message"], "API key is required");
    let (invalid, body) = app
        .call_as(
            "sk_nope",
            reqwest::Method::POST,
            "/orders/earning",
            Some(&earning_body("SALE-1", 10.0)),
        )
        .await;
    assert_eq!(invalid, 400);
    assert_eq!(body["message"], "Invalid or inactive API key");
}
