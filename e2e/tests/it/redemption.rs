//! Paying with points on the hosted pages, step by step: the whole order in points, or part in
//! points and the rest by card.

use anyhow::Result;

use crate::flows::{MUSK_200, OUD_100, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{server_reaches, start_stack, the_points_order};
use crate::pages::{GOOD_CARD, OrderPage, RICH_PHONE, ReturnPage};

scenario!(full_redemption);
scenario!(partial_redemption_plus_card);

/// 249.00 SAR redeemed whole: 8,300 points at 0.03 SAR a point, no card step.
async fn full_redemption(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let hosted = shop_to_hosted(&session, &stack, OUD_100).await?;
    hosted.sign_in(RICH_PHONE).await?;
    session.snap("redeem").await?;
    hosted.redeem_everything().await?;
    hosted.shows("remainder", "0.00").await?;
    session.snap("confirm").await?;
    hosted.confirm().await?;
    hosted.on_page("success").await?;
    hosted.shows("redeemed-points", "8,300").await?;
    session.snap("success").await?;
    hosted.back_to_store().await?;

    let order_number = back_on_return_page(&session, &stack).await?;
    let return_page = ReturnPage(&session);
    return_page.shows_confirmed(&order_number).await?;
    session.snap("return-confirmed").await?;
    server_reaches(&stack, &order_number, "confirmed").await?;
    let at_points = the_points_order(&stack).await?;
    assert_eq!(at_points["payment_status"], "fully_paid", "{at_points}");
    assert_eq!(at_points["total_points"], 8300, "{at_points}");

    // "Order details" from the return page.
    return_page.open_order_details().await?;
    OrderPage(&session)
        .shows(&order_number, "confirmed", OUD_100.price)
        .await?;
    session.snap("order").await?;
    stack.stop().await;
    Ok(())
}

/// 50 SAR of 149.50 in points, the remaining 99.50 by card.
async fn partial_redemption_plus_card(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let hosted = shop_to_hosted(&session, &stack, MUSK_200).await?;
    hosted.sign_in(RICH_PHONE).await?;
    hosted.redeem_part("50").await?;
    hosted.shows("remainder", "99.50").await?;
    session.snap("confirm").await?;
    hosted.confirm().await?;
    hosted.shows("remainder", "99.50").await?;
    session.snap("card").await?;
    hosted.pay_by_card(GOOD_CARD).await?;
    hosted.on_page("success").await?;
    session.snap("success").await?;
    hosted.back_to_store().await?;

    let order_number = back_on_return_page(&session, &stack).await?;
    ReturnPage(&session).shows_confirmed(&order_number).await?;
    session.snap("return-confirmed").await?;
    server_reaches(&stack, &order_number, "confirmed").await?;
    let at_points = the_points_order(&stack).await?;
    assert_eq!(at_points["payment_status"], "partially_paid", "{at_points}");
    let points = at_points["total_points"].as_u64().unwrap_or_default();
    assert!(
        (1_600..=1_700).contains(&points),
        "about 50 / 0.03 points redeemed: {at_points}"
    );
    stack.stop().await;
    Ok(())
}
