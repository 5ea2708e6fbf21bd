//! The three earning endpoints: recorded, pending activation, "already taken" as already
//! recorded on a retry, and one call in flight per merchant.

use std::time::Duration;

use protocol::client::{ClientError, Earning, ProductRating, RetryPolicy, StoreRating};
use protocol::{Earned, OrderStatus, PhoneNumber, Sar};
use serde_json::json;

use crate::helpers::{fast_retries, line, number, phone, spawn_points};

fn purchase(order_number: &str, halalas: u64) -> Earning {
    let total = Sar::from_halalas(halalas);
    Earning::new(
        number(order_number),
        phone(),
        total,
        vec![line("Cappuccino", total, 1)],
    )
}

fn recorded(earned: Earned) -> Box<protocol::OrderResource> {
    match earned {
        Earned::Recorded(order) => order,
        other => panic!("expected a recorded earning, got {other:?}"),
    }
}

#[tokio::test]
async fn a_purchase_earning_is_recorded_approved_with_its_points() {
    let points = spawn_points().await;
    let mut request = purchase("SALE-1", 11500);
    request.metadata = Some(json!({"channel": "web"}));

    let order = recorded(points.client().send(&request).await.expect("earning"));

    assert_eq!(order.order_status, OrderStatus::Approved);
    assert_eq!(order.order_number.as_str(), "SALE-1");
    assert_eq!(order.total_points, 1150);
    assert_eq!(order.metadata, Some(json!({"channel": "web"})));
}

#[tokio::test]
async fn ratings_earn_their_flat_points_and_an_inactive_customer_is_pending() {
    let points = spawn_points().await;
    let client = points.client();

    let store = client
        .send(&StoreRating {
            phone_number: phone(),
            review_reference: number("REV-STORE-1"),
            rating: Some(5),
            comment: Some("Great".into()),
            metadata: None,
        })
        .await
        .expect("store rating");
    let product = client
        .send(&ProductRating {
            phone_number: phone(),
            review_reference: number("REV-PRODUCT-1"),
            product_id: "oud-50".into(),
            product_name: Some("Oud".into()),
            rating: Some(4),
            comment: None,
            metadata: None,
        })
        .await
        .expect("product rating");
    let mut inactive = purchase("SALE-PENDING", 11500);
    inactive.phone_number = PhoneNumber::parse("500000004").expect("reserved phone");
    let pending = client.send(&inactive).await.expect("pending earning");

    assert_eq!(recorded(store).total_points, 25);
    assert_eq!(recorded(product).total_points, 10);
    match pending {
        Earned::PendingActivation(p) => {
            assert_eq!(p.merchant_order_number.as_str(), "SALE-PENDING");
            assert_eq!(p.total_points, 1150);
        }
        other => panic!("expected pending activation, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reused_number_is_a_validation_error_on_a_first_send_and_recorded_on_a_resend() {
    let points = spawn_points().await;
    let client = points.client();
    client.send(&purchase("SALE-2", 1000)).await.expect("first");

    let error = client
        .send(&purchase("SALE-2", 1000))
        .await
        .expect_err("a duplicate");
    let resent = client
        .resend(&purchase("SALE-2", 1000))
        .await
        .expect("resend");

    assert!(error.is_already_taken("order_number"), "{error:?}");
    assert_eq!(
        resent,
        Earned::AlreadyRecorded {
            order_number: number("SALE-2")
        }
    );
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_is_already_recorded_and_awards_once() {
    // Arrange: a gateway in front of Points that loses the answer of the first earning call
    // (Points recorded it; the client sees a 502), as a proxy timing out would.
    let points = spawn_points().await;
    let client = points.client_at(&points.lossy_relay(1).await);

    // Act
    let earned = client
        .send(&purchase("SALE-3", 10000))
        .await
        .expect("earning");

    // Assert
    assert_eq!(
        earned,
        Earned::AlreadyRecorded {
            order_number: number("SALE-3")
        }
    );
    let order = points.order("SALE-3").await.expect("recorded at Points");
    assert_eq!(order["order_status"], "approved");
    let customer = points
        .control(
            reqwest::Method::GET,
            "/_sandbox/customers/512345678",
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(customer["points"], 1000, "awarded once: {customer}");
}

#[tokio::test]
async fn an_earning_that_meets_the_lock_is_retried_until_it_lands() {
    // Arrange: another process holds the merchant's lock for a while (a separate client).
    let points = spawn_points().await;
    points.switch(json!({"earning_delay_ms": 300})).await;
    let other = points
        .client_for(&points.public_key, &points.private_key)
        .with_retry(fast_retries(40));
    let ours = points.client().with_retry(fast_retries(40));
    let (theirs, mine) = (purchase("SALE-L1", 1000), purchase("SALE-L2", 1000));

    // Act
    let (first, second) = tokio::join!(other.send(&theirs), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        ours.send(&mine).await
    });

    // Assert: both recorded, the later one after retrying through the 429s (without retries
    // one of them fails: see the test below).
    recorded(first.expect("theirs"));
    recorded(second.expect("ours, after the lock was free"));
}

#[tokio::test]
async fn concurrent_earnings_through_one_client_go_one_at_a_time() {
    // Arrange: a slow Points lock and no retries, so any overlap would surface as a 429.
    let points = spawn_points().await;
    points.switch(json!({"earning_delay_ms": 150})).await;
    let client = points.client().with_retry(RetryPolicy::none());

    // Act
    let sends = (0..4).map(|i| {
        let client = client.clone();
        async move { client.send(&purchase(&format!("SALE-C{i}"), 1000)).await }
    });
    let results = futures_join_all(sends).await;

    // Assert
    for result in results {
        recorded(result.expect("no 429: the client serialised the calls"));
    }

    // Two clients that do not share the lock do collide, as Points promises.
    let (a, b) = (
        points.client().with_retry(RetryPolicy::none()),
        points
            .client_for(&points.public_key, &points.private_key)
            .with_retry(RetryPolicy::none()),
    );
    let (x1, x2) = (purchase("SALE-X1", 1000), purchase("SALE-X2", 1000));
    let (first, second) = tokio::join!(a.send(&x1), b.send(&x2));
    let limited = [first, second]
        .into_iter()
        .filter(|r| matches!(r, Err(ClientError::RateLimited { .. })))
        .count();
    assert_eq!(
        limited, 1,
        "separate clients overlap and one meets the lock"
    );
}

#[tokio::test]
async fn earning_is_forbidden_when_the_channel_is_disabled() {
    let points = spawn_points().await;
    points.switch(json!({"earning_enabled": false})).await;

    let error = points
        .client()
        .send(&purchase("SALE-4", 1000))
        .await
        .expect_err("forbidden");

    assert!(matches!(error, ClientError::Forbidden(_)), "{error:?}");
    assert!(points.order("SALE-4").await.is_none());
}

/// `join_all` without a `futures` dependency: spawn each, await in order.
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}
