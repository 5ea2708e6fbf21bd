//! The conformance scenario: every endpoint, with its success and error statuses.

use serde_json::json;

use super::Recorder;
use crate::helpers::{
    OTHER_PRIVATE_KEY, PRIVATE_KEY, PUBLIC_KEY, checkout_body, earning_body, eventually,
};

/// Every endpoint, with its success and documented error statuses.
pub async fn scenario(r: &mut Recorder<'_>) {
    let checkout = "/v1/orders/checkout/{publicKey}";
    let order = "/v1/orders/{orderUuid}";
    let earning = "/v1/orders/earning";
    let key = Some(PRIVATE_KEY);
    // Checkout: 200, 400, 422, 403.
    r.call(
        "post",
        checkout,
        &format!("/v1/orders/checkout/{PUBLIC_KEY}"),
        None,
        Some(checkout_body("C-1")),
    )
    .await;
    r.call(
        "post",
        checkout,
        "/v1/orders/checkout/pk_unknown",
        None,
        Some(checkout_body("C-2")),
    )
    .await;
    r.call(
        "post",
        checkout,
        &format!("/v1/orders/checkout/{PUBLIC_KEY}"),
        None,
        Some(json!({ "products": [] })),
    )
    .await;
    // Earning: 200 (order and pending), 400, 422, 429 (injected), 403.
    let (_, earned) = r
        .post(earning, "/v1/orders/earning", earning_body("E-1", 115.0))
        .await;
    let uuid = earned["data"]["uuid"].as_str().expect("uuid").to_owned();
    let mut pending = earning_body("E-2", 10.0);
    pending["phone_number"] = json!("500000004");
    r.post(earning, "/v1/orders/earning", pending).await;
    r.call(
        "post",
        earning,
        "/v1/orders/earning",
        Some("sk_nope"),
        Some(earning_body("E-3", 1.0)),
    )
    .await;
    r.call(
        "post",
        earning,
        "/v1/orders/earning",
        None,
        Some(earning_body("E-3", 1.0)),
    )
    .await;
    r.post(earning, "/v1/orders/earning", json!({ "total_price": "x" }))
        .await;
    r.post(earning, "/v1/orders/earning", earning_body("E-1", 115.0))
        .await;
    r.app
        .control_post("/_sandbox/faults", &json!({ "route": "*", "method": "POST", "fault": "status", "status": 429, "count": 1 }))
        .await;
    r.post(earning, "/v1/orders/earning", earning_body("E-4", 1.0))
        .await;
    // Ratings.
    let store_rating = "/v1/orders/earning/store-rating";
    let product_rating = "/v1/orders/earning/product-rating";
    r.post(
        store_rating,
        store_rating,
        json!({ "phone_number": "512345678", "review_reference": "R-1" }),
    )
    .await;
    r.post(
        store_rating,
        store_rating,
        json!({ "phone_number": "512345678", "review_reference": "R-1" }),
    )
    .await;
    r.post(
        product_rating,
        product_rating,
        json!({ "phone_number": "512345678", "review_reference": "R-2", "product_id": 7 }),
    )
    .await;
    r.post(
        product_rating,
        product_rating,
        json!({ "phone_number": "bad" }),
    )
    .await;
    // Get order: 200, 400, 404.
    r.call("get", order, &format!("/v1/orders/{uuid}"), key, None)
        .await;
    r.call(
        "get",
        order,
        &format!("/v1/orders/{uuid}?lang=en"),
        key,
        None,
    )
    .await;
    r.call(
        "get",
        order,
        &format!("/v1/orders/{uuid}"),
        Some("sk_nope"),
        None,
    )
    .await;
    r.call(
        "get",
        order,
        &format!("/v1/orders/{uuid}"),
        Some(OTHER_PRIVATE_KEY),
        None,
    )
    .await;
    // The lifecycle on replacing orders made by checkout.
    let mut uuids = Vec::new();
    for n in 0..3 {
        let number = format!("L-{n}");
        r.call(
            "post",
            checkout,
            &format!("/v1/orders/checkout/{PUBLIC_KEY}"),
            None,
            Some(checkout_body(&number)),
        )
        .await;
        uuids.push(
            r.app.order(&number).await["uuid"]
                .as_str()
                .expect("uuid")
                .to_owned(),
        );
    }
    let path = |uuid: &str, action: &str| format!("/v1/orders/{uuid}/{action}");
    let (a, b, c) = (&uuids[0], &uuids[1], &uuids[2]);
    r.post(
        "/v1/orders/{orderUuid}/authorize",
        &path(a, "authorize"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/authorize",
        &path(a, "authorize"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/capture",
        &path(a, "capture"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/capture",
        &path(a, "capture"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/complete",
        &path(a, "complete"),
        json!({ "payment_method": "1" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/complete",
        &path(a, "complete"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/complete",
        &path(b, "complete"),
        json!({ "payment_method": "99" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/refund",
        &path(a, "refund"),
        json!({ "amount": 10, "reason": "part" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/refund",
        &path(a, "refund"),
        json!({ "amount": 1_000_000 }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/refund",
        &path(a, "refund"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/refund",
        &path(a, "refund"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/cancel",
        &path(b, "cancel"),
        json!({ "reason": "r" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/cancel",
        &path(b, "cancel"),
        json!({}),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/cancel",
        &path(c, "cancel"),
        json!({ "reason": "x".repeat(501) }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/status",
        &path(c, "status"),
        json!({ "status": "delivered" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/status",
        &path(c, "status"),
        json!({ "name_ar": "تم", "name_en": "Done" }),
    )
    .await;
    r.post(
        "/v1/orders/{orderUuid}/status",
        &path(c, "status"),
        json!({}),
    )
    .await;
    for action in [
        "complete",
        "authorize",
        "capture",
        "cancel",
        "refund",
        "status",
    ] {
        let template = match action {
            "complete" => "/v1/orders/{orderUuid}/complete",
            "authorize" => "/v1/orders/{orderUuid}/authorize",
            "capture" => "/v1/orders/{orderUuid}/capture",
            "cancel" => "/v1/orders/{orderUuid}/cancel",
            "refund" => "/v1/orders/{orderUuid}/refund",
            _ => "/v1/orders/{orderUuid}/status",
        };
        r.call(
            "post",
            template,
            &path(c, action),
            Some(OTHER_PRIVATE_KEY),
            Some(json!({ "status": "new" })),
        )
        .await;
        r.call("post", template, &path(c, action), None, Some(json!({})))
            .await;
    }
    r.post(
        "/v1/orders/{orderUuid}/refund",
        &path(&uuid, "refund"),
        json!({ "amount": 15 }),
    )
    .await;
    // Webhooks.
    let list = "/v1/webhooks";
    let one = "/v1/webhooks/{webhookUuid}";
    r.call("get", list, "/v1/webhooks", key, None).await;
    r.call("get", list, "/v1/webhooks?per_page=1&page=2", key, None)
        .await;
    r.call("get", list, "/v1/webhooks", Some("sk_nope"), None)
        .await;
    let (_, created) = r
        .post(
            list,
            "/v1/webhooks",
            json!({ "name": "A", "url": "https://127.0.0.1:9/a" }),
        )
        .await;
    let hook = created["data"]["uuid"].as_str().expect("uuid").to_owned();
    r.post(
        list,
        "/v1/webhooks",
        json!({ "name": "A", "url": "https://127.0.0.1:9/a" }),
    )
    .await;
    r.post(list, "/v1/webhooks", json!({ "url": "nope" })).await;
    r.call(
        "post",
        list,
        "/v1/webhooks",
        Some("sk_nope"),
        Some(json!({})),
    )
    .await;
    let hook_path = format!("/v1/webhooks/{hook}");
    r.call("get", one, &hook_path, key, None).await;
    r.call("get", one, &hook_path, Some(OTHER_PRIVATE_KEY), None)
        .await;
    r.call("get", one, &hook_path, Some("sk_nope"), None).await;
    r.call("put", one, &hook_path, key, Some(json!({ "name": "B" })))
        .await;
    r.call("put", one, &hook_path, key, Some(json!({}))).await;
    r.call(
        "put",
        one,
        &hook_path,
        Some(OTHER_PRIVATE_KEY),
        Some(json!({ "name": "B" })),
    )
    .await;
    r.call(
        "patch",
        one,
        &hook_path,
        key,
        Some(json!({ "url": "https://127.0.0.1:9/b" })),
    )
    .await;
    r.call("patch", one, &hook_path, key, Some(json!({ "url": "bad" })))
        .await;
    r.call(
        "delete",
        one,
        &format!("/v1/webhooks/{}", uuid::Uuid::new_v4()),
        key,
        None,
    )
    .await;
    // Unverified: 403 on checkout, earning and webhook writes.
    r.app
        .switch(PUBLIC_KEY, &json!({ "verified": false }))
        .await;
    r.call(
        "post",
        checkout,
        &format!("/v1/orders/checkout/{PUBLIC_KEY}"),
        None,
        Some(checkout_body("C-9")),
    )
    .await;
    r.post(earning, "/v1/orders/earning", earning_body("E-9", 1.0))
        .await;
    r.post(
        list,
        "/v1/webhooks",
        json!({ "name": "C", "url": "https://127.0.0.1:9/c" }),
    )
    .await;
    r.call("put", one, &hook_path, key, Some(json!({ "name": "C" })))
        .await;
    r.call("patch", one, &hook_path, key, Some(json!({ "name": "C" })))
        .await;
    r.call("delete", one, &hook_path, key, None).await;
    r.app.switch(PUBLIC_KEY, &json!({ "verified": true })).await;
    r.call("delete", one, &hook_path, key, None).await;
    // Integration status: 200, 422, 400, 429.
    let integration = "/v1/integration/status";
    r.post(integration, integration, json!({ "active": true }))
        .await;
    r.post(integration, integration, json!({ "active": "maybe" }))
        .await;
    r.call(
        "post",
        integration,
        integration,
        Some("sk_nope"),
        Some(json!({ "active": true })),
    )
    .await;
    for _ in 0..29 {
        r.post(integration, integration, json!({ "active": false }))
            .await;
    }
    let (throttled, _) = r
        .post(integration, integration, json!({ "active": false }))
        .await;
    assert_eq!(throttled, 429);
    // Ratings: 400 (auth), 403 (earning disabled), 429 (the earning lock, injected).
    for rating in [store_rating, product_rating] {
        let body = json!({ "phone_number": "512345678", "product_id": 7,
                           "review_reference": format!("{rating}-x") });
        let (status, _) = r
            .call("post", rating, rating, Some("sk_nope"), Some(body.clone()))
            .await;
        assert_eq!(status, 400);
        r.app
            .switch(PUBLIC_KEY, &json!({ "earning_enabled": false }))
            .await;
        assert_eq!(r.post(rating, rating, body.clone()).await.0, 403);
        r.app
            .switch(PUBLIC_KEY, &json!({ "earning_enabled": true }))
            .await;
        r.app
            .control_post(
                "/_sandbox/faults",
                &json!({ "route": format!("/api{rating}"), "fault": "status",
                         "status": 429, "count": 1 }),
            )
            .await;
        assert_eq!(r.post(rating, rating, body).await.0, 429);
    }
    let unknown_hook = format!("/v1/webhooks/{}", uuid::Uuid::new_v4());
    let (status, _) = r
        .call(
            "patch",
            one,
            &unknown_hook,
            key,
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(status, 404);
    // Let the webhooks of all this settle, so nothing fails after the test's sandbox is gone.
    eventually("the deliveries", || async {
        let log = r.app.control_get("/_sandbox/deliveries").await;
        (log.as_array().is_some_and(|l| !l.is_empty())).then_some(())
    })
    .await;
}
