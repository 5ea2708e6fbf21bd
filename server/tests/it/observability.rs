//! Logs and metrics of the real server against the real sandbox.
//!
//! The redaction scan installs the binary's own log pipeline (`server::telemetry::subscriber`:
//! JSON, redacting writer) at TRACE over a buffer, runs every flow the server has, and reads
//! what would have been written. It installs it as the process's global subscriber, as the
//! binary does, so every thread logs through it; a thread-local one would miss events whose
//! callsite another test's thread registered first. Lines from tests running alongside land in
//! the buffer as well, redacted like ours; the assertions look for this test's values.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use server::telemetry::{self, Redactor};
use tracing_subscriber::EnvFilter;

use crate::helpers::{eventually, order_event};
use crate::stack::{StackOptions, spawn_stack};

/// The shopper's phone in the flows below, as the storefront sends it; Points' canonical form
/// is `551234567`, and every written form of the number contains those nine digits.
const PHONE: &str = "0551234567";
const PHONE_DIGITS: &str = "551234567";
const PHONE_MASKED: &str = "5*****567";

#[tokio::test]
async fn logs_at_trace_level_never_show_a_secret_or_a_whole_phone_number() {
    let buffer = Arc::new(Mutex::new(Some(Vec::<u8>::new())));
    let stack = spawn_stack(StackOptions::default()).await;
    let wrong_secret = format!("{}x", &stack.webhook_secret[1..]);
    let wrong_token = format!("{}y", &stack.admin_token[1..]);
    let redactor = Redactor::new([
        stack.private_key.as_str(),
        stack.webhook_secret.as_str(),
        stack.admin_token.as_str(),
    ]);
    let sink = buffer.clone();
    let subscriber = telemetry::subscriber(EnvFilter::new("trace"), redactor, move || {
        SharedWriter(sink.clone())
    });
    tracing::subscriber::set_global_default(subscriber)
        .expect("no other test installs a global subscriber");

    // Checkout with a phone, paid on the hosted page, settled by the sandbox's webhook.
    let (paid, url) = stack.checkout(Some(PHONE)).await;
    stack.approve(&url).await;
    stack.wait_for_state(&paid, "confirmed").await;
    // A delivery with the wrong secret, and one without the event header's match.
    let uuid = stack.points_uuid(&paid).await;
    let forged = order_event("refunded", &paid, &uuid, "fully_refunded");
    assert_eq!(
        stack.post_webhook(&wrong_secret, &forged).await.status(),
        401
    );
    // The return page's lookup with the uuid hint, on an order still open at Points.
    let (open, _) = stack.checkout(Some("+966551234567")).await;
    let open_uuid = stack.points_uuid(&open).await;
    let looked_up = stack.order(&open, &format!("uuid={open_uuid}")).await;
    assert_eq!(
        looked_up["points_uuid"],
        open_uuid.as_str(),
        "the hint was verified"
    );
    // Support: a search with the token, one with a wrong token.
    let search = format!("/admin/orders/search?q={paid}");
    assert_eq!(stack.admin(Method::GET, &search).await.status(), 200);
    let refused = stack
        .admin_with(Method::GET, &search, Some(&wrong_token))
        .await;
    assert_eq!(refused.status(), 401);
    // Disablement: a delivery refused with 503, then intake back on.
    assert_eq!(
        stack
            .admin(Method::POST, "/admin/webhooks/disable")
            .await
            .status(),
        200
    );
    let approved = order_event("approved", &open, &open_uuid, "approved");
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &approved)
            .await
            .status(),
        503
    );
    assert_eq!(
        stack
            .admin(Method::POST, "/admin/webhooks/enable")
            .await
            .status(),
        200
    );
    // Operations endpoints.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        let response = stack
            .http
            .get(format!("{}{path}", stack.server))
            .send()
            .await;
        assert_eq!(response.expect(path).status(), 200, "{path}");
    }
    // An earning through the outbox, for the shopper's phone, sent and settled.
    let earning = stack
        .http
        .post(format!("{}/admin/earnings", stack.server))
        .bearer_auth(&stack.admin_token)
        .json(
            &json!({"kind": "store_rating", "review_reference": format!("REV-{paid}"),
            "phone_number": PHONE, "rating": 5}),
        )
        .send()
        .await
        .expect("enqueue an earning");
    assert_eq!(earning.status(), 202);
    let earning: Value = earning.json().await.expect("json");
    let earning = format!("/admin/earnings/{}", earning["id"]);
    eventually("the earning to be recorded", || async {
        let view: Value = stack.admin(Method::GET, &earning).await.json().await.ok()?;
        (view["state"] == "recorded").then_some(())
    })
    .await;
    // Belt and braces: a careless log line carrying raw secrets and a raw phone.
    tracing::info!(
        x_api_key = %stack.private_key,
        x_webhook_secret = %stack.webhook_secret,
        phone_number = PHONE,
        "deliberately careless log line"
    );
    // Stop collecting: the subscriber stays installed for the rest of the run.
    let captured = buffer.lock().expect("lock").take().unwrap_or_default();

    let logs = String::from_utf8(captured).expect("UTF-8 logs");
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "TRACE"),
        "captured at TRACE"
    );
    for message in [
        "checkout session created",
        "webhook stored",
        "webhook rejected",
        "admin: order search",
        "admin request refused: missing or wrong token",
        "webhook delivery answered 503: intake is switched off",
        "earning enqueued",
        "earning settled",
        "deliberately careless log line",
    ] {
        assert!(logs.contains(message), "the flows logged {message:?}");
    }
    for (what, secret) in [
        ("the private key", stack.private_key.as_str()),
        ("the webhook secret", &stack.webhook_secret),
        ("a wrong webhook secret", &wrong_secret),
        ("the admin token", &stack.admin_token),
        ("a wrong admin token", &wrong_token),
        ("the phone number", PHONE_DIGITS),
    ] {
        assert!(!logs.contains(secret), "{what} reached the logs");
    }
    let checkout_line = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "checkout session created"
                && l["fields"]["order_number"] == paid.as_str()
                && l["target"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("server::"))
        })
        .expect("checkout line");
    assert_eq!(
        checkout_line["fields"]["phone"], PHONE_MASKED,
        "{checkout_line}"
    );
    let careless = lines
        .iter()
        .find(|l| l["fields"]["message"] == "deliberately careless log line")
        .expect("careless line");
    assert_eq!(
        careless["fields"],
        json!({
            "message": "deliberately careless log line",
            "x_api_key": "[redacted]",
            "x_webhook_secret": "[redacted]",
            "phone_number": PHONE_MASKED,
        })
    );
    stack.stop().await;
}

#[tokio::test]
async fn metrics_count_points_calls_webhook_outcomes_and_the_inbox_backlog() {
    let stack = spawn_stack(StackOptions::default()).await;
    let before = stack.scrape().await;
    assert_eq!(
        before.value(
            "pointskit_webhook_deliveries_total",
            &[("outcome", "accepted")]
        ),
        0.0,
        "declared at zero from the start"
    );

    // A paid checkout (create_checkout 2xx, a webhook accepted), then the same event again.
    let (paid, url) = stack.checkout(None).await;
    stack.approve(&url).await;
    stack.wait_for_state(&paid, "confirmed").await;
    let uuid = stack.points_uuid(&paid).await;
    let event = order_event("approved", &paid, &uuid, "approved");
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &event)
            .await
            .status(),
        200
    );
    // Rejections: a wrong secret, an unreadable body; and one refused while disabled.
    assert_eq!(
        stack.post_webhook("not-the-secret", &event).await.status(),
        401
    );
    let unreadable = json!({"event": "approved", "order": {"id": "nope"}});
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &unreadable)
            .await
            .status(),
        400
    );
    stack.admin(Method::POST, "/admin/webhooks/disable").await;
    assert_eq!(
        stack
            .post_webhook(&stack.webhook_secret, &event)
            .await
            .status(),
        503
    );
    stack.admin(Method::POST, "/admin/webhooks/enable").await;
    // Lookups: the worker's check of the paid order's webhook and a verified hint (get_order
    // 2xx twice), and an unknown uuid (get_order 404).
    let (open, _) = stack.checkout(None).await;
    let open_uuid = stack.points_uuid(&open).await;
    stack.order(&open, &format!("uuid={open_uuid}")).await;
    let (other, _) = stack.checkout(None).await;
    stack
        .order(&other, &format!("uuid={}", uuid::Uuid::new_v4()))
        .await;
    // Points failing: three 500s exhaust the client's retries and the storefront gets a 502.
    let fault = json!({"route": "/api/v1/orders/checkout/{public_key}", "fault": "status",
                       "status": 500, "count": 3});
    let injected = stack
        .http
        .post(format!("{}/_sandbox/faults", stack.sandbox))
        .json(&fault)
        .send()
        .await
        .expect("inject");
    assert_eq!(injected.status(), 200);
    let failed = stack
        .post_json(
            "/api/checkout",
            &json!({"items": [{"sku": "oud-50", "quantity": 1}]}),
        )
        .await;
    assert_eq!(failed.status(), 502);

    let after = stack.scrape().await;
    let requests = |endpoint: &str, status: &str| {
        let labels = [("endpoint", endpoint), ("status", status)];
        after.value("pointskit_points_requests_total", &labels)
    };
    assert_eq!(requests("create_checkout", "2xx"), 3.0);
    assert_eq!(requests("create_checkout", "500"), 1.0);
    assert_eq!(requests("get_order", "2xx"), 2.0);
    assert_eq!(requests("get_order", "404"), 1.0);
    let histogram = "pointskit_points_request_duration_seconds_count";
    assert_eq!(
        after.value(histogram, &[("endpoint", "create_checkout")]),
        4.0
    );
    let inf = [("endpoint", "get_order"), ("le", "+Inf")];
    assert_eq!(
        after.value("pointskit_points_request_duration_seconds_bucket", &inf),
        3.0
    );
    let deliveries = |outcome: &str, reason: &str| {
        let labels = [("outcome", outcome), ("reason", reason)];
        after.value("pointskit_webhook_deliveries_total", &labels)
    };
    assert_eq!(deliveries("accepted", ""), 1.0);
    assert_eq!(deliveries("duplicate", ""), 1.0);
    assert_eq!(deliveries("rejected", "secret"), 1.0);
    assert_eq!(deliveries("rejected", "malformed"), 1.0);
    assert_eq!(deliveries("unavailable", "disabled"), 1.0);
    assert_eq!(after.value("pointskit_webhook_intake_enabled", &[]), 1.0);
    assert_eq!(
        after.value(
            "pointskit_reconciliation_drift_total",
            &[("kind", "status")]
        ),
        0.0
    );
    assert_eq!(
        after.types["pointskit_reconciliation_drift_total"],
        "counter"
    );

    // The backlog is sampled from the database: a row waiting ten minutes shows its age.
    eventually("the inbox to drain", || async {
        (stack.scrape().await.value("pointskit_inbox_depth", &[]) == 0.0).then_some(())
    })
    .await;
    let received =
        server::db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(10));
    let later = server::db::after_now(std::time::Duration::from_secs(3600));
    sqlx::query(
        "INSERT INTO webhook_inbox (dedupe_key, event, body, received_at, available_at)
         VALUES ($1, 'approved', '{}', $2, $3)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&received)
    .bind(&later)
    .execute(&stack.db)
    .await
    .expect("a waiting row");
    let backlog = stack.scrape().await;
    assert_eq!(backlog.value("pointskit_inbox_depth", &[]), 1.0);
    let age = backlog.value("pointskit_inbox_oldest_age_seconds", &[]);
    assert!((600.0..3600.0).contains(&age), "age {age}");
    stack.stop().await;
}

/// A writer into the shared buffer, while there is one.
struct SharedWriter(Arc<Mutex<Option<Vec<u8>>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(held) = self.0.lock().expect("lock").as_mut() {
            held.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The binary's start-up errors go through the redactor too: built from the raw settings, as
/// the configuration could not be loaded. Here the private key was pasted into the wrong
/// variable too (a message that quotes `POINTS_MODE`'s value), and the database URL carries
/// a password.
#[tokio::test]
async fn a_start_up_error_names_no_secret() {
    let key = "sk_live_pasted_in_the_wrong_place_0123";
    let password = "db-password-0123456789";
    let dir = std::env::temp_dir().join(format!("pk-startup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("catalog.json"), crate::helpers::CATALOG).expect("catalog");
    let run = |mode: &str, database_url: String| {
        std::process::Command::new(env!("CARGO_BIN_EXE_points-server"))
            .env_clear()
            .env("POINTS_BASE_URL", "http://127.0.0.1:9/api")
            .env("POINTS_PUBLIC_KEY", "pk_test_0123456789")
            .env("POINTS_PRIVATE_KEY", key)
            .env("POINTS_WEBHOOK_SECRET", "whsec_startup_0123456789")
            .env("POINTS_PUBLIC_URL", crate::helpers::PUBLIC_URL)
            .env("POINTS_CATALOG", dir.join("catalog.json"))
            .env("POINTS_SERVER_ADDR", "127.0.0.1:0")
            .env("POINTS_MODE", mode)
            .env("DATABASE_URL", database_url)
            .output()
            .expect("run points-server")
    };
    let pasted = run(key, "sqlite::memory:".into());
    assert!(!pasted.status.success());
    let stderr = String::from_utf8_lossy(&pasted.stderr);
    assert!(
        stderr.contains("POINTS_MODE"),
        "the error says what is wrong: {stderr}"
    );
    assert!(stderr.contains("[redacted]"), "{stderr}");
    assert!(!stderr.contains(key), "the key reached stderr: {stderr}");

    // Nothing listens on port 1: the connection fails, and the error chain is written.
    let unreachable = run(
        "development",
        format!("postgres://points:{password}@127.0.0.1:1/points"),
    );
    assert!(!unreachable.status.success());
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert!(stderr.contains("Error:"), "{stderr}");
    assert!(
        !stderr.contains(password),
        "the password reached stderr: {stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
