//! The one-click checkout end to end, and what the return page may and may not believe.

use std::time::Duration;

use anyhow::{Context, Result};

use crate::flows::{OUD_50, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{
    create_order, delivery_waits_for_points, eventually, fail_order_lookups, order_state,
    query_param, restore_order_lookups, start_stack,
};
use crate::pages::{CheckoutPage, HostedCheckout, ReturnPage};

scenario!(redirect_before_webhook);
scenario!(verified_uuid_hint_confirms_before_the_webhook, [desktop_ar]);
scenario!(return_page_ignores_an_unverified_status, [mobile_ar]);

/// The redirect comes back while the webhook is held: the page says *pending*, then turns
/// *confirmed* by itself (no reload) once Points stands behind the webhook.
///
/// Points' order lookups fail throughout the first part, so neither the return URL's `uuid`
/// hint nor the webhook can confirm: the webhook lands, is stored, and waits (the server
/// applies a paid status only once `GET /v1/orders/{uuid}` agrees). Once Points answers again,
/// the order is confirmed on the open page.
async fn redirect_before_webhook(session: Session) -> Result<()> {
    let stack = start_stack(true).await?;
    let gate = stack.gate.clone().context("gate requested")?;
    fail_order_lookups(&stack).await?;

    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    hosted.approve().await?;

    // Back on the store: the redirect says status=approved, but the webhook is held.
    let order_number = back_on_return_page(&session, &stack).await?;
    let url = session.page.url();
    assert_eq!(query_param(&url, "status").as_deref(), Some("approved"));
    let uuid = query_param(&url, "uuid").context("the return URL carries Points' uuid")?;
    gate.wait_for_held(1).await;
    let return_page = ReturnPage(&session);
    return_page.shows_state("pending").await?;
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "pending"
    );
    session.snap("return-pending").await?;

    // The webhook lands, but Points cannot be asked: stored, not applied.
    gate.open();
    delivery_waits_for_points(&stack, &uuid).await?;
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "pending",
        "a webhook Points has not confirmed pays nothing"
    );
    return_page.shows_state("pending").await?;

    restore_order_lookups(&stack).await?;
    return_page.shows_confirmed(&order_number).await?;
    session.snap("return-confirmed").await?;
    let order = order_state(&stack, &order_number).await?;
    assert_eq!(order["state"], "confirmed");
    assert_eq!(order["order_status"], "approved");
    assert_eq!(order["points_uuid"], uuid.as_str(), "{order}");
    stack.stop().await;
    Ok(())
}

/// The webhook is held, but the return URL's uuid lets the server ask Points itself with the
/// private key; Points says approved for our order number, so the page confirms.
async fn verified_uuid_hint_confirms_before_the_webhook(session: Session) -> Result<()> {
    let stack = start_stack(true).await?;
    let gate = stack.gate.clone().context("gate requested")?;
    let checkout = CheckoutPage(&session);
    checkout.open(&stack.storefront_url, "oud-50").await?;
    checkout.pay_with_points().await?;
    let hosted = HostedCheckout(&session);
    hosted.wait_until_open(&stack.sandbox_url).await?;
    hosted.approve().await?;
    let order_number = back_on_return_page(&session, &stack).await?;
    gate.wait_for_held(1).await;

    let return_page = ReturnPage(&session);
    return_page.shows_confirmed(&order_number).await?;
    session.snap("confirmed-by-verified-read").await?;
    let order = order_state(&stack, &order_number).await?;
    assert_eq!(order["order_status"], "approved");
    assert!(order["points_uuid"].is_string(), "{order}");

    // The held webhook then lands as a no-op: still confirmed.
    gate.open();
    return_page.shows_state("confirmed").await?;
    stack.stop().await;
    Ok(())
}

/// A hand-crafted callback URL claiming success changes nothing.
async fn return_page_ignores_an_unverified_status(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let order_number = create_order(&stack).await?;
    session
        .page
        .goto(
            &format!(
                "{}/return.html?ref={order_number}&status=approved&uuid=00000000-0000-0000-0000-000000000000",
                stack.storefront_url
            ),
            None,
        )
        .await?;
    let return_page = ReturnPage(&session);
    return_page.shows_state("pending").await?;
    session.snap("pending-despite-status").await?;
    // Still pending a while later: nothing but a webhook can confirm it.
    eventually(Duration::from_secs(2), "server still pending", || async {
        let state = order_state(&stack, &order_number).await?;
        Ok((state["state"] == "pending").then_some(()))
    })
    .await?;
    return_page.shows_state("pending").await?;
    stack.stop().await;
    Ok(())
}
