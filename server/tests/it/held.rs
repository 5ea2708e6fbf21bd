//! Held rows (issue 16): a delivery whose meaning is not certain (an `order_status` this
//! release does not know) is stored raw and held for attention instead of refused with a 400
//! and lost; a row that keeps failing becomes a dead letter instead of being retried forever.
//! Both wait, unapplied and out of the backlog, for `points-server inbox retry`.

use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{Options, TestApp, eventually, order_event, spawn_app, spawn_app_with};
use crate::stack::{StackOptions, spawn_stack};
use server::commands::inbox::{InboxAction, InboxCommand, RetryArgs, Which};

/// `(held, attempts, last_error)` of the only inbox row, once `held` is set.
async fn held_row(app: &TestApp) -> (String, i64, String) {
    eventually("the row to be held", || async {
        let row = sqlx::query("SELECT held, attempts, last_error FROM webhook_inbox")
            .fetch_one(&app.db)
            .await
            .expect("row");
        let held: Option<String> = row.get("held");
        Some((
            held?,
            row.get("attempts"),
            row.get::<Option<String>, _>("last_error")
                .unwrap_or_default(),
        ))
    })
    .await
}

async fn inbox(app: &TestApp, json: bool, action: InboxAction) -> String {
    let mut out = Vec::new();
    server::commands::inbox::run(app.state(), InboxCommand { json, action }, &mut out)
        .await
        .expect("inbox command");
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn an_order_status_we_do_not_know_is_stored_and_held_not_lost() {
    let app = spawn_app().await;
    let number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&number).await;
    let event = order_event("approved", &number, &uuid, "settled_v2");

    let response = app.deliver(&event).await;

    // Authenticated and readable: stored (it was a 400 and lost before).
    assert_eq!(response.status(), 200);
    assert_eq!(app.count("webhook_rejected").await, 0);
    let (held, _, why) = held_row(&app).await;
    assert_eq!(held, "attention");
    assert!(why.contains("settled_v2"), "{why}");
    let body: String = sqlx::query("SELECT body FROM webhook_inbox")
        .fetch_one(&app.db)
        .await
        .expect("row")
        .get("body");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        event,
        "kept raw"
    );
    assert_eq!(app.order_state(&number).await, "pending", "not guessed");
    assert_eq!(app.count("order_transitions").await, 0);
    let scrape = app.metrics().await;
    assert!(
        scrape.contains("pointskit_inbox_held{state=\"attention\"} 1"),
        "{scrape}"
    );
    assert!(
        scrape.contains("pointskit_inbox_depth 0"),
        "held rows are not a backlog"
    );

    // Listed for a person; a retry with a release that still does not know the value holds it
    // again rather than applying it.
    let listed = inbox(&app, true, InboxAction::Held(Which::default())).await;
    let listed: Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(listed[0]["held"], "attention");
    assert_eq!(listed[0]["order_number"], number.as_str());
    let retried = inbox(
        &app,
        true,
        InboxAction::Retry(RetryArgs {
            which: Which {
                attention: true,
                dead: false,
            },
            ids: Vec::new(),
        }),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&retried).expect("json")["released"],
        1
    );
    eventually("the retried row to be held again", || async {
        let row = sqlx::query("SELECT held, attempts FROM webhook_inbox")
            .fetch_one(&app.db)
            .await
            .expect("row");
        let held: Option<String> = row.get("held");
        (held.as_deref() == Some("attention") && row.get::<i64, _>("attempts") == 1).then_some(())
    })
    .await;
    assert_eq!(app.order_state(&number).await, "pending");
}

#[tokio::test]
async fn a_row_that_keeps_failing_becomes_a_dead_letter_and_replays_once_fixed() {
    let app = spawn_app_with(Options {
        inbox_max_attempts: Some(2),
        ..Options::default()
    })
    .await;
    if !app.database_url.starts_with("sqlite") {
        println!("skipping: the injected failure is a SQLite trigger");
        return;
    }
    let number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&number).await;
    sqlx::query(&format!(
        "CREATE TRIGGER refuse BEFORE UPDATE ON orders WHEN NEW.order_number = '{number}'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    ))
    .execute(&app.db)
    .await
    .expect("trigger");
    app.deliver(&order_event("approved", &number, &uuid, "approved"))
        .await;

    // Two attempts (the second after a second's back-off), then held: not retried again.
    let (held, attempts, why) = held_row(&app).await;
    assert_eq!((held.as_str(), attempts), ("dead", 2), "{why}");
    assert!(
        why.contains("dead letter after 2 attempts") && why.contains("injected failure"),
        "{why}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(held_row(&app).await.1, 2, "a dead letter is left alone");
    let scrape = app.metrics().await;
    assert!(
        scrape.contains("pointskit_inbox_held{state=\"dead\"} 1"),
        "{scrape}"
    );
    let text = inbox(
        &app,
        false,
        InboxAction::Held(Which {
            attention: false,
            dead: true,
        }),
    )
    .await;
    assert!(text.contains("dead") && text.contains(&number), "{text}");

    // Fixed: replayed by id, applied once.
    sqlx::query("DROP TRIGGER refuse")
        .execute(&app.db)
        .await
        .expect("drop trigger");
    let id: i64 = sqlx::query("SELECT id FROM webhook_inbox")
        .fetch_one(&app.db)
        .await
        .expect("row")
        .get("id");
    let text = inbox(
        &app,
        false,
        InboxAction::Retry(RetryArgs {
            which: Which::default(),
            ids: vec![id],
        }),
    )
    .await;
    assert!(text.contains("released 1"), "{text}");
    eventually("the replayed row to apply", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    assert_eq!(app.count("order_transitions").await, 1);
    assert_eq!(app.count("webhook_inbox WHERE held IS NOT NULL").await, 0);
}

#[tokio::test]
async fn admins_list_and_release_held_rows_and_bad_requests_change_nothing() {
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, _) = stack.checkout(None).await;
    let uuid = stack.points_uuid(&number).await;
    let event = order_event("approved", &number, &uuid, "settled_v2");
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &event)
            .await
            .status(),
        200
    );
    let listed: Value = eventually("the held row listed", || async {
        let listed: Value = stack
            .admin(reqwest::Method::GET, "/admin/webhooks/held?state=attention")
            .await
            .json()
            .await
            .ok()?;
        (listed["deliveries"].as_array()?.len() == 1).then_some(listed)
    })
    .await;
    assert_eq!(listed["deliveries"][0]["event"], "approved");
    let dead: Value = stack
        .admin(reqwest::Method::GET, "/admin/webhooks/held?state=dead")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(dead["deliveries"], json!([]));
    let bad = stack
        .admin(reqwest::Method::GET, "/admin/webhooks/held?state=lost")
        .await;
    assert_eq!(bad.status(), 400);

    let retry = |body: Value| {
        stack
            .http
            .post(format!("{}/admin/webhooks/held/retry", stack.server))
            .bearer_auth(&stack.admin_token)
            .json(&body)
            .send()
    };
    for body in [
        json!({}),
        json!({"ids": []}),
        json!({"ids": [1], "state": "dead"}),
    ] {
        let response = retry(body.clone()).await.expect("retry");
        assert_eq!(response.status(), 400, "{body}");
    }
    assert_eq!(
        stack.count("webhook_inbox WHERE held = 'attention'").await,
        1,
        "bad requests release nothing"
    );
    let released: Value = retry(json!({"state": "dead"}))
        .await
        .expect("retry")
        .json()
        .await
        .expect("json");
    assert_eq!(released["released"], 0);
    let released: Value = retry(json!({"state": "attention"}))
        .await
        .expect("retry")
        .json()
        .await
        .expect("json");
    assert_eq!(released["released"], 1);
    stack.stop().await;
}
