//! Complete, authorize, capture, cancel, shipping status and refund on real sandbox orders.

use protocol::client::{Authorize, Cancel, Capture, ClientError, Complete, Refund, UpdateShipping};
use protocol::{OrderStatus, PaymentMethod, Sar, ShippingStatus};
use serde_json::json;

use crate::helpers::spawn_points;

#[tokio::test]
async fn authorize_capture_and_refund_in_two_parts() {
    // Arrange
    let points = spawn_points().await;
    let client = points.client();
    let uuid = points.checkout("LC-1", Sar::from_halalas(10000)).await;

    // Act and assert, step by step.
    let authorized = client
        .send(&Authorize(uuid.clone()))
        .await
        .expect("authorize");
    assert_eq!(authorized.order_status, OrderStatus::Authorized);
    let captured = client.send(&Capture(uuid.clone())).await.expect("capture");
    assert_eq!(captured.order_status, OrderStatus::Captured);
    let partial = client
        .send(&Refund::partial(uuid.clone(), Sar::from_halalas(2500)).reason("One line returned"))
        .await
        .expect("partial refund");
    assert_eq!(partial.order_status, OrderStatus::PartiallyRefunded);
    let too_much = client
        .send(&Refund::partial(uuid.clone(), Sar::from_halalas(9000)))
        .await
        .expect_err("more than remains");
    assert!(
        matches!(&too_much, ClientError::Validation { errors, .. } if errors.contains_key("amount")),
        "{too_much:?}"
    );
    let rest = client
        .send(&Refund::full(uuid.clone()))
        .await
        .expect("refund the rest");
    assert_eq!(rest.order_status, OrderStatus::FullyRefunded);
    let again = client
        .send(&Capture(uuid))
        .await
        .expect_err("capture after refund");
    assert!(matches!(again, ClientError::BadRequest(_)), "{again:?}");
}

#[tokio::test]
async fn complete_records_the_payment_method_and_approves() {
    let points = spawn_points().await;
    let uuid = points.checkout("LC-2", Sar::from_halalas(5000)).await;

    let completed = points
        .client()
        .send(&Complete::new(uuid.clone(), Some(PaymentMethod::Mada)))
        .await
        .expect("complete");
    let twice = points
        .client()
        .send(&Complete::new(uuid, None))
        .await
        .expect_err("already complete");

    assert_eq!(completed.order_status, OrderStatus::Approved);
    assert!(matches!(twice, ClientError::BadRequest(_)), "{twice:?}");
}

#[tokio::test]
async fn cancel_stores_the_reason_and_refuses_a_second_cancel() {
    let points = spawn_points().await;
    let uuid = points.checkout("LC-3", Sar::from_halalas(5000)).await;

    let cancelled = points
        .client()
        .send(&Cancel::new(uuid.clone()).reason("Out of stock"))
        .await
        .expect("cancel");
    let twice = points
        .client()
        .send(&Cancel::new(uuid))
        .await
        .expect_err("twice");

    assert_eq!(cancelled.order_status, OrderStatus::Cancelled);
    assert_eq!(
        points.order("LC-3").await.expect("order")["reason"],
        "Out of stock"
    );
    assert!(matches!(twice, ClientError::BadRequest(_)), "{twice:?}");
}

#[tokio::test]
async fn shipping_status_and_custom_labels_update_the_order() {
    let points = spawn_points().await;
    let uuid = points
        .approved_checkout("LC-4", Sar::from_halalas(5000))
        .await;
    let client = points.client();

    let ready = client
        .send(&UpdateShipping::status(
            uuid.clone(),
            ShippingStatus::ReadyShipping,
        ))
        .await
        .expect("status");
    let labelled = client
        .send(&UpdateShipping {
            uuid: uuid.clone(),
            status: None,
            name_ar: Some("خرج للتوصيل".into()),
            name_en: Some("Out for delivery".into()),
        })
        .await
        .expect("custom label");
    let blank = client
        .send(&UpdateShipping {
            uuid,
            status: None,
            name_ar: None,
            name_en: None,
        })
        .await
        .expect_err("nothing to set");

    assert_eq!(
        ready.status,
        Some(json!(ShippingStatus::ReadyShipping.code()))
    );
    assert_eq!(
        ready.order_status,
        OrderStatus::Approved,
        "independent of money"
    );
    assert_eq!(
        labelled.custom_status,
        Some(json!({"ar": "خرج للتوصيل", "en": "Out for delivery"}))
    );
    assert!(matches!(blank, ClientError::Validation { .. }), "{blank:?}");
}
