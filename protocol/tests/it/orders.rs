//! Checkout (public key in the path), order reads and the integration toggle.

use protocol::client::{ClientError, CreateCheckout, GetOrder, SetIntegrationStatus};
use protocol::{IntegrationStatus, OrderStatus, OrderType, OrderUuid, Sar};
use serde_json::json;

use crate::helpers::{checkout_request, spawn_points};

#[tokio::test]
async fn checkout_opens_a_session_and_a_retry_of_the_same_number_reuses_the_order() {
    // Arrange
    let points = spawn_points().await;
    let client = points.client();
    let request = CreateCheckout(checkout_request("CO-1", Sar::from_halalas(15075)));

    // Act
    let first = client.send(&request).await.expect("checkout");
    let second = client.send(&request).await.expect("checkout again");

    // Assert
    let prefix = format!("{}/checkout/", points.url);
    assert!(
        first.checkout_url.starts_with(&prefix),
        "{}",
        first.checkout_url
    );
    assert_ne!(first.checkout_url, second.checkout_url, "a fresh session");
    let order = points.order("CO-1").await.expect("one order at Points");
    assert_eq!(order["sessions"].as_array().map(Vec::len), Some(2));
    assert_eq!(order["total_price"], json!(150.75));
}

#[tokio::test]
async fn checkout_failures_map_to_their_variants() {
    let points = spawn_points().await;

    let wrong_key = points.client_for("pk_nobody", &points.private_key);
    let error = wrong_key
        .send(&CreateCheckout(checkout_request(
            "CO-2",
            Sar::from_halalas(100),
        )))
        .await
        .expect_err("unknown public key");
    assert!(matches!(error, ClientError::Auth(_)), "{error:?}");

    let mut empty = checkout_request("CO-3", Sar::from_halalas(100));
    empty.products = Some(Vec::new());
    let error = points
        .client()
        .send(&CreateCheckout(empty))
        .await
        .expect_err("empty products");
    match error {
        ClientError::Validation { errors, .. } => {
            assert!(errors.contains_key("products"), "{errors:?}")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }

    points.switch(json!({"verified": false})).await;
    let error = points
        .client()
        .send(&CreateCheckout(checkout_request(
            "CO-4",
            Sar::from_halalas(100),
        )))
        .await
        .expect_err("unverified merchant");
    assert!(matches!(error, ClientError::Forbidden(_)), "{error:?}");
    assert!(points.order("CO-4").await.is_none());
}

#[tokio::test]
async fn get_order_reads_the_resource_with_the_private_key_only_for_its_merchant() {
    // Arrange
    let points = spawn_points().await;
    let uuid = points.checkout("GO-1", Sar::from_halalas(5000)).await;

    // Act
    let order = points
        .client()
        .send(&GetOrder(uuid.clone()))
        .await
        .expect("read");

    // Assert
    assert_eq!(order.uuid, uuid);
    assert_eq!(order.order_number.as_str(), "GO-1");
    assert_eq!(order.order_status, OrderStatus::New);
    assert_eq!(order.order_type, OrderType::Replacing);
    assert_eq!(order.total_price, Sar::from_halalas(5000));

    let demo = points.client_for("pk_sandbox_demo", "sk_sandbox_demo");
    let error = demo
        .send(&GetOrder(uuid.clone()))
        .await
        .expect_err("another merchant");
    assert!(matches!(error, ClientError::NotFound(_)), "{error:?}");
    let bad_key = points.client_for(&points.public_key, "sk_wrong");
    let error = bad_key.send(&GetOrder(uuid)).await.expect_err("bad key");
    assert!(matches!(error, ClientError::Auth(_)), "{error:?}");
    let unknown = OrderUuid::parse(&uuid::Uuid::new_v4().to_string()).expect("uuid");
    let error = points
        .client()
        .send(&GetOrder(unknown))
        .await
        .expect_err("unknown");
    assert!(matches!(error, ClientError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn the_integration_toggle_answers_the_new_state() {
    let points = spawn_points().await;
    let client = points.client();

    let off = client
        .send(&SetIntegrationStatus { active: false })
        .await
        .expect("toggle off");
    let on = client
        .send(&SetIntegrationStatus { active: true })
        .await
        .expect("toggle on");

    assert_eq!(off, IntegrationStatus { active: false });
    assert_eq!(on, IntegrationStatus { active: true });
}
