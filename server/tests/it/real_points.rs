//! The server against the sandbox set to write webhooks as real Points may (API.md §6.3):
//! times to the second and no `left_amount` in a refund. The hand-built payloads of
//! `webhooks::real_refunds` say the same in miniature; here every byte comes from the sandbox,
//! delivered, retried and replayed as Points would.

use std::time::Duration;

use protocol::{OrderUuid, Sar, client::Refund};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, WebhookSecretChoice, eventually, spawn_app_with};

/// Two refunds (10.00 and 25.50 of the 150.75 order) stamped in one second, without
/// `left_amount`, then the first redelivered: both count, the redelivery counts once.
#[tokio::test]
async fn two_refunds_in_one_second_without_left_amount_both_count_and_a_redelivery_once() {
    refunds_in_one_second_then_a_redelivery("seconds", "dddd-dd-ddTdd:dd:ddZ").await;
}

#[tokio::test]
async fn the_same_holds_when_points_writes_the_time_with_a_space_and_no_zone() {
    refunds_in_one_second_then_a_redelivery("seconds_space", "dddd-dd-dd dd:dd:dd").await;
}

/// The scenario, with the sandbox's `webhook_timestamps` set to `timestamps`, whose times look
/// like `shape` (every digit a `d`).
async fn refunds_in_one_second_then_a_redelivery(timestamps: &str, shape: &str) {
    // Arrange: Points delivers to the server, written as real Points may; a paid order.
    let app = spawn_app_with(Options {
        points_delivers_with: Some(WebhookSecretChoice::Current),
        ..Options::default()
    })
    .await;
    app.points
        .control(
            Method::PATCH,
            &format!("/_sandbox/merchants/{}", app.points.public_key),
            &json!({ "webhook_timestamps": timestamps, "omit_left_amount": true }),
        )
        .await;
    let order_number = app.checkout_one_oud().await;
    app.points.approve(&order_number).await;
    eventually("the approval", || async {
        (app.order_state(&order_number).await == "confirmed").then_some(())
    })
    .await;
    let uuid = OrderUuid::parse(&app.points.uuid_of(&order_number).await).expect("uuid");
    let back_office = app.points.client();

    // Act: two partial refunds at Points in the same second, then Points redelivers the first.
    let ten = Refund::partial(uuid.clone(), Sar::from_halalas(1000));
    let twenty_five_fifty = Refund::partial(uuid.clone(), Sar::from_halalas(2550));
    start_of_a_second().await;
    let (sent_ten, sent_twenty_five_fifty) =
        tokio::join!(back_office.send(&ten), back_office.send(&twenty_five_fifty));
    sent_ten.expect("the 10.00 refund");
    sent_twenty_five_fifty.expect("the 25.50 refund");
    let delivered = refunds_acknowledged(&app, &uuid, 2).await;
    let payloads: Vec<&Value> = delivered.iter().map(|d| &d["payload"]).collect();
    assert_eq!(
        payloads[0]["timestamp"], payloads[1]["timestamp"],
        "both refunds must be stamped in one second, or this test proves nothing"
    );
    for payload in &payloads {
        assert_eq!(digits_as_d(&payload["timestamp"]), shape, "{payload}");
        assert!(payload["order"].get("left_amount").is_none(), "{payload}");
    }
    let first = delivered
        .iter()
        .find(|d| d["payload"]["order"]["refund_amount"] == 10.0)
        .expect("the 10.00 refund's delivery");
    app.points
        .control(
            Method::POST,
            &format!("/_sandbox/deliveries/{}/replay", first["id"]),
            &Value::Null,
        )
        .await;
    refunds_acknowledged(&app, &uuid, 3).await;

    // Assert: 35.50 refunded; one inbox row per refund beside the approval's; the redelivery
    // answered as a duplicate.
    app.wait_for_inbox_drained().await;
    let view = app.get_order_with(&order_number, "").await;
    assert_eq!(view["refunded_amount"], "35.50", "{view}");
    assert_eq!(view["order_status"], "partially_refunded", "{view}");
    assert_eq!(app.count("webhook_inbox WHERE event = 'refunded'").await, 2);
    assert_eq!(app.inbox_count().await, 3, "approved and two refunds");
    let metrics = app.metrics().await;
    for (outcome, n) in [("accepted", 3), ("duplicate", 1)] {
        let line = format!(
            r#"pointskit_webhook_deliveries_total{{outcome="{outcome}",reason="",status="200"}} {n}"#
        );
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }
}

/// Waits for the first moment of the next whole second, so what is sent at once shares it.
async fn start_of_a_second() {
    let into = Duration::from_nanos(u64::from(time::OffsetDateTime::now_utc().nanosecond()));
    tokio::time::sleep(Duration::from_secs(1).saturating_sub(into)).await;
}

/// The sandbox's log of `refunded` deliveries of `uuid` the server answered 2xx, once there
/// are `count` of them.
async fn refunds_acknowledged(app: &TestApp, uuid: &OrderUuid, count: usize) -> Vec<Value> {
    let path = format!(
        "/_sandbox/deliveries?order={}&event=refunded",
        uuid.as_str()
    );
    eventually(&format!("{count} refunds acknowledged"), || async {
        let log = app.points.control(Method::GET, &path, &Value::Null).await;
        let acked: Vec<Value> = log
            .as_array()?
            .iter()
            .filter(|d| d["success"] == true)
            .cloned()
            .collect();
        (acked.len() >= count).then_some(acked)
    })
    .await
}

/// What a time looks like with every digit replaced by `d`.
fn digits_as_d(time: &Value) -> String {
    time.as_str()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect()
}
