//! The admin API against the real sandbox: the bearer token, and support's order search.

use reqwest::Method;
use serde_json::Value;

use crate::stack::{OpsStack, StackOptions, spawn_stack};

/// Every admin route with its method.
const ROUTES: [(&str, &str); 5] = [
    ("GET", "/admin/orders/search?q=PK-1"),
    ("GET", "/admin/earnings"),
    ("GET", "/admin/webhooks"),
    ("POST", "/admin/webhooks/disable"),
    ("POST", "/admin/webhooks/enable"),
];

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("method")
}

#[tokio::test]
async fn every_admin_route_refuses_a_missing_or_wrong_token() {
    let stack = spawn_stack(StackOptions::default()).await;
    let same_length: String = stack.admin_token.chars().rev().collect();
    let longer = format!("{}0", stack.admin_token);
    for (verb, path) in ROUTES {
        for token in [None, Some(same_length.as_str()), Some(&longer), Some("")] {
            let response = stack.admin_with(method(verb), path, token).await;
            assert_eq!(response.status(), 401, "{verb} {path} with {token:?}");
            let challenge = response
                .headers()
                .get("www-authenticate")
                .expect("challenge");
            assert!(challenge.to_str().unwrap_or_default().starts_with("Bearer"));
        }
        let basic = stack
            .http
            .request(method(verb), format!("{}{path}", stack.server))
            .basic_auth("admin", Some(&stack.admin_token))
            .send()
            .await
            .expect("request");
        assert_eq!(basic.status(), 401, "{verb} {path} with Basic auth");
    }
    // Refused requests changed nothing: intake is still on.
    assert!(intake_enabled(&stack).await);
    for (verb, path) in ROUTES {
        let response = stack.admin(method(verb), path).await;
        assert_eq!(response.status(), 200, "{verb} {path} with the token");
    }
}

#[tokio::test]
async fn without_a_configured_token_there_is_no_admin_api() {
    let stack = spawn_stack(StackOptions {
        admin: false,
        ..StackOptions::default()
    })
    .await;
    for (verb, path) in ROUTES {
        let response = stack.admin(method(verb), path).await;
        assert_eq!(response.status(), 404, "{verb} {path}");
    }
}

#[tokio::test]
async fn support_finds_an_order_by_number_reference_or_uuid() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (paid, url) = stack.checkout(None).await;
    let (_unrelated, _) = stack.checkout(None).await;
    stack.approve(&url).await;
    let view = stack.wait_for_state(&paid, "confirmed").await;
    let reference = view["reference_number"]
        .as_str()
        .expect("reference")
        .to_owned();
    let uuid = view["points_uuid"].as_str().expect("uuid").to_owned();
    let updated_at = view["updated_at"].clone();

    for query in [
        paid.clone(),
        paid.to_lowercase(),
        reference.clone(),
        uuid.clone(),
        uuid.to_uppercase(),
        format!("  {paid} "),
    ] {
        let found = search(&stack, &query).await;
        let orders = found["orders"].as_array().expect("orders");
        assert_eq!(orders.len(), 1, "{query:?}: {found}");
        let order = &orders[0];
        assert_eq!(order["order_number"], paid.as_str(), "{query:?}");
        assert_eq!(order["state"], "confirmed");
        assert_eq!(order["reference_number"], reference.as_str());
        assert_eq!(order["items"][0]["sku"], "oud-50");
        let transitions = order["transitions"].as_array().expect("transitions");
        assert_eq!(transitions.len(), 1, "{order}");
        assert_eq!(transitions[0]["source"], "webhook");
        assert_eq!(transitions[0]["to_status"], "approved");
    }
    let nothing = search(&stack, "PK-000000-NOTHING1").await;
    assert_eq!(nothing["orders"], Value::Array(Vec::new()));
    // Searching is read-only.
    assert_eq!(stack.order(&paid, "").await["updated_at"], updated_at);
}

#[tokio::test]
async fn a_search_without_a_usable_query_is_a_422() {
    let stack = spawn_stack(StackOptions::default()).await;
    let long = "x".repeat(101);
    for query in ["", "q=", "q=%20%20", &format!("q={long}")] {
        let path = format!("/admin/orders/search?{query}");
        let response = stack.admin(Method::GET, &path).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.expect("json");
        assert!(body["fields"]["q"].is_array(), "{query}: {body}");
    }
}

async fn search(stack: &OpsStack, query: &str) -> Value {
    let path = format!("/admin/orders/search?q={}", urlencode(query));
    let response = stack.admin(Method::GET, &path).await;
    assert_eq!(response.status(), 200, "search {query:?}");
    response.json().await.expect("json")
}

pub async fn intake_enabled(stack: &OpsStack) -> bool {
    let response = stack.admin(Method::GET, "/admin/webhooks").await;
    let body: Value = response.json().await.expect("json");
    body["webhooks_enabled"]
        .as_bool()
        .expect("webhooks_enabled")
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
