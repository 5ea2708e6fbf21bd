//! Webhook intake seen from outside: a forged delivery changes nothing, the real one does.

use std::time::Duration;

use anyhow::Result;
use reqwest::StatusCode;

use crate::harness::{Session, scenario};
use crate::helpers::{create_order, eventually, order_state, start_stack};
use crate::pages::ReturnPage;

scenario!(a_forged_webhook_changes_nothing, [desktop_en]);

async fn a_forged_webhook_changes_nothing(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let http = reqwest::Client::new();
    let order_number = create_order(&stack).await?;
    let forged = serde_json::json!({
        "event": "approved",
        "order": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "reference_number": "REF-FORGED",
            "order_number": order_number,
            "type": "replacing",
            "total_price": 150.75,
            "total_points": 0,
            "payment_status": "fully_paid",
            "order_status": "approved",
            "metadata": null,
            "created_at": "2026-11-22T10:00:00Z",
            "updated_at": "2026-11-22T10:00:00Z"
        },
        "timestamp": "2026-11-22T10:00:00Z"
    });
    let webhook_url = format!("{}/webhooks/points", stack.storefront_url);

    // Wrong secret, and no secret at all: both refused.
    for secret in [
        Some("not-the-secret-000000000000000000000000000000000000000000000"),
        None,
    ] {
        let mut request = http
            .post(&webhook_url)
            .header("X-Webhook-Event", "approved")
            .json(&forged);
        if let Some(secret) = secret {
            request = request.header("X-Webhook-Secret", secret);
        }
        let response = request.send().await?;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "secret {secret:?}"
        );
    }

    // The order is untouched, and a shopper on the return page still sees pending.
    session
        .page
        .goto(
            &format!("{}/en/return.html?ref={order_number}", stack.storefront_url),
            None,
        )
        .await?;
    ReturnPage(&session).shows_state("pending").await?;
    session.snap("pending-after-forgery").await?;
    eventually(Duration::from_secs(2), "order untouched", || async {
        let order = order_state(&stack, &order_number).await?;
        let untouched = order["state"] == "pending" && order["points_uuid"].is_null();
        Ok(untouched.then_some(()))
    })
    .await?;

    stack.stop().await;
    Ok(())
}
