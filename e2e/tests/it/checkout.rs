//! The first slice, end to end: product page → checkout → hosted page → approve → return page
//! that says *confirmed* only once the webhook has been processed.

use std::time::Duration;

use anyhow::{Context, Result};

use e2e::Stack;

use crate::helpers::{
    Device, Session, create_order, eventually, order_state, query_param, start_stack,
};
use crate::pages::{CheckoutPage, HostedCheckout, ProductPage, ReturnPage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_desktop_the_return_page_confirms_only_after_the_webhook() -> Result<()> {
    checkout_confirms_only_after_the_webhook(Device::Desktop).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_mobile_the_return_page_confirms_only_after_the_webhook() -> Result<()> {
    checkout_confirms_only_after_the_webhook(Device::Mobile).await
}

/// Product page → checkout → hosted page → approve → return page: pending while the webhook is
/// held, confirmed (without a reload) once it lands.
///
/// The return page also passes Points' `uuid` as a hint, which the server may verify with
/// `GET /v1/orders/{uuid}`; here Points' lookups fail, so only the webhook can confirm.
async fn checkout_confirms_only_after_the_webhook(device: Device) -> Result<()> {
    // Arrange: webhooks pass through a gate the test holds closed; order lookups at Points fail.
    let stack = start_stack(true).await?;
    let gate = stack.gate.clone().context("gate requested")?;
    fail_order_lookups(&stack).await?;
    let mut session = Session::start(device, "checkout-approve").await?;
    let page = session.page.clone();

    // The product page shows the card with floor(150.75 × 10) = 1,507 points, in Arabic, RTL.
    let product = ProductPage(&page);
    product.open(&stack.storefront_url).await?;
    product.shows_points_card("1,507").await?;
    let dir: String = page
        .evaluate("document.querySelector('#points-widget').shadowRoot?.querySelector('[dir]')?.getAttribute('dir') ?? document.querySelector('#points-widget [dir]')?.getAttribute('dir')", None::<&()>)
        .await?;
    assert_eq!(dir, "rtl", "the Arabic card renders right-to-left");
    session.snap("product").await?;

    // Checkout with Points: the hosted page opens on the sandbox.
    product.buy_now().await?;
    let checkout = CheckoutPage(&page);
    checkout.shows_total("150.75").await?;
    session.snap("checkout").await?;
    checkout.pay_with_points().await?;
    let hosted = HostedCheckout(&page);
    hosted.wait_until_open(&stack.sandbox_url).await?;
    session.snap("hosted-checkout").await?;
    hosted.approve().await?;

    // Back on the store: the redirect carries status=approved, but the webhook is held, so the
    // page must still say pending.
    let return_page = ReturnPage(&page);
    return_page.wait_until_loaded(&stack.storefront_url).await?;
    let url = page.url();
    let order_number = query_param(&url, "ref").context("callback URL carries our reference")?;
    assert_eq!(query_param(&url, "status").as_deref(), Some("approved"));
    gate.wait_for_held(1).await;
    return_page.shows_state("pending").await?;
    assert_eq!(
        order_state(&stack, &order_number).await?["state"],
        "pending"
    );
    session.snap("return-pending").await?;

    // Act: the webhook lands.
    gate.open();

    // Assert: the page turns confirmed by itself, without a reload.
    return_page.shows_state("confirmed").await?;
    return_page.shows_text("تم تأكيد طلبك").await?;
    session.snap("return-confirmed").await?;
    let order = order_state(&stack, &order_number).await?;
    assert_eq!(order["state"], "confirmed");
    assert_eq!(order["order_status"], "approved");
    assert!(
        order["points_uuid"].is_string(),
        "the uuid is learnt from the webhook: {order}"
    );

    session.close().await?;
    stack.stop().await;
    Ok(())
}

/// Makes the sandbox answer 500 to every `GET /v1/orders/{uuid}` for the rest of the test.
async fn fail_order_lookups(stack: &Stack) -> Result<()> {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", stack.sandbox_url))
        .json(&serde_json::json!({
            "route": "/api/v1/orders/{order_uuid}", "method": "GET",
            "fault": "status", "status": 500, "count": 100_000
        }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_uuid_hint_confirms_before_the_webhook_lands() -> Result<()> {
    // The webhook is held, but the return URL's uuid lets the server ask Points itself, with
    // the private key; Points says approved for our order number, so the page confirms.
    let stack = start_stack(true).await?;
    let gate = stack.gate.clone().context("gate requested")?;
    let mut session = Session::start(Device::Desktop, "checkout-verified-hint").await?;
    let page = session.page.clone();
    page.goto(
        &format!("{}/checkout.html?sku=oud-50", stack.storefront_url),
        None,
    )
    .await?;
    CheckoutPage(&page).pay_with_points().await?;
    let hosted = HostedCheckout(&page);
    hosted.wait_until_open(&stack.sandbox_url).await?;
    hosted.approve().await?;
    let return_page = ReturnPage(&page);
    return_page.wait_until_loaded(&stack.storefront_url).await?;
    let order_number = query_param(&page.url(), "ref").context("our reference")?;
    gate.wait_for_held(1).await;

    return_page.shows_state("confirmed").await?;
    session.snap("confirmed-by-verified-read").await?;
    let order = order_state(&stack, &order_number).await?;
    assert_eq!(order["order_status"], "approved");
    assert!(order["points_uuid"].is_string(), "{order}");

    // The held webhook then lands as a no-op: still confirmed.
    gate.open();
    return_page.shows_state("confirmed").await?;
    session.close().await?;
    stack.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_return_page_ignores_a_status_parameter_it_cannot_verify() -> Result<()> {
    let stack = start_stack(false).await?;
    let order_number = create_order(&stack).await?;

    // A shopper (or attacker) hand-crafts the callback URL claiming success.
    let mut session = Session::start(Device::Desktop, "return-forged-status").await?;
    let page = session.page.clone();
    page.goto(
        &format!("{}/return.html?ref={order_number}&status=approved&uuid=00000000-0000-0000-0000-000000000000", stack.storefront_url),
        None,
    )
    .await?;
    let return_page = ReturnPage(&page);
    return_page.shows_state("pending").await?;
    session.snap("pending-despite-status").await?;
    // Still pending a while later: nothing but a webhook can confirm it.
    eventually(Duration::from_secs(2), "server still pending", || async {
        let state = order_state(&stack, &order_number).await?;
        Ok((state["state"] == "pending").then_some(()))
    })
    .await?;
    return_page.shows_state("pending").await?;

    session.close().await?;
    stack.stop().await;
    Ok(())
}
