//! The admin audit trail: every admin request is recorded under the name of the token that
//! made it (never the token), with the route, the order it named and the status answered;
//! `points-server audit` reads it. A refused request is not an operation and is not recorded.

use reqwest::Method;
use serde_json::Value;
use server::commands::audit::{AuditArgs, run};

use crate::stack::{StackOptions, spawn_stack};

const NOURA: &str = "9e2b4c6d8a0f1e3b5d7c9a2e4f6b8d0c1a3e3f9a1c0e7b2d4a6f8e1b0c3d5a7f";

#[tokio::test]
async fn every_admin_request_is_recorded_under_its_tokens_name() {
    let stack = spawn_stack(StackOptions {
        named_admin_tokens: vec![("noura".into(), NOURA.into())],
        ..StackOptions::default()
    })
    .await;
    assert_eq!(
        stack.admin(Method::GET, "/admin/webhooks").await.status(),
        200
    );
    let disabled = stack
        .admin_with(Method::POST, "/admin/webhooks/disable", Some(NOURA))
        .await;
    assert_eq!(disabled.status(), 200);
    let missing = stack
        .admin_with(Method::GET, "/admin/orders/PK-000000-00000000", Some(NOURA))
        .await;
    assert_eq!(missing.status(), 404);
    let refused = stack
        .admin_with(Method::POST, "/admin/webhooks/enable", Some(&NOURA[1..]))
        .await;
    assert_eq!(refused.status(), 401);

    let mut out = Vec::new();
    run(
        stack.state(),
        AuditArgs {
            token: None,
            limit: 50,
            json: true,
        },
        &mut out,
    )
    .await
    .expect("audit");
    let rows: Vec<Value> = serde_json::from_slice(&out).expect("json");
    let seen: Vec<(String, String, String, Option<String>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["token"].as_str().expect("token").to_owned(),
                r["method"].as_str().expect("method").to_owned(),
                r["route"].as_str().expect("route").to_owned(),
                r["target"].as_str().map(str::to_owned),
                r["status"].as_i64().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "noura".into(),
                "GET".into(),
                "/admin/orders/{order}".into(),
                Some("PK-000000-00000000".into()),
                404
            ),
            (
                "noura".into(),
                "POST".into(),
                "/admin/webhooks/disable".into(),
                None,
                200
            ),
            (
                "admin".into(),
                "GET".into(),
                "/admin/webhooks".into(),
                None,
                200
            ),
        ],
        "newest first; the refused request is not there"
    );
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        !text.contains(NOURA) && !text.contains(&stack.admin_token),
        "no token in the trail"
    );

    // One token's requests, as text.
    let mut out = Vec::new();
    run(
        stack.state(),
        AuditArgs {
            token: Some("admin".into()),
            limit: 10,
            json: false,
        },
        &mut out,
    )
    .await
    .expect("audit");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("GET") && text.contains("/admin/webhooks") && text.contains("200"),
        "{text}"
    );
}
