//! Reconciliation against the real sandbox: a missed webhook and a drifted status are fixed
//! through `apply()`, what Points does not know or disagrees about is reported and left alone,
//! the report is stored and served, the schedule runs (once across instances), the CLI prints
//! it, a stopped run resumes, and 10,000 orders under injected 429s are each checked once and
//! applied at most once.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use server::config::ReconcileConfig;
use server::reconcile::{self, DriftKind, Report, RunError, RunStatus, Scope, Trigger};
use sqlx::{AnyPool, Row};

use crate::helpers::{Options, TestApp, WebhookSecretChoice, eventually, new_uuid, spawn_app_with};
use crate::stack::{OpsStack, StackOptions, spawn_stack};

const WEEK: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Reconciliation that runs only when asked, pausing briefly after a 429.
fn manual() -> ReconcileConfig {
    ReconcileConfig {
        enabled: false,
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        ..ReconcileConfig::default()
    }
}

/// A server whose webhooks the sandbox delivers, reconciling only when asked.
async fn app() -> TestApp {
    spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        reconcile: Some(manual()),
        ..Options::default()
    })
    .await
}

async fn run(app: &TestApp) -> Report {
    reconcile::reconcile(app.state(), Scope::recent(WEEK), Trigger::Cli)
        .await
        .expect("the run completes")
}

/// The next `count` webhook notifications are swallowed by the sandbox.
async fn drop_deliveries(app: &TestApp, count: u32) {
    app.points
        .control(
            Method::POST,
            "/_sandbox/webhook-faults",
            &json!({"fault": "drop", "count": count}),
        )
        .await;
}

/// The next `count` (or, with `every`, each `every`-th) `GET /v1/orders/{uuid}` answer `status`.
async fn fail_reads(app: &TestApp, status: u16, count: u32, every: Option<u32>) {
    let mut fault = json!({"route": "/api/v1/orders/{order_uuid}", "method": "GET",
                           "fault": "status", "status": status, "count": count});
    if let Some(every) = every {
        fault["every"] = json!(every);
    }
    app.points
        .control(Method::POST, "/_sandbox/faults", &fault)
        .await;
}

/// Waits until the sandbox logged a dropped delivery of `event` about `uuid`.
async fn wait_dropped(app: &TestApp, uuid: &str, event: &str) {
    eventually("the delivery to be dropped", || async {
        let log = app
            .points
            .control(
                Method::GET,
                &format!("/_sandbox/deliveries?order={uuid}&event={event}"),
                &Value::Null,
            )
            .await;
        log.as_array()
            .is_some_and(|all| all.iter().any(|d| d["attempt"] == 0))
            .then_some(())
    })
    .await;
}

async fn status_of(db: &AnyPool, order_number: &str) -> Option<String> {
    sqlx::query("SELECT order_status FROM orders WHERE order_number = $1")
        .bind(order_number)
        .fetch_one(db)
        .await
        .expect("order")
        .get("order_status")
}

/// `(from, to)` of the order's transitions recorded by reconciliation.
async fn reconciled(db: &AnyPool, order_number: &str) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query(
        "SELECT t.from_status, t.to_status FROM order_transitions t JOIN orders o ON o.id = t.order_id
         WHERE o.order_number = $1 AND t.source = 'reconciliation' ORDER BY t.id",
    )
    .bind(order_number)
    .fetch_all(db)
    .await
    .expect("transitions")
    .iter()
    .map(|row| (row.get("from_status"), row.get("to_status")))
    .collect()
}

/// An order paid at Points whose `approved` webhook was dropped, after a verified read while
/// it was still `new` gave us its uuid. Returns its number.
async fn paid_but_missed(app: &TestApp) -> String {
    let number = pending_with_uuid(app).await;
    let uuid = app.points.uuid_of(&number).await;
    drop_deliveries(app, 1).await;
    app.points.approve(&number).await;
    wait_dropped(app, &uuid, "approved").await;
    number
}

/// An order pending at Points (nobody paid) that we know the uuid of, from a verified read.
async fn pending_with_uuid(app: &TestApp) -> String {
    let number = app.checkout_one_oud().await;
    let uuid = app.points.uuid_of(&number).await;
    app.get_order_with(&number, &format!("uuid={uuid}")).await;
    assert_eq!(status_of(&app.db, &number).await.as_deref(), Some("new"));
    number
}

/// `POST /admin/reconcile` with a JSON body and the admin token.
async fn post_admin(stack: &OpsStack, body: &Value) -> reqwest::Response {
    stack
        .http
        .post(format!("{}/admin/reconcile", stack.server))
        .bearer_auth(&stack.admin_token)
        .json(body)
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn a_missed_webhook_is_applied_and_a_second_run_changes_nothing() {
    // Arrange
    let app = app().await;
    let number = paid_but_missed(&app).await;
    assert_eq!(
        app.order_state(&number).await,
        "pending",
        "the webhook never came"
    );

    // Act
    let report = run(&app).await;

    // Assert
    assert_eq!(app.order_state(&number).await, "confirmed");
    assert_eq!(report.status, RunStatus::Finished);
    assert_eq!(
        (
            report.counts.checked,
            report.counts.fixed,
            report.counts.unchanged
        ),
        (1, 1, 0)
    );
    let drift = &report.drifts[0];
    assert_eq!(drift.order_number, number);
    assert_eq!(drift.kind, DriftKind::Status);
    assert_eq!(
        (
            drift.local.as_deref(),
            drift.points.as_deref(),
            drift.applied.as_deref()
        ),
        (Some("new"), Some("approved"), Some("approved"))
    );
    assert_eq!(report.points_calls, 1);
    assert_eq!(
        reconciled(&app.db, &number).await,
        [(Some("new".into()), Some("approved".into()))]
    );
    let lookups = app.points.lookups();
    let last = lookups.last().expect("a lookup");
    assert_eq!(
        last.api_key_header.as_deref(),
        Some(app.points.private_key.as_str())
    );

    let again = run(&app).await;
    assert_eq!(
        (
            again.counts.checked,
            again.counts.fixed,
            again.counts.unchanged
        ),
        (1, 0, 1)
    );
    assert!(again.drifts.is_empty());
    assert_eq!(
        reconciled(&app.db, &number).await.len(),
        1,
        "nothing applied twice"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"pointskit_reconciliation_drift_total{kind="status"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_drifted_status_moves_forward_but_never_backwards() {
    // Arrange: two approved orders, each seen through its webhook.
    let app = app().await;
    let refunded = app.checkout_one_oud().await;
    let ahead = app.checkout_one_oud().await;
    for number in [&refunded, &ahead] {
        app.points.approve(number).await;
    }
    eventually("both orders confirmed", || async {
        (app.order_state(&refunded).await == "confirmed"
            && app.order_state(&ahead).await == "confirmed")
            .then_some(())
    })
    .await;
    app.wait_for_inbox_drained().await;
    // Points reverses the first by itself; its `auto_refunded` webhook is lost.
    let uuid = app.points.uuid_of(&refunded).await;
    drop_deliveries(&app, 1).await;
    app.points
        .control(
            Method::POST,
            &format!("/_sandbox/orders/{uuid}/auto-refund"),
            &Value::Null,
        )
        .await;
    wait_dropped(&app, &uuid, "auto_refunded").await;
    // We believe the second is refunded, while Points still has it approved.
    sqlx::query("UPDATE orders SET order_status = 'fully_refunded' WHERE order_number = $1")
        .bind(&ahead)
        .execute(&app.db)
        .await
        .expect("drift the local state");

    // Act
    let report = run(&app).await;

    // Assert
    assert_eq!(app.order_state(&refunded).await, "refunded");
    assert_eq!(
        status_of(&app.db, &refunded).await.as_deref(),
        Some("fully_refunded")
    );
    assert_eq!(
        status_of(&app.db, &ahead).await.as_deref(),
        Some("fully_refunded"),
        "an order never moves backwards"
    );
    assert_eq!(reconciled(&app.db, &ahead).await, []);
    let c = report.counts;
    assert_eq!(
        (
            c.checked,
            c.fixed,
            c.drift,
            c.unchanged,
            c.not_found,
            c.errors
        ),
        (2, 1, 1, 0, 0, 0)
    );
    let find = |number: &str| {
        report
            .drifts
            .iter()
            .find(|d| d.order_number == number)
            .unwrap_or_else(|| panic!("{number} in {:?}", report.drifts))
            .clone()
    };
    let fixed = find(&refunded);
    assert_eq!(
        (
            fixed.local.as_deref(),
            fixed.points.as_deref(),
            fixed.applied.as_deref()
        ),
        (
            Some("approved"),
            Some("fully_refunded"),
            Some("fully_refunded")
        )
    );
    let stale = find(&ahead);
    assert_eq!(
        (
            stale.local.as_deref(),
            stale.points.as_deref(),
            stale.applied.as_deref()
        ),
        (Some("fully_refunded"), Some("approved"), None)
    );
    assert!(
        stale
            .note
            .as_deref()
            .is_some_and(|n| n.contains("fully_refunded -> approved")),
        "{stale:?}"
    );
}

#[tokio::test]
async fn orders_points_does_not_know_or_disagrees_about_are_reported_not_applied() {
    // Arrange: one order under a uuid Points never issued, one under the uuid of an earning
    // order Points holds with our number, one healthy pending order, one without a uuid.
    // No webhooks: the earning order's own `approved` must not reach the server.
    let app = spawn_app_with(Options {
        reconcile: Some(manual()),
        ..Options::default()
    })
    .await;
    let unknown = app.checkout_one_oud().await;
    let unknown_uuid = new_uuid();
    let earning = app.checkout_unknown_to_points().await;
    let earning_uuid = app.points.earning(&earning).await;
    for (number, uuid) in [(&unknown, &unknown_uuid), (&earning, &earning_uuid)] {
        sqlx::query(
            "UPDATE orders SET points_uuid = $1, order_status = 'new' WHERE order_number = $2",
        )
        .bind(uuid)
        .bind(number)
        .execute(&app.db)
        .await
        .expect("arrange");
    }
    pending_with_uuid(&app).await;
    let _no_uuid = app.checkout_one_oud().await;
    let transitions_before = app.count("order_transitions").await;

    // Act
    let report = run(&app).await;

    // Assert
    let c = report.counts;
    assert_eq!(
        (
            c.checked,
            c.unchanged,
            c.fixed,
            c.drift,
            c.not_found,
            c.errors,
            c.without_uuid
        ),
        (3, 1, 0, 1, 1, 0, 1),
        "{report:?}"
    );
    let kinds: Vec<_> = report
        .drifts
        .iter()
        .map(|d| (d.order_number.clone(), d.kind, d.applied.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (unknown.clone(), DriftKind::UnknownAtPoints, None),
            (earning.clone(), DriftKind::Mismatch, None)
        ]
    );
    assert_eq!(
        app.count("order_transitions").await,
        transitions_before,
        "nothing applied"
    );
    for number in [&unknown, &earning] {
        assert_eq!(status_of(&app.db, number).await.as_deref(), Some("new"));
    }
}

#[tokio::test]
async fn settled_orders_are_checked_only_within_the_window_or_with_all() {
    let app = app().await;
    let number = app.checkout_one_oud().await;
    app.points.approve(&number).await;
    eventually("confirmed", || async {
        (app.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    sqlx::query("UPDATE orders SET updated_at = '2020-01-01T00:00:00.000Z'")
        .execute(&app.db)
        .await
        .expect("age the order");

    let recent = run(&app).await;
    let all = reconcile::reconcile(app.state(), Scope::everything(), Trigger::Cli)
        .await
        .expect("run");

    assert_eq!(recent.counts.checked, 0, "an old approved order is settled");
    assert_eq!((all.counts.checked, all.counts.unchanged), (1, 1));
}

#[tokio::test]
async fn rate_limits_and_failures_are_retried_and_counted_and_one_bad_order_does_not_stop_the_run()
{
    // Arrange: three pending orders with uuids; Points answers the first reads 429 twice, then
    // fails one order's four attempts with 500.
    let app = app().await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(pending_with_uuid(&app).await);
    }
    let before = app.points.lookups().len();
    fail_reads(&app, 429, 2, None).await;
    fail_reads(&app, 500, 4, None).await;
    let config = ReconcileConfig {
        concurrency: 1,
        ..manual()
    };
    let state = server::AppState {
        config: std::sync::Arc::new(server::Config {
            reconcile: config,
            ..(*app.state().config).clone()
        }),
        ..app.state().clone()
    };

    // Act
    let report = reconcile::reconcile(&state, Scope::recent(WEEK), Trigger::Cli)
        .await
        .expect("the run completes despite the failures");

    // Assert: 2 × 429 + 4 × 500 for the first order, one read each for the others.
    assert_eq!(report.status, RunStatus::Finished);
    assert_eq!(
        (
            report.counts.checked,
            report.counts.errors,
            report.counts.unchanged
        ),
        (3, 1, 2)
    );
    assert_eq!(report.rate_limited, 2);
    assert_eq!(report.points_calls, 8);
    assert_eq!(
        app.points.lookups().len() - before,
        8,
        "every attempt reached Points once"
    );
    assert_eq!(report.errors[0].order_number, numbers[0]);
    assert!(
        report.errors[0].error.contains("500"),
        "{:?}",
        report.errors
    );
}

#[tokio::test]
async fn the_report_is_stored_and_served_and_admin_runs_are_exclusive() {
    // Arrange: an ops stack (admin token, webhooks delivered) with one confirmed order whose
    // local state we roll back to pending.
    let stack = spawn_stack(StackOptions::default()).await;
    let (number, url) = stack.checkout(None).await;
    stack.approve(&url).await;
    stack.wait_for_state(&number, "confirmed").await;
    sqlx::query("UPDATE orders SET order_status = 'new'")
        .execute(&stack.db)
        .await
        .expect("roll back");
    let none = stack
        .admin(Method::GET, "/admin/reconcile/runs/latest")
        .await;
    assert_eq!(none.status(), 404, "no run yet");
    for (verb, path) in [
        (Method::POST, "/admin/reconcile"),
        (Method::GET, "/admin/reconcile/runs/latest"),
    ] {
        let refused = stack.admin_with(verb, path, Some("not-the-token")).await;
        assert_eq!(refused.status(), 401, "{path} needs the admin token");
    }
    assert_eq!(stack.count("reconcile_runs").await, 0);

    // Act
    let started = stack.admin(Method::POST, "/admin/reconcile").await;

    // Assert
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.expect("json");
    let run_id = started["run_id"].as_i64().expect("run id");
    let report = eventually("the run to finish", || async {
        let report: Value = stack
            .admin(Method::GET, "/admin/reconcile/runs/latest")
            .await
            .json()
            .await
            .expect("json");
        (report["status"] == "finished").then_some(report)
    })
    .await;
    assert_eq!(report["run_id"], run_id);
    assert_eq!(report["started_by"], "admin");
    assert_eq!(report["counts"]["fixed"], 1, "{report}");
    assert_eq!(report["drifts"][0]["order_number"], number.as_str());
    assert_eq!(
        stack.wait_for_state(&number, "confirmed").await["order_status"],
        "approved"
    );
    let stored: String = sqlx::query("SELECT status FROM reconcile_runs WHERE id = $1")
        .bind(run_id)
        .fetch_one(&stack.db)
        .await
        .expect("row")
        .get("status");
    assert_eq!(stored, "finished");

    // While another process holds the lease, a run is refused and nothing is created.
    let until = server::db::after_now(Duration::from_secs(60));
    sqlx::query(
        "INSERT INTO lease (name, holder, expires_at) VALUES ('reconcile', 'other', $1)
         ON CONFLICT (name) DO UPDATE SET holder = 'other', expires_at = excluded.expires_at",
    )
    .bind(&until)
    .execute(&stack.db)
    .await
    .expect("lease");
    let busy = stack.admin(Method::POST, "/admin/reconcile").await;
    assert_eq!(busy.status(), 409);
    // Bad input is a 4xx with a reason, and starts nothing.
    let bad_since = post_admin(&stack, &json!({"since": "soon"})).await;
    assert_eq!(bad_since.status(), 422);
    let both = post_admin(&stack, &json!({"all": true, "since": "1d"})).await;
    assert_eq!(both.status(), 422);
    let unknown = post_admin(&stack, &json!({"everything": true})).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(stack.count("reconcile_runs").await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_stopped_run_is_resumed_from_its_cursor() {
    // Arrange: four pending orders with uuids, and a run that "crashed" after the first two.
    let app = app().await;
    let mut numbers = Vec::new();
    for _ in 0..4 {
        numbers.push(pending_with_uuid(&app).await);
    }
    let started = reconcile::begin(app.state(), Scope::recent(WEEK), Trigger::Scheduled, None)
        .await
        .expect("begin");
    let run_id = started.run_id();
    drop(started);
    let second_id: i64 = sqlx::query("SELECT id FROM orders WHERE order_number = $1")
        .bind(&numbers[1])
        .fetch_one(&app.db)
        .await
        .expect("id")
        .get("id");
    sqlx::query("UPDATE reconcile_runs SET cursor = $1")
        .bind(second_id)
        .execute(&app.db)
        .await
        .expect("cursor");
    // The crashed process still holds the lease: nobody else may run...
    let busy = reconcile::reconcile(app.state(), Scope::recent(WEEK), Trigger::Cli).await;
    assert!(matches!(busy, Err(RunError::Busy)), "{busy:?}");
    // ...until it expires.
    sqlx::query("UPDATE lease SET expires_at = '2000-01-01T00:00:00.000Z'")
        .execute(&app.db)
        .await
        .expect("expire");

    // Act
    let report = run(&app).await;

    // Assert: the same run, finished, having checked only the two orders after the cursor.
    assert_eq!(report.run_id, run_id);
    assert_eq!(report.resumed, 1);
    assert_eq!(report.started_by, Trigger::Scheduled);
    assert_eq!(report.counts.checked, 2);
    assert_eq!(report.status, RunStatus::Finished);
    assert_eq!(app.count("reconcile_runs").await, 1);
    let latest = reconcile::latest(&app.db)
        .await
        .expect("read")
        .expect("a run");
    assert_eq!(latest, report);
}

#[tokio::test]
async fn the_schedule_runs_on_its_interval_once_across_instances() {
    // Arrange: two servers on one database, both scheduling every second.
    let config = ReconcileConfig {
        enabled: true,
        interval: Duration::from_secs(1),
        ..manual()
    };
    let first = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        reconcile: Some(config),
        ..Options::default()
    })
    .await;
    let number = paid_but_missed(&first).await;
    let second = spawn_app_with(Options {
        database_url: Some(first.database_url.clone()),
        points: Some(first.points.clone()),
        webhook_secret: Some(first.webhook_secret.clone()),
        reconcile: Some(config),
        ..Options::default()
    })
    .await;

    // Act: wait for the schedule to fix the order, then for three scheduled runs in all.
    eventually("the schedule to confirm the order", || async {
        (first.order_state(&number).await == "confirmed").then_some(())
    })
    .await;
    eventually("three scheduled runs", || async {
        (first
            .count("reconcile_runs WHERE status = 'finished'")
            .await
            >= 3)
            .then_some(())
    })
    .await;

    // Assert: the missed webhook was applied by the schedule, once.
    assert_eq!(first.order_state(&number).await, "confirmed");
    assert_eq!(reconciled(&first.db, &number).await.len(), 1);
    let runs = sqlx::query("SELECT started_by, started_at, finished_at FROM reconcile_runs WHERE status = 'finished' ORDER BY id")
        .fetch_all(&first.db)
        .await
        .expect("runs");
    let mut previous: Option<(String, String)> = None;
    for row in &runs {
        let (by, started, finished): (String, String, String) = (
            row.get("started_by"),
            row.get("started_at"),
            row.get("finished_at"),
        );
        assert_eq!(by, "scheduled");
        if let Some((prev_started, prev_finished)) = &previous {
            assert!(
                started >= *prev_finished,
                "runs never overlap: {started} < {prev_finished}"
            );
            let gap = server::db::parse_timestamp(&started).expect("ts")
                - server::db::parse_timestamp(prev_started).expect("ts");
            assert!(
                gap >= time::Duration::SECOND,
                "one run per interval, not one per instance: {gap}"
            );
        }
        previous = Some((started, finished));
    }
    drop(second);
}

#[tokio::test]
async fn the_cli_prints_the_report_and_fails_when_an_order_could_not_be_checked() {
    // Arrange
    let app = app().await;
    let number = paid_but_missed(&app).await;

    // Act
    let mut text = Vec::new();
    let printed =
        server::commands::reconcile::run(app.state(), &Default::default(), &mut text).await;
    let other = pending_with_uuid(&app).await;
    // Both orders in scope now fail all four attempts, however the reads interleave.
    fail_reads(&app, 500, 8, None).await;
    let mut json_out = Vec::new();
    let args = server::commands::reconcile::ReconcileArgs {
        json: true,
        since: Some("1d".into()),
        all: false,
    };
    let failed = server::commands::reconcile::run(app.state(), &args, &mut json_out).await;

    // Assert
    let text = String::from_utf8(text).expect("utf-8");
    assert!(printed.is_ok(), "{printed:?}");
    assert!(text.contains("checked 1 · unchanged 0 · fixed 1"), "{text}");
    assert!(
        text.contains(&format!(
            "{number} [status] new → approved: applied approved"
        )),
        "{text}"
    );
    assert!(
        failed.is_err(),
        "an order that could not be checked fails the command"
    );
    let report: Value = serde_json::from_slice(&json_out).expect("JSON report");
    assert_eq!(report["counts"]["errors"], 2, "{report}");
    assert_eq!(report["points_calls"], 8, "{report}");
    assert_eq!(report["scope"]["recent_secs"], 86_400);
    let mut errored: Vec<&str> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["order_number"].as_str())
        .collect();
    errored.sort_unstable();
    let mut expected = [number.as_str(), other.as_str()];
    expected.sort_unstable();
    assert_eq!(errored, expected);
}

#[tokio::test]
async fn ten_thousand_orders_under_429s_are_each_checked_once_and_applied_at_most_once() {
    // Arrange: 10,000 checkout orders at Points (approved, new, cancelled, captured in turn),
    // all `new` here, and every 40th read answered 429, 250 times.
    const N: u32 = 10_000;
    const LIMITED: u32 = 250;
    let app = spawn_app_with(Options {
        reconcile: Some(manual()),
        ..Options::default()
    })
    .await;
    let seeded = app
        .points
        .control(
            Method::POST,
            "/_sandbox/orders/bulk",
            &json!({"merchant": app.points.public_key, "count": N, "order_number_prefix": "BULK-",
                    "total_price": 150.75, "statuses": ["approved", "new", "cancelled", "captured"]}),
        )
        .await;
    let seeded = seeded.as_array().expect("orders");
    assert_eq!(seeded.len(), N as usize);
    let now = server::db::now();
    let mut tx = app.db.begin().await.expect("tx");
    for chunk in seeded.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO orders (order_number, points_uuid, reference_number, order_status, total_halalas, lang, items_json, created_at, updated_at) VALUES ",
        );
        for (i, order) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{}', '{}', '{}', 'new', 15075, 'ar', '[]', '{now}', '{now}')",
                order["order_number"].as_str().expect("number"),
                order["uuid"].as_str().expect("uuid"),
                order["reference_number"].as_str().expect("reference"),
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.expect("insert");
    }
    tx.commit().await.expect("commit");
    fail_reads(&app, 429, LIMITED, Some(40)).await;
    let before = app.points.lookups().len();

    // Act
    let clock = Instant::now();
    let report = run(&app).await;
    let took = clock.elapsed();

    // Assert
    println!(
        "reconciliation of {N} orders with {LIMITED} 429s: {:.1} s wall ({} ms in the report), {} Points calls",
        took.as_secs_f64(),
        report.wall_time_ms,
        report.points_calls
    );
    let c = report.counts;
    assert_eq!(report.status, RunStatus::Finished);
    assert_eq!(
        (
            c.checked,
            c.fixed,
            c.unchanged,
            c.drift,
            c.not_found,
            c.errors
        ),
        (10_000, 7_500, 2_500, 0, 0, 0)
    );
    assert_eq!(report.rate_limited, u64::from(LIMITED));
    assert_eq!(report.points_calls, u64::from(N + LIMITED));
    let lookups = app.points.lookups();
    let lookups = &lookups[before..];
    assert_eq!(
        lookups.len(),
        (N + LIMITED) as usize,
        "calls made = calls counted"
    );
    let distinct: std::collections::HashSet<_> = lookups.iter().map(|l| l.uuid.as_str()).collect();
    assert_eq!(distinct.len(), N as usize, "every order read");
    let applied = app
        .count("order_transitions WHERE source = 'reconciliation'")
        .await;
    let orders_applied = app
        .count(
            "(SELECT DISTINCT order_id FROM order_transitions WHERE source = 'reconciliation') t",
        )
        .await;
    assert_eq!(
        (applied, orders_applied),
        (7_500, 7_500),
        "each fixed order applied exactly once"
    );
    let by_status: Vec<(String, i64)> = sqlx::query("SELECT order_status, COUNT(*) AS n FROM orders GROUP BY order_status ORDER BY order_status")
        .fetch_all(&app.db)
        .await
        .expect("statuses")
        .iter()
        .map(|r| (r.get("order_status"), r.get("n")))
        .collect();
    assert_eq!(
        by_status,
        [
            ("approved".into(), 2_500),
            ("cancelled".into(), 2_500),
            ("captured".into(), 2_500),
            ("new".into(), 2_500)
        ]
    );
    assert_eq!(
        report.drifts.len() as u64 + report.omitted,
        7_500,
        "every fix is in the report or counted"
    );
}
