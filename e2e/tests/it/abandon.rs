//! Checkouts that do not end in a payment: the shopper cancels, or the session runs out.

use anyhow::Result;

use crate::flows::{OUD_50, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{expire_session, server_reaches, start_stack};
use crate::pages::{OrderPage, ReturnPage};

scenario!(shopper_cancels_on_the_hosted_page);
scenario!(session_expires);

/// "Cancel and return to the store": the order ends *failed* once Points' `cancelled` webhook
/// lands, on the return page and on the order page.
async fn shopper_cancels_on_the_hosted_page(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    hosted.cancel().await?;

    let order_number = back_on_return_page(&session, &stack).await?;
    ReturnPage(&session).shows_state("failed").await?;
    session.snap("return-failed").await?;
    let order = server_reaches(&stack, &order_number, "failed").await?;
    assert_eq!(order["order_status"], "cancelled");

    let order_page = OrderPage(&session);
    order_page
        .open(&stack.storefront_url, &order_number)
        .await?;
    order_page
        .shows(&order_number, "failed", OUD_50.price)
        .await?;
    session.snap("order-failed").await?;
    stack.stop().await;
    Ok(())
}

/// The 30 minutes run out while the shopper is on the hosted page: a reload shows Points'
/// "expired" page, whose link back to the store shows the order *expired*.
async fn session_expires(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    expire_session(&stack, &hosted.session_id()?).await?;

    hosted.reload().await?;
    hosted.on_page("expired").await?;
    session.snap("hosted-expired").await?;
    hosted.back_to_store().await?;

    let order_number = back_on_return_page(&session, &stack).await?;
    ReturnPage(&session).shows_state("expired").await?;
    session.snap("return-expired").await?;
    let order = server_reaches(&stack, &order_number, "expired").await?;
    assert_eq!(order["order_status"], "cancelled");
    stack.stop().await;
    Ok(())
}
