//! The earning outbox against the real sandbox: earnings under injected 429s recorded exactly
//! once, pending activation kept as such, definitive refusals failed with their reason and not
//! retried, restarts that neither lose nor double an earning (a crash before the send, one
//! after Points recorded it), enqueue dedup, the database lease between two senders (SQLite
//! file and Postgres), and the admin routes and the CLI in-process.
//!
//! Every "exactly once" is checked at Points (the sandbox's orders and the customer's balance),
//! not only in our rows.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use server::config::EarningConfig;
use server::earning::{self, EarningRequest, EarningView, Enqueued, State};
use sqlx::Row;

use crate::helpers::{FreshDatabase, Options, TestApp, TestPoints, spawn_app_with};
use crate::stack::{Exposition, StackOptions, spawn_stack};

const PHONE: &str = "0512345678";
const PURCHASE_ROUTE: &str = "/api/v1/orders/earning";
const STORE_RATING_ROUTE: &str = "/api/v1/orders/earning/store-rating";

/// Quick back-off, so a test with many retries stays short.
fn fast() -> EarningConfig {
    EarningConfig {
        timeout: Duration::from_secs(3),
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    }
}

async fn spawn_with(points: Option<TestPoints>, database_url: Option<String>) -> TestApp {
    spawn_app_with(Options {
        earning: Some(fast()),
        points,
        database_url,
        ..Options::default()
    })
    .await
}

/// A purchase of one line at `halalas` (10 points per SAR at the sandbox).
fn purchase(order_number: &str, halalas: u64) -> EarningRequest {
    purchase_by(order_number, halalas, PHONE)
}

fn purchase_by(order_number: &str, halalas: u64, phone: &str) -> EarningRequest {
    let price = format!("{}.{:02}", halalas / 100, halalas % 100);
    EarningRequest::parse(json!({
        "kind": "purchase", "order_number": order_number, "phone_number": phone,
        "total_price": price, "products": [{"product_name": "Oud", "product_price": price,
        "quantity": 1}],
    }))
    .expect("a valid purchase")
}

fn store_rating(review_reference: &str) -> EarningRequest {
    EarningRequest::parse(json!({
        "kind": "store_rating", "review_reference": review_reference, "phone_number": PHONE,
        "rating": 5,
    }))
    .expect("a valid rating")
}

/// Enqueues through the library, as the merchant's code does, and wakes the sender.
async fn enqueue(app: &TestApp, request: &EarningRequest) -> i64 {
    let queued = earning::submit(app.server().state(), request)
        .await
        .expect("enqueued");
    queued.id
}

/// Waits (up to a minute: the machine is noisy, the back-off random) until every row is
/// settled; returns them all, oldest first.
async fn settled(app: &TestApp, rows: usize) -> Vec<EarningView> {
    for _ in 0..1200 {
        let all = earning::list(app.server().pool(), None)
            .await
            .expect("list");
        if all.len() == rows && all.iter().all(|r| r.state.is_final()) {
            return all.into_iter().rev().collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = earning::list(app.server().pool(), None).await;
    panic!("the outbox did not settle: {all:#?}");
}

/// Polls `probe` every 20 ms until it yields, for at most a minute.
async fn wait_for<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..3000 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The row once `done` holds for it.
async fn row_when(
    app: &TestApp,
    id: i64,
    what: &str,
    done: impl Fn(&EarningView) -> bool,
) -> EarningView {
    wait_for(what, || async {
        earning::get(app.server().pool(), id)
            .await
            .expect("get")
            .filter(|row| done(row))
    })
    .await
}

async fn balance(points: &TestPoints, phone: &str) -> u64 {
    let customer = points
        .control(
            Method::GET,
            &format!("/_sandbox/customers/{phone}"),
            &Value::Null,
        )
        .await;
    customer["points"].as_u64().expect("points")
}

/// This merchant's orders at Points, by order number.
async fn orders_at_points(points: &TestPoints) -> Vec<String> {
    let orders = points
        .control(Method::GET, "/_sandbox/orders", &Value::Null)
        .await;
    let mut numbers: Vec<String> = orders
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["merchant"] == points.public_key.as_str())
        .map(|o| o["order_number"].as_str().expect("order_number").to_owned())
        .collect();
    numbers.sort();
    numbers
}

/// The next `count` calls of `route` answer `status` (changing nothing at Points).
async fn inject(points: &TestPoints, route: &str, status: u16, count: u32) {
    points
        .control(
            Method::POST,
            "/_sandbox/faults",
            &json!({"route": route, "method": "POST", "fault": "status", "status": status, "count": count}),
        )
        .await;
}

async fn pending_faults(points: &TestPoints) -> usize {
    let faults = points
        .control(Method::GET, "/_sandbox/faults", &Value::Null)
        .await;
    faults.as_array().map_or(0, Vec::len)
}

async fn set_merchant(points: &TestPoints, patch: Value) {
    points
        .control(
            Method::PATCH,
            &format!("/_sandbox/merchants/{}", points.public_key),
            &patch,
        )
        .await;
}

async fn scrape(app: &TestApp) -> Exposition {
    Exposition::parse(&app.metrics().await)
}

#[tokio::test]
async fn earnings_under_injected_429s_are_each_recorded_exactly_once() {
    // Arrange: Points' lock refuses the next 15 purchases and 5 store ratings.
    let app = spawn_with(None, None).await;
    inject(&app.points, PURCHASE_ROUTE, 429, 15).await;
    inject(&app.points, STORE_RATING_ROUTE, 429, 5).await;

    // Act: 20 purchases of 10 SAR and 5 store ratings, all at once.
    for i in 0..20 {
        enqueue(&app, &purchase(&format!("SALE-{i:02}"), 1000)).await;
    }
    for i in 0..5 {
        enqueue(&app, &store_rating(&format!("REV-{i}"))).await;
    }
    let rows = settled(&app, 25).await;

    // Assert: every 429 was met and retried, every earning recorded once at Points.
    assert_eq!(pending_faults(&app.points).await, 0, "all 20 429s answered");
    assert!(rows.iter().all(|r| r.state == State::Recorded), "{rows:#?}");
    let retried: i64 = rows.iter().map(|r| r.attempts - 1).sum();
    assert_eq!(retried, 20, "one extra attempt per 429");
    let mut expected: Vec<String> = (0..20)
        .map(|i| format!("SALE-{i:02}"))
        .chain((0..5).map(|i| format!("REV-{i}")))
        .collect();
    expected.sort();
    assert_eq!(orders_at_points(&app.points).await, expected);
    assert_eq!(balance(&app.points, PHONE).await, 20 * 100 + 5 * 25);
    assert!(
        rows.iter().all(|r| r.points_uuid.is_some()),
        "the Points uuid is kept"
    );
    assert_eq!(
        app.count("earning_outbox WHERE request LIKE '%512345678%' OR answer LIKE '%512345678%'")
            .await,
        0,
        "no recorded earning keeps the shopper's phone number"
    );

    let metrics = scrape(&app).await;
    let calls = |endpoint: &str, status: &str| {
        metrics.value(
            "pointskit_points_requests_total",
            &[("endpoint", endpoint), ("status", status)],
        )
    };
    assert_eq!(calls("earning", "429"), 15.0);
    assert_eq!(calls("store_rating", "429"), 5.0);
    assert_eq!(calls("earning", "2xx"), 20.0);
    let depth = |state: &str| metrics.value("pointskit_earning_outbox_depth", &[("state", state)]);
    assert_eq!(depth("recorded"), 25.0);
    assert_eq!(depth("pending"), 0.0);
    assert_eq!(
        metrics.value("pointskit_earning_outbox_oldest_pending_age_seconds", &[]),
        0.0
    );
}

#[tokio::test]
async fn an_earning_for_a_customer_who_has_not_activated_is_stored_as_pending_activation() {
    let app = spawn_with(None, None).await;

    let id = enqueue(&app, &purchase_by("SALE-PENDING", 11500, "500000004")).await;
    let rows = settled(&app, 1).await;

    let row = &rows[0];
    assert_eq!(row.id, id);
    assert_eq!(row.state, State::PendingActivation);
    let answer = row.answer.as_ref().expect("the pending answer is kept");
    assert_eq!(answer["merchant_order_number"], "SALE-PENDING");
    assert_eq!(answer["total_points"], 1150);
    assert_eq!(row.points_uuid, None, "Points gives no uuid yet");
    assert_eq!(row.request["phone_number"], "5*****004", "masked in views");
    // And in the database: Points holds the earning, so the number is no longer kept (PDPL).
    let stored: (String, String) =
        sqlx::query_as("SELECT request, answer FROM earning_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the row");
    assert!(
        !stored.0.contains("500000004") && !stored.1.contains("500000004"),
        "the phone number is erased once sent: {stored:?}"
    );
    assert!(stored.0.contains("5*****004"), "{}", stored.0);
    assert_eq!(
        balance(&app.points, "500000004").await,
        0,
        "not credited yet"
    );

    // Activation at Points credits it, with nothing more from us.
    app.points
        .control(
            Method::POST,
            "/_sandbox/customers/500000004/activate",
            &Value::Null,
        )
        .await;
    assert_eq!(balance(&app.points, "500000004").await, 1150);
}

#[tokio::test]
async fn a_definitive_refusal_fails_the_earning_with_its_reason_and_it_is_not_retried() {
    // Arrange: the next purchase call is refused with a 422; "TAKEN-1" was recorded at Points
    // by someone else (another system using the same order number).
    let app = spawn_with(None, None).await;
    app.points.earning("TAKEN-1").await;
    inject(&app.points, PURCHASE_ROUTE, 422, 1).await;
    let before = balance(&app.points, PHONE).await;

    // Act
    let refused = enqueue(&app, &purchase("SALE-REFUSED", 1000)).await;
    settled(&app, 1).await;
    let taken = enqueue(&app, &purchase("TAKEN-1", 15075)).await;
    let after = enqueue(&app, &purchase("SALE-AFTER", 1000)).await;
    let rows = settled(&app, 3).await;

    // Assert
    let row = |id: i64| rows.iter().find(|r| r.id == id).expect("row");
    assert_eq!(row(refused).state, State::Failed);
    assert!(
        row(refused)
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("422: ") && e.contains("Injected fault")),
        "{:?}",
        row(refused).last_error
    );
    assert_eq!(
        row(taken).state,
        State::Failed,
        "never sent by us: 'already taken' is someone else's earning, not ours"
    );
    assert!(
        row(taken)
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("order_number: The order number has already been taken.")),
        "{:?}",
        row(taken).last_error
    );
    assert_eq!(row(after).state, State::Recorded);
    // Sent once each: the sender went on past them without retrying.
    assert_eq!((row(refused).attempts, row(taken).attempts), (1, 1));
    assert_eq!(
        orders_at_points(&app.points).await,
        ["SALE-AFTER", "TAKEN-1"]
    );
    assert_eq!(balance(&app.points, PHONE).await, before + 100);

    // Requeued once the cause is gone, the refused one is recorded.
    assert!(
        earning::requeue(app.server().pool(), refused)
            .await
            .expect("requeue")
    );
    app.server().state().earning_notify.notify_one();
    let rows = settled(&app, 3).await;
    let requeued = rows.iter().find(|r| r.id == refused).expect("row");
    assert_eq!(requeued.state, State::Recorded);
    assert_eq!(requeued.attempts, 2);
    assert_eq!(balance(&app.points, PHONE).await, before + 200);
}

#[tokio::test]
async fn an_earning_refused_for_the_merchant_waits_instead_of_failing() {
    // Earning is switched off for the merchant (403): nothing about the earning is wrong, so
    // it must not be lost; it is recorded once the merchant can earn again.
    let app = spawn_with(None, None).await;
    set_merchant(&app.points, json!({"earning_enabled": false})).await;
    let id = enqueue(&app, &purchase("SALE-403", 1000)).await;
    let waiting = row_when(&app, id, "a second attempt", |row| row.attempts >= 2).await;
    assert_eq!(waiting.state, State::Pending);
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("403: ")),
        "{:?}",
        waiting.last_error
    );

    set_merchant(&app.points, json!({"earning_enabled": true})).await;
    let rows = settled(&app, 1).await;

    assert_eq!(rows[0].state, State::Recorded);
    assert_eq!(balance(&app.points, PHONE).await, 100);
}

#[tokio::test]
async fn enqueueing_the_same_earning_twice_is_one_row_and_another_under_its_key_conflicts() {
    let app = spawn_with(None, None).await;
    let pool = app.server().pool();

    let first = earning::enqueue(pool, &purchase("SALE-DUP", 1000))
        .await
        .expect("first");
    let again = earning::enqueue(pool, &purchase("SALE-DUP", 1000))
        .await
        .expect("again");
    let other = earning::enqueue(pool, &purchase("SALE-DUP", 2000)).await;
    let rating = earning::enqueue(pool, &store_rating("SALE-DUP")).await;
    app.server().state().earning_notify.notify_one();
    let rows = settled(&app, 1).await;
    let late = earning::enqueue(pool, &purchase("SALE-DUP", 1000))
        .await
        .expect("late");

    assert_eq!(first.outcome, Enqueued::New);
    assert_eq!((again.id, again.outcome), (first.id, Enqueued::Existing));
    assert!(
        matches!(other, Err(earning::EnqueueError::Conflict { id, .. }) if id == first.id),
        "{other:?}"
    );
    assert!(
        matches!(rating, Err(earning::EnqueueError::Conflict { .. })),
        "one key namespace at Points: {rating:?}"
    );
    assert_eq!((late.id, late.outcome), (first.id, Enqueued::Existing));
    assert_eq!(rows[0].state, State::Recorded);
    assert_eq!(app.count("earning_outbox").await, 1);
    assert_eq!(orders_at_points(&app.points).await, ["SALE-DUP"]);
    assert_eq!(balance(&app.points, PHONE).await, 100);
}

#[tokio::test]
async fn stopping_the_server_with_earnings_pending_loses_none_and_awards_none_twice() {
    // Arrange: Points takes 150 ms per earning, so most are still pending at the stop.
    let mut first = spawn_with(None, None).await;
    set_merchant(&first.points, json!({"earning_delay_ms": 150})).await;
    for i in 0..10 {
        enqueue(&first, &purchase(&format!("SALE-R{i}"), 1000)).await;
    }
    wait_for("a first earning recorded", || async {
        let recorded = earning::list(first.server().pool(), Some(State::Recorded))
            .await
            .expect("list");
        (!recorded.is_empty()).then_some(())
    })
    .await;

    // Act: stop (the attempt in flight finishes), then a new server on the same file.
    first.shut_down().await;
    let pending_at_stop: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM earning_outbox WHERE state = 'pending'")
            .fetch_one(&first.db)
            .await
            .expect("count")
            .get("n");
    let second = spawn_with(Some(first.points.clone()), Some(first.database_url.clone())).await;
    let rows = settled(&second, 10).await;

    // Assert
    assert!(pending_at_stop > 0, "the stop left work for the restart");
    assert!(
        rows.iter()
            .all(|r| matches!(r.state, State::Recorded | State::AlreadyRecorded)),
        "{rows:#?}"
    );
    let expected: Vec<String> = (0..10).map(|i| format!("SALE-R{i}")).collect();
    assert_eq!(orders_at_points(&second.points).await, expected);
    assert_eq!(balance(&second.points, PHONE).await, 10 * 100);
}

#[tokio::test]
async fn a_crash_after_points_recorded_an_earning_but_before_we_marked_it_awards_it_once() {
    // Arrange: the row as a crash leaves it: claimed (attempt counted, possibly sent) while
    // Points recorded it, the answer never written. The server is stopped meanwhile.
    let mut first = spawn_with(None, None).await;
    first.shut_down().await;
    let pool = server::db::connect(&first.database_url)
        .await
        .expect("the server's database");
    let request = purchase("SALE-CRASH", 15075);
    let queued = earning::enqueue(&pool, &request).await.expect("enqueued");
    sqlx::query("UPDATE earning_outbox SET attempts = 1, sent = 1 WHERE id = $1")
        .bind(queued.id)
        .execute(&*pool)
        .await
        .expect("simulate the claim");
    first.points.earning("SALE-CRASH").await;
    pool.close().await;
    assert_eq!(balance(&first.points, PHONE).await, 1507);

    // Act: the server starts again on the same file.
    let second = spawn_with(Some(first.points.clone()), Some(first.database_url.clone())).await;
    let rows = settled(&second, 1).await;

    // Assert: recognised as already recorded, not awarded again, not failed.
    assert_eq!(rows[0].state, State::AlreadyRecorded, "{rows:#?}");
    assert_eq!(rows[0].attempts, 2);
    assert_eq!(rows[0].answer, Some(json!({"order_number": "SALE-CRASH"})));
    assert_eq!(orders_at_points(&second.points).await, ["SALE-CRASH"]);
    assert_eq!(balance(&second.points, PHONE).await, 1507);
}

#[tokio::test]
async fn an_answer_lost_to_a_timeout_across_a_restart_is_awarded_once() {
    // Arrange: Points holds the first purchase call for 2 s, past our 1 s timeout: we give
    // up on it not knowing whether Points will record it. The retry waits 1–2 s.
    let slow_retry = EarningConfig {
        timeout: Duration::from_secs(1),
        backoff: Duration::from_secs(2),
        max_backoff: Duration::from_secs(2),
    };
    let mut first = spawn_app_with(Options {
        earning: Some(slow_retry),
        ..Options::default()
    })
    .await;
    first
        .points
        .control(
            Method::POST,
            "/_sandbox/faults",
            &json!({"route": PURCHASE_ROUTE, "method": "POST", "fault": "hang", "ms": 2000, "count": 1}),
        )
        .await;
    let id = enqueue(&first, &purchase("SALE-HANG", 1000)).await;
    let timed_out = row_when(&first, id, "the first attempt to time out", |row| {
        row.last_error.is_some()
    })
    .await;

    // Act: stop before the retry, restart on the same file.
    first.shut_down().await;
    let second = spawn_with(Some(first.points.clone()), Some(first.database_url.clone())).await;
    let rows = settled(&second, 1).await;

    // Assert: one order, one award, whichever call Points handled first (the held one, if
    // still waiting, can only meet "already taken" now).
    assert_eq!(
        timed_out.last_error.as_deref(),
        Some("timeout: Points did not answer in time")
    );
    assert!(
        matches!(rows[0].state, State::Recorded | State::AlreadyRecorded),
        "{rows:#?}"
    );
    assert!(
        rows[0].attempts >= 2,
        "the one that timed out, retried after the restart"
    );
    assert_eq!(orders_at_points(&second.points).await, ["SALE-HANG"]);
    assert_eq!(balance(&second.points, PHONE).await, 100);
}

/// Two servers on one database and one merchant, each with its own Points client (no shared
/// in-process lock): had they sent at the same time, Points would have answered 429.
async fn two_senders_take_turns(first: TestApp, second: TestApp) {
    set_merchant(&first.points, json!({"earning_delay_ms": 40})).await;
    for i in 0..12 {
        let app = if i % 2 == 0 { &first } else { &second };
        enqueue(app, &purchase(&format!("SALE-T{i:02}"), 1000)).await;
    }
    settled(&first, 12).await;

    let expected: Vec<String> = (0..12).map(|i| format!("SALE-T{i:02}")).collect();
    assert_eq!(orders_at_points(&first.points).await, expected);
    assert_eq!(balance(&first.points, PHONE).await, 1200);
    let mut sent = 0.0;
    for app in [&first, &second] {
        let metrics = scrape(app).await;
        let calls = |status: &str| {
            metrics.value(
                "pointskit_points_requests_total",
                &[("endpoint", "earning"), ("status", status)],
            )
        };
        assert_eq!(calls("429"), 0.0, "the lease kept the two senders apart");
        sent += calls("2xx");
    }
    assert_eq!(sent, 12.0, "each earning sent once, by one of them");
}

#[tokio::test]
async fn two_servers_on_one_sqlite_file_send_one_at_a_time() {
    let first = spawn_with(None, None).await;
    let second = spawn_with(Some(first.points.clone()), Some(first.database_url.clone())).await;
    two_senders_take_turns(first, second).await;
}

#[tokio::test]
async fn two_servers_on_one_postgres_database_send_one_at_a_time() {
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    let first = spawn_with(None, Some(database.url.clone())).await;
    let second = spawn_with(Some(first.points.clone()), Some(database.url.clone())).await;
    two_senders_take_turns(first, second).await;
}

#[tokio::test]
async fn the_cli_enqueues_and_with_wait_sends_beside_a_running_server_or_alone() {
    use clap::Parser;
    use server::commands::{Cli, Command};

    let mut app = spawn_with(None, None).await;
    let config = (*app.server().state().config).clone();
    let cli_state = server::AppState::connect(config)
        .await
        .expect("the CLI's own connection, as a second process has");
    let run = |args: &[&str]| {
        let cli = Cli::try_parse_from(["points-server", "earn"].iter().chain(args))
            .expect("arguments parse");
        let Some(Command::Earn(earn)) = cli.command else {
            panic!("an earn command");
        };
        let state = cli_state.clone();
        async move {
            let mut out = Vec::new();
            let result = server::commands::earn::run(&state, *earn, &mut out).await;
            (result, String::from_utf8(out).expect("utf-8"))
        }
    };

    // Beside the running server: whoever holds the lease sends it, once.
    let (result, out) = run(&[
        "purchase",
        "--order-number",
        "CLI-1",
        "--phone",
        PHONE,
        "--total",
        "115.00",
        "--product",
        "Cappuccino:18.50:2",
        "--product",
        "Croissant:39.00:2",
        "--wait",
    ])
    .await;
    result.expect("recorded");
    assert!(out.contains("\tCLI-1\trecorded\t"), "{out}");
    assert!(out.contains("1150 points"), "{out}");

    // Without --wait: enqueued only; the JSON view masks the phone.
    app.shut_down().await;
    let (result, out) = run(&[
        "store-rating",
        "--review-reference",
        "CLI-REV",
        "--phone",
        PHONE,
        "--rating",
        "4",
        "--json",
    ])
    .await;
    result.expect("enqueued");
    let view: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(view["state"], "pending");
    assert_eq!(view["request"]["phone_number"], "5*****678");
    assert!(!out.contains("512345678"), "no whole phone number: {out}");

    // No server running: --wait sends it itself (the same row: enqueueing again is a no-op).
    let (result, out) = run(&[
        "store-rating",
        "--review-reference",
        "CLI-REV",
        "--phone",
        PHONE,
        "--rating",
        "4",
        "--wait",
    ])
    .await;
    result.expect("recorded by the CLI itself");
    assert!(out.contains("\tCLI-REV\trecorded\t"), "{out}");

    // Bad input is refused with the field, and nothing is stored.
    let (result, _) = run(&[
        "product-rating",
        "--review-reference",
        "CLI-BAD",
        "--phone",
        "12",
        "--product-id",
        "oud-50",
    ])
    .await;
    let error = format!("{:#}", result.expect_err("refused"));
    assert!(error.contains("phone_number"), "{error}");
    let (result, out) = run(&["list"]).await;
    result.expect("list");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (result, _) = run(&["list", "--state", "stuck"]).await;
    assert!(result.is_err());

    assert_eq!(orders_at_points(&app.points).await, ["CLI-1", "CLI-REV"]);
    assert_eq!(balance(&app.points, PHONE).await, 1150 + 25);
}

#[tokio::test]
async fn the_admin_api_enqueues_lists_shows_and_retries_earnings() {
    let stack = spawn_stack(StackOptions::default()).await;
    let post = |body: Value| {
        stack
            .http
            .post(format!("{}/admin/earnings", stack.server))
            .bearer_auth(&stack.admin_token)
            .json(&body)
            .send()
    };
    let body = json!({"kind": "product_rating", "review_reference": "ADM-1",
        "phone_number": PHONE, "product_id": "oud-50", "rating": 5});

    let created = post(body.clone()).await.expect("post");
    assert_eq!(created.status(), 202);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["outcome"], "new");
    let again: Value = post(body.clone())
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (again["id"].as_i64(), &again["outcome"]),
        (Some(id), &json!("existing"))
    );
    let conflict = post(json!({"kind": "store_rating", "review_reference": "ADM-1",
        "phone_number": PHONE}))
    .await
    .expect("post");
    assert_eq!(conflict.status(), 409);
    let invalid = post(
        json!({"kind": "purchase", "order_number": "ADM-2", "phone_number": PHONE,
        "total_price": 10, "products": []}),
    )
    .await
    .expect("post");
    assert_eq!(invalid.status(), 422);
    let invalid: Value = invalid.json().await.expect("json");
    assert!(invalid["fields"]["products"].is_array(), "{invalid}");

    let settled = wait_for("the earning to settle", || async {
        let view: Value = stack
            .admin(Method::GET, &format!("/admin/earnings/{id}"))
            .await
            .json()
            .await
            .expect("json");
        (view["state"] != "pending").then_some(view)
    })
    .await;
    assert_eq!(settled["state"], "recorded", "{settled}");
    assert_eq!(settled["answer"]["total_points"], 10);
    let list: Value = stack
        .admin(Method::GET, "/admin/earnings?state=recorded")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["earnings"].as_array().map(Vec::len), Some(1));
    let none: Value = stack
        .admin(Method::GET, "/admin/earnings?state=failed")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none["earnings"], json!([]));
    assert_eq!(
        stack
            .admin(Method::GET, "/admin/earnings?state=stuck")
            .await
            .status(),
        422
    );
    assert_eq!(
        stack
            .admin(Method::GET, "/admin/earnings/999")
            .await
            .status(),
        404
    );
    let retry = stack
        .admin(Method::POST, &format!("/admin/earnings/{id}/retry"))
        .await;
    assert_eq!(retry.status(), 409, "only a failed earning is retried");
    assert_eq!(stack.count("earning_outbox").await, 1);
    stack.stop().await;
}
