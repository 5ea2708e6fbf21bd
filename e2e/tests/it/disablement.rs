//! Webhook disablement (the runbook's rollback switch) seen by a shopper: while intake is off
//! the server answers Points 503, the return page keeps saying "pending", and once on-call
//! switches intake back on, Points' retry is stored, and the order is confirmed on the open page,
//! without a reload, once Points confirms the delivery.

use anyhow::{Context, Result};
use e2e::{Stack, StackOptions};
use reqwest::Method;
use std::time::Duration;

use crate::flows::{OUD_50, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{
    admin, deliveries_of, delivery_waits_for_points, eventually, fail_order_lookups, order_state,
    query_param, restore_order_lookups,
};
use crate::pages::ReturnPage;

scenario!(webhooks_refused_while_disabled_confirm_after_enable);

async fn webhooks_refused_while_disabled_confirm_after_enable(session: Session) -> Result<()> {
    let mut options = StackOptions::for_tests();
    // Points' retries after 1 s, 6 s and 30 s: room to switch intake back on before the last.
    options.webhook_backoff_scale = 0.1;
    let stack = Stack::start(options).await?;
    // Points' order lookups fail: neither the return URL's uuid hint nor the webhook can
    // confirm until they are restored below.
    fail_order_lookups(&stack).await?;
    let switched = admin(&stack, Method::POST, "/admin/webhooks/disable", None).await?;
    assert_eq!(switched["webhooks_enabled"], false, "{switched}");

    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    hosted.approve().await?;
    let order_number = back_on_return_page(&session, &stack).await?;
    let uuid =
        query_param(&session.page.url(), "uuid").context("the return URL carries Points' uuid")?;
    let return_page = ReturnPage(&session);
    return_page.shows_state("pending").await?;
    let refused = eventually(
        Duration::from_secs(10),
        "Points' first delivery refused",
        || async {
            let log = deliveries_of(&stack, "approved").await?;
            Ok((!log.is_empty()).then_some(log))
        },
    )
    .await?;
    assert_eq!(refused[0]["status"], 503, "{refused:?}");
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "pending"
    );
    session.snap("pending-while-disabled").await?;

    let switched = admin(&stack, Method::POST, "/admin/webhooks/enable", None).await?;
    assert_eq!(switched["webhooks_enabled"], true, "{switched}");
    // Points' retry is stored; it pays only once Points confirms it.
    delivery_waits_for_points(&stack, &uuid).await?;
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "pending"
    );
    restore_order_lookups(&stack).await?;
    // The page that was already open turns confirmed by itself.
    return_page.shows_confirmed(&order_number).await?;
    session.snap("confirmed-after-enable").await?;

    let log = deliveries_of(&stack, "approved").await?;
    let delivered: Vec<&serde_json::Value> = log.iter().filter(|d| d["success"] == true).collect();
    assert_eq!(delivered.len(), 1, "one successful delivery: {log:?}");
    assert!(
        delivered[0]["attempt"].as_u64() > Some(1),
        "a retry delivered it: {log:?}"
    );
    assert!(
        log.iter()
            .filter(|d| d["success"] == false)
            .all(|d| d["status"] == 503),
        "every refusal was the switch's 503: {log:?}"
    );
    stack.stop().await;
    Ok(())
}
