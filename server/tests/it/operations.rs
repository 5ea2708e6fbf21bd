//! Support's order operations (`/admin/orders/…` and `points-server orders …`) against the real
//! sandbox: each operation's success and its 400 / 404 / 422 paths (and the 502 when Points
//! gives no verdict), and that the local order changes only when the event's webhook is
//! applied (held back with the sandbox's `drop` delivery fault, then replayed), never because
//! the call succeeded.

use clap::Parser;
use serde_json::{Value, json};
use server::ApiError;
use server::commands::{Cli, Command};

use crate::helpers::{eventually, new_uuid};
use crate::stack::{OpsStack, StackOptions, spawn_stack};

/// A Points reason or label one character over its limit (500 / 120, API.md §3.9–3.11).
fn too_long(limit: usize) -> String {
    "x".repeat(limit + 1)
}

/// A checkout the shopper approved, confirmed here by its webhook: `(order_number, uuid)`.
async fn paid_order(stack: &OpsStack) -> (String, String) {
    let (number, url) = stack.checkout(None).await;
    stack.approve(&url).await;
    let view = stack.wait_for_state(&number, "confirmed").await;
    let uuid = view["points_uuid"].as_str().expect("uuid").to_owned();
    (number, uuid)
}

/// A checkout still `new` at Points whose uuid we know from a verified return-page lookup.
async fn new_order_named_by_points(stack: &OpsStack) -> (String, String) {
    let (number, _) = stack.checkout(None).await;
    let uuid = stack.points_uuid(&number).await;
    let view = stack.order(&number, &format!("uuid={uuid}")).await;
    assert_eq!(view["points_uuid"], uuid.as_str(), "{view}");
    assert_eq!(view["state"], "pending");
    (number, uuid)
}

/// `POST /admin/orders/{order}/{action}` with the token; the status and the JSON answer.
async fn op(stack: &OpsStack, order: &str, action: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = stack
        .http
        .post(format!("{}/admin/orders/{order}/{action}", stack.server))
        .bearer_auth(&stack.admin_token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("admin call");
    let status = response.status().as_u16();
    // `Null` for a body that is not JSON (a route that does not exist answers an empty 404).
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The sandbox's own view of the order.
async fn at_points(stack: &OpsStack, order_number: &str) -> Value {
    let orders: Value = stack
        .http
        .get(format!("{}/_sandbox/orders", stack.sandbox))
        .send()
        .await
        .expect("sandbox orders")
        .json()
        .await
        .expect("json");
    orders
        .as_array()
        .and_then(|all| all.iter().find(|o| o["order_number"] == order_number))
        .cloned()
        .unwrap_or_else(|| panic!("no {order_number} at the sandbox"))
}

/// The sandbox drops its next webhook notification (it logs it, so it can be replayed).
async fn drop_next_delivery(stack: &OpsStack) {
    let response = stack
        .http
        .post(format!("{}/_sandbox/webhook-faults", stack.sandbox))
        .json(&json!({"fault": "drop", "count": 1}))
        .send()
        .await
        .expect("delivery fault");
    assert_eq!(response.status(), 200, "drop fault");
}

/// Sends the dropped `event` about `uuid` after all, as Points' retry would.
async fn replay_dropped(stack: &OpsStack, uuid: &str, event: &str) {
    let dropped = stack
        .deliveries_for(uuid)
        .await
        .into_iter()
        .find(|d| d["event"] == event && d["attempt"] == 0)
        .unwrap_or_else(|| panic!("a dropped {event} delivery"));
    let id = dropped["id"].as_u64().expect("delivery id");
    let response = stack
        .http
        .post(format!("{}/_sandbox/deliveries/{id}/replay", stack.sandbox))
        .send()
        .await
        .expect("replay");
    assert_eq!(response.status(), 200, "replay");
}

/// Waits until `GET /api/orders/{order_number}` shows `key` = `value`.
async fn wait_for(stack: &OpsStack, order_number: &str, key: &str, value: &str) -> Value {
    eventually(
        &format!("{order_number} to show {key} = {value}"),
        || async {
            let view = stack.order(order_number, "").await;
            (view[key] == value).then_some(view)
        },
    )
    .await
}

/// `points-server orders ARGS…` in-process: its output, or the error it exits with.
async fn cli(stack: &OpsStack, args: &[&str]) -> Result<String, ApiError> {
    let mut all = vec!["points-server", "orders"];
    all.extend_from_slice(args);
    let Some(Command::Orders(command)) = Cli::try_parse_from(all).expect("parses").command else {
        panic!("not an orders command: {args:?}");
    };
    let mut out = Vec::new();
    server::commands::orders::run(stack.state(), command, &mut out).await?;
    Ok(String::from_utf8(out).expect("UTF-8 output"))
}

#[tokio::test]
async fn a_refund_shows_on_the_order_only_once_its_webhook_is_applied() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = paid_order(&stack).await;
    drop_next_delivery(&stack).await;

    let (status, body) = op(
        &stack,
        &number,
        "refund",
        Some(json!({"amount": "25.00", "reason": "One item returned"})),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["operation"], "refund");
    assert_eq!(body["points"]["uuid"], uuid.as_str());
    assert_eq!(body["points"]["order_status"], "partially_refunded");
    assert_eq!(
        at_points(&stack, &number).await["order_status"],
        "partially_refunded"
    );
    // Points did it; the local order still says what the last webhook said.
    assert_eq!(body["order"]["state"], "confirmed", "{body}");
    assert_eq!(body["order"]["refunded_amount"], "0.00");
    let view = stack.order(&number, "").await;
    assert_eq!(view["state"], "confirmed");
    assert_eq!(view["order_status"], "approved");
    assert_eq!(view["refunded_amount"], "0.00");
    assert_eq!(
        stack.count("webhook_inbox WHERE event = 'refunded'").await,
        0
    );

    replay_dropped(&stack, &uuid, "refunded").await;
    let view = stack.wait_for_state(&number, "refunded").await;
    assert_eq!(view["order_status"], "partially_refunded");
    assert_eq!(view["refunded_amount"], "25.00");
    assert_eq!(view["total_price"], "150.75");

    // The rest, naming the order by its Points uuid and giving no amount.
    let (status, body) = op(&stack, &uuid, "refund", Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["points"]["order_status"], "fully_refunded");
    let view = wait_for(&stack, &number, "order_status", "fully_refunded").await;
    assert_eq!(view["refunded_amount"], "150.75");
    assert_eq!(view["state"], "refunded");
    stack.stop().await;
}

#[tokio::test]
async fn a_refund_that_is_certainly_wrong_is_refused_here_and_never_sent() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = paid_order(&stack).await;
    let refunds = [
        json!({"amount": "0"}),
        json!({"amount": "0.00"}),
        json!({"amount": "-1"}),
        json!({"amount": "12.505"}),
        json!({"amount": 12.505}),
        json!({"amount": "12,50"}),
        json!({"amount": "150.76"}),
        json!({"amount": true}),
        json!({"ammount": "1.00"}),
        json!({"amount": "1.00", "reason": "  "}),
        json!(["1.00"]),
    ];
    for body in refunds {
        let (status, answer) = op(&stack, &number, "refund", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let reason = answer["error"].as_str().expect("a reason");
        assert!(
            reason.starts_with("amount")
                || reason.starts_with("body")
                || reason.starts_with("reason"),
            "{body}: the reason names what is wrong: {reason}"
        );
    }
    let malformed = stack
        .http
        .post(format!("{}/admin/orders/{number}/refund", stack.server))
        .bearer_auth(&stack.admin_token)
        .header("content-type", "application/json")
        .body("{\"amount\": ")
        .send()
        .await
        .expect("call");
    assert_eq!(malformed.status(), 400);
    let answer: Value = malformed.json().await.expect("json");
    assert!(
        answer["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{answer}"
    );
    let untyped = stack
        .http
        .post(format!("{}/admin/orders/{number}/refund", stack.server))
        .bearer_auth(&stack.admin_token)
        .body("{}")
        .send()
        .await
        .expect("call");
    assert_eq!(untyped.status(), 415);

    // Nothing reached Points, nothing changed here.
    assert_eq!(at_points(&stack, &number).await["order_status"], "approved");
    assert!(
        !stack
            .deliveries_for(&uuid)
            .await
            .iter()
            .any(|d| d["event"] == "refunded"),
        "no refund happened"
    );
    let view = stack.order(&number, "").await;
    assert_eq!(view["refunded_amount"], "0.00");
    assert_eq!(view["order_status"], "approved");
    stack.stop().await;
}

#[tokio::test]
async fn an_order_unknown_here_or_not_yet_named_by_points_is_a_404() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (unnamed, _) = stack.checkout(None).await;
    let actions: [(&str, Option<Value>); 6] = [
        ("refund", Some(json!({}))),
        ("cancel", Some(json!({}))),
        ("authorize", None),
        ("capture", None),
        ("complete", Some(json!({}))),
        ("shipping", Some(json!({"status": "delivered"}))),
    ];
    for (action, body) in &actions {
        for order in ["PK-000000-NOTHING1", &new_uuid(), &unnamed] {
            let (status, answer) = op(&stack, order, action, body.clone()).await;
            assert_eq!(status, 404, "{action} {order}: {answer}");
            assert!(answer["error"].is_string());
        }
    }
    let (_, answer) = op(&stack, &unnamed, "capture", None).await;
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("no Points uuid")),
        "says why: {answer}"
    );
    let show = stack
        .admin(reqwest::Method::GET, "/admin/orders/PK-000000-NOTHING1")
        .await;
    assert_eq!(show.status(), 404);

    // An order whose uuid Points does not know: Points' own 404 comes back as ours.
    let (number, _) = paid_order(&stack).await;
    let stranger = new_uuid();
    sqlx::query("UPDATE orders SET points_uuid = $1 WHERE order_number = $2")
        .bind(&stranger)
        .bind(&number)
        .execute(&stack.db)
        .await
        .expect("arrange a uuid Points never issued");
    for (action, body) in actions {
        let (status, answer) = op(&stack, &number, action, body).await;
        assert_eq!(status, 404, "{action}: {answer}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("Points does not know")),
            "{action}: {answer}"
        );
    }
    assert_eq!(at_points(&stack, &number).await["order_status"], "approved");
    stack.stop().await;
}

#[tokio::test]
async fn points_refusals_come_back_with_its_reasons_and_change_nothing() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, _) = paid_order(&stack).await;

    // 400: transitions an approved order does not allow.
    for (action, body, says) in [
        (
            "cancel",
            Some(json!({"reason": "Changed my mind"})),
            "cannot be cancelled",
        ),
        ("authorize", None, "cannot be authorized"),
        ("capture", None, "cannot be captured"),
        (
            "complete",
            Some(json!({"payment_method": "mada"})),
            "already fully paid",
        ),
    ] {
        let (status, answer) = op(&stack, &number, action, body).await;
        assert_eq!(status, 400, "{action}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("Points refused") && error.contains(says),
            "{action}: {answer}"
        );
    }

    // 422: more than what remains after an earlier refund, and Points' length limits.
    let (status, answer) = op(&stack, &number, "refund", Some(json!({"amount": "100.00"}))).await;
    assert_eq!(status, 200, "{answer}");
    wait_for(&stack, &number, "refunded_amount", "100.00").await;
    let (status, answer) = op(&stack, &number, "refund", Some(json!({"amount": "100.00"}))).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["fields"]["amount"][0]
            .as_str()
            .is_some_and(|m| m.contains("50.75")),
        "Points' message on the field: {answer}"
    );
    for (action, body, field) in [
        (
            "refund",
            json!({"amount": "1.00", "reason": too_long(500)}),
            "reason",
        ),
        ("cancel", json!({"reason": too_long(500)}), "reason"),
        (
            "shipping",
            json!({"label": {"en": too_long(120)}}),
            "name_en",
        ),
        (
            "shipping",
            json!({"status": "delivered", "label": {"ar": too_long(120)}}),
            "name_ar",
        ),
    ] {
        let (status, answer) = op(&stack, &number, action, Some(body)).await;
        assert_eq!(status, 422, "{action}: {answer}");
        assert!(answer["fields"][field].is_array(), "{action}: {answer}");
    }

    let points = at_points(&stack, &number).await;
    assert_eq!(points["order_status"], "partially_refunded");
    assert_eq!(points["custom_status"], Value::Null, "no label was set");
    let view = stack.order(&number, "").await;
    assert_eq!(view["refunded_amount"], "100.00");
    assert_eq!(view["shipping_status"], Value::Null);
    stack.stop().await;
}

#[tokio::test]
async fn authorize_capture_and_complete_move_the_order_through_their_webhooks() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = new_order_named_by_points(&stack).await;

    // Support may type the number in lower case.
    let (status, answer) = op(&stack, &number.to_lowercase(), "authorize", None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["order_status"], "authorized");
    let view = wait_for(&stack, &number, "order_status", "authorized").await;
    assert_eq!(view["state"], "confirmed");

    let (status, answer) = op(&stack, &uuid, "capture", None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["order_status"], "captured");
    wait_for(&stack, &number, "order_status", "captured").await;

    let (status, answer) = op(
        &stack,
        &number,
        "complete",
        Some(json!({"payment_method": "bitcoin"})),
    )
    .await;
    assert_eq!(status, 400, "refused here: {answer}");
    assert_eq!(at_points(&stack, &number).await["order_status"], "captured");

    let (status, answer) = op(
        &stack,
        &number,
        "complete",
        Some(json!({"payment_method": "mada"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["order_status"], "approved");
    wait_for(&stack, &number, "order_status", "approved").await;

    let (status, answer) = op(&stack, &number, "complete", Some(json!({}))).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("already completed"))
    );

    let history = stack
        .admin(reqwest::Method::GET, &format!("/admin/orders/{uuid}"))
        .await;
    assert_eq!(history.status(), 200);
    let history: Value = history.json().await.expect("json");
    let reached: Vec<&str> = history["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .filter_map(|t| t["to_status"].as_str())
        .collect();
    assert_eq!(
        reached,
        ["new", "authorized", "captured", "approved"],
        "{history}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_cancel_fails_the_order_with_its_reason_once_the_webhook_is_applied() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = new_order_named_by_points(&stack).await;
    let (status, answer) = op(&stack, &number, "cancel", Some(json!({"reason": ""}))).await;
    assert_eq!(status, 400, "a blank reason: {answer}");
    drop_next_delivery(&stack).await;

    let (status, answer) = op(
        &stack,
        &number,
        "cancel",
        Some(json!({"reason": "Out of stock"})),
    )
    .await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["order_status"], "cancelled");
    assert_eq!(answer["order"]["state"], "pending", "{answer}");
    assert_eq!(stack.order(&number, "").await["state"], "pending");
    replay_dropped(&stack, &uuid, "cancelled").await;
    stack.wait_for_state(&number, "failed").await;
    let shown = stack
        .admin(reqwest::Method::GET, &format!("/admin/orders/{number}"))
        .await;
    let shown: Value = shown.json().await.expect("json");
    assert_eq!(shown["cancel_reason"], "Out of stock");

    let (status, answer) = op(&stack, &number, "cancel", Some(json!({}))).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("already cancelled"))
    );
    let (status, answer) = op(&stack, &number, "refund", Some(json!({}))).await;
    assert_eq!(status, 400, "no refund of a cancelled order: {answer}");
    assert_eq!(stack.order(&number, "").await["refunded_amount"], "0.00");
    stack.stop().await;
}

#[tokio::test]
async fn the_shipping_status_and_label_are_kept_from_their_webhooks() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, _) = paid_order(&stack).await;
    assert_eq!(
        stack.order(&number, "").await["shipping_status"],
        Value::Null
    );
    for body in [
        json!({"status": "flying"}),
        json!({}),
        json!({"label": {}}),
        json!({"label": {"en": " "}}),
        json!({"label": {"fr": "Expédié"}}),
        json!({"status": 3}),
    ] {
        let (status, answer) = op(&stack, &number, "shipping", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
    assert_eq!(
        stack
            .count("webhook_inbox WHERE event = 'shipping_status_updated'")
            .await,
        0
    );

    let (status, answer) = op(
        &stack,
        &number,
        "shipping",
        Some(json!({"status": "ready_shipping"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["status"], 3, "Points' backed integer");
    let view = wait_for(&stack, &number, "shipping_status", "ready_shipping").await;
    assert_eq!(view["shipping_label"], "Ready for shipping");
    assert_eq!(
        view["order_status"], "approved",
        "shipping is not the financial status"
    );

    let label = json!({"label": {"ar": "خرج للتوصيل", "en": "Out for delivery"}});
    let (status, answer) = op(&stack, &number, "shipping", Some(label)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["points"]["custom_status"]["ar"], "خرج للتوصيل");
    let view = wait_for(&stack, &number, "shipping_label", "Out for delivery").await;
    assert_eq!(
        view["shipping_status"], "ready_shipping",
        "a label keeps the status"
    );

    let (status, _) = op(
        &stack,
        &number,
        "shipping",
        Some(json!({"status": "delivered"})),
    )
    .await;
    assert_eq!(status, 200);
    wait_for(&stack, &number, "shipping_status", "delivered").await;
    assert_eq!(
        stack
            .count("webhook_inbox WHERE event = 'shipping_status_updated'")
            .await,
        3
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_cli_runs_the_same_operations_in_process() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = paid_order(&stack).await;

    let found = cli(&stack, &["search", &number]).await.expect("search");
    assert!(
        found.contains(&number) && found.contains("confirmed (Points: approved)"),
        "{found}"
    );
    let found: Value = serde_json::from_str(
        &cli(&stack, &["--json", "search", uuid.as_str()])
            .await
            .expect("search"),
    )
    .expect("JSON");
    assert_eq!(found["orders"][0]["order_number"], number.as_str());
    let none = cli(&stack, &["search", "PK-000000-NOTHING1"])
        .await
        .expect("search");
    assert!(none.contains("no order matches"), "{none}");

    let shown = cli(&stack, &["show", &uuid]).await.expect("show");
    assert!(
        shown.contains("history") && shown.contains("-> approved"),
        "{shown}"
    );

    let refunded = cli(
        &stack,
        &[
            "refund",
            &number,
            "--amount",
            "10.00",
            "--reason",
            "Gift wrap missing",
        ],
    )
    .await
    .expect("refund");
    assert!(
        refunded.contains("refund: Points accepted it") && refunded.contains("partially_refunded"),
        "{refunded}"
    );
    wait_for(&stack, &number, "refunded_amount", "10.00").await;
    let shown: Value = serde_json::from_str(
        &cli(&stack, &["show", &number, "--json"])
            .await
            .expect("show"),
    )
    .expect("JSON");
    assert_eq!(shown["refunded_amount"], "10.00");
    assert_eq!(
        shown["transitions"].as_array().map(Vec::len),
        Some(2),
        "{shown}"
    );

    let shipped: Value = serde_json::from_str(
        &cli(
            &stack,
            &[
                "shipping",
                &number,
                "--label-en",
                "With the courier",
                "--json",
            ],
        )
        .await
        .expect("shipping"),
    )
    .expect("JSON");
    assert_eq!(shipped["operation"], "shipping");
    assert_eq!(shipped["points"]["custom_status"]["en"], "With the courier");

    let number = number.as_str();
    for (args, status) in [
        (vec!["show", "PK-000000-NOTHING1"], 404),
        (vec!["refund", number, "--amount", "0"], 400),
        (vec!["complete", number, "--payment-method", "bitcoin"], 400),
        (vec!["cancel", number], 400),
        (vec!["search", " "], 422),
    ] {
        let error = cli(&stack, &args).await.expect_err("refused");
        assert_eq!(error.status().as_u16(), status, "{args:?}: {error}");
    }
    assert_eq!(
        at_points(&stack, number).await["order_status"],
        "partially_refunded"
    );
    stack.stop().await;
}

#[tokio::test]
async fn operations_without_the_admin_token_are_refused_and_change_nothing() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, uuid) = paid_order(&stack).await;
    let wrong = "x".repeat(stack.admin_token.len());
    for action in [
        "refund",
        "cancel",
        "authorize",
        "capture",
        "complete",
        "shipping",
    ] {
        for token in [None, Some(wrong.as_str())] {
            let mut request = stack
                .http
                .post(format!("{}/admin/orders/{number}/{action}", stack.server))
                .json(&json!({}));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("call");
            assert_eq!(response.status(), 401, "{action} with {token:?}");
        }
    }
    let show = stack
        .admin_with(
            reqwest::Method::GET,
            &format!("/admin/orders/{number}"),
            None,
        )
        .await;
    assert_eq!(show.status(), 401);
    assert_eq!(at_points(&stack, &number).await["order_status"], "approved");
    let sent = stack.deliveries_for(&uuid).await;
    assert!(
        !sent.is_empty() && sent.iter().all(|d| d["event"] == "approved"),
        "only the approval was ever sent: {sent:?}"
    );
    stack.stop().await;

    let closed = spawn_stack(StackOptions {
        admin: false,
        ..StackOptions::default()
    })
    .await;
    let (number, _) = paid_order(&closed).await;
    let (status, _) = op(&closed, &number, "refund", Some(json!({}))).await;
    assert_eq!(status, 404, "no admin API without a configured token");
    assert_eq!(
        at_points(&closed, &number).await["order_status"],
        "approved"
    );
    closed.stop().await;
}

/// The next `count` calls of `POST {route}` at the sandbox answer `status`, changing nothing.
async fn fail_next(stack: &OpsStack, route: &str, status: u16, count: u32) {
    let fault = json!({"route": route, "method": "POST", "fault": "status", "status": status, "count": count});
    let response = stack
        .http
        .post(format!("{}/_sandbox/faults", stack.sandbox))
        .json(&fault)
        .send()
        .await
        .expect("fault");
    assert_eq!(response.status(), 200, "fault");
}

#[tokio::test]
async fn no_verdict_from_points_is_a_502_that_says_to_look_before_retrying() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, _) = paid_order(&stack).await;

    // A 5xx on a refund is not retried (it may have taken effect)…
    fail_next(&stack, "/api/v1/orders/{order_uuid}/refund", 500, 1).await;
    let (status, answer) = op(&stack, &number, "refund", Some(json!({"amount": "5.00"}))).await;
    assert_eq!(status, 502, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("look at the order before trying again")),
        "{answer}"
    );
    // … and here it had not: nothing changed anywhere, and the next attempt goes through.
    assert_eq!(at_points(&stack, &number).await["order_status"], "approved");
    let (status, answer) = op(&stack, &number, "refund", Some(json!({"amount": "5.00"}))).await;
    assert_eq!(status, 200, "{answer}");
    wait_for(&stack, &number, "refunded_amount", "5.00").await;

    // 429 is retried (it certainly did nothing), then given up on.
    fail_next(&stack, "/api/v1/orders/{order_uuid}/status", 429, 10).await;
    let (status, answer) = op(
        &stack,
        &number,
        "shipping",
        Some(json!({"status": "delivered"})),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    let view = stack.order(&number, "").await;
    assert_eq!(view["shipping_status"], Value::Null);
    assert_eq!(view["refunded_amount"], "5.00");
    stack.stop().await;
}

/// `POST /admin/orders/{order}/refund` with `Idempotency-Key`: a retried refund (a timeout, a
/// double click in a support tool) is made once and answered the same; the same key for
/// another refund is a 409; without a key each call is a refund of its own.
#[tokio::test]
async fn a_refund_retried_with_its_idempotency_key_is_made_once() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, _) = paid_order(&stack).await;
    let refund = |key: Option<&'static str>, amount: &'static str| {
        let mut request = stack
            .http
            .post(format!("{}/admin/orders/{number}/refund", stack.server))
            .bearer_auth(&stack.admin_token)
            .json(&json!({"amount": amount, "reason": "returned"}));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        async move {
            let response = request.send().await.expect("admin call");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let refunded = || async { at_points(&stack, &number).await["refunded_amount"].clone() };

    let first = refund(Some("refund-1"), "10.00").await;
    assert_eq!(first.0, 200, "{:?}", first.1);
    let again = refund(Some("refund-1"), "10.00").await;
    assert_eq!(again, first, "the retry answers what the first answered");
    assert_eq!(refunded().await, "10.00", "Points refunded once");

    let other = refund(Some("refund-1"), "20.00").await;
    assert_eq!(other.0, 409, "{:?}", other.1);
    assert_eq!(refunded().await, "10.00", "nothing more was refunded");

    // Without a key, two calls are two refunds, as before.
    assert_eq!(refund(None, "5.00").await.0, 200);
    assert_eq!(refund(None, "5.00").await.0, 200);
    assert_eq!(refunded().await, "20.00");
    // A storefront checkout key never replays a refund: the namespaces differ.
    assert_eq!(
        stack
            .count("idempotency_keys WHERE key = 'admin-refund:refund-1'")
            .await,
        1
    );
    stack.stop().await;
}
