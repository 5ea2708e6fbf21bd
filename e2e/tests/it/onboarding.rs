//! A shopper whose phone Points has never seen (API.md §4.4 "unknown phone: onboarding path"):
//! the hosted checkout signs them up, their new wallet is empty, and they pay by card.

use anyhow::Result;

use crate::flows::{OUD_50, back_on_return_page, shop_to_hosted};
use crate::harness::{Session, scenario};
use crate::helpers::{server_reaches, start_stack, the_points_order};
use crate::pages::{GOOD_CARD, ReturnPage};

/// Not one of the sandbox's reserved phones, and new to every fresh stack.
const NEW_PHONE: &str = "0551234567";

scenario!(an_unknown_phone_lands_on_onboarding);

async fn an_unknown_phone_lands_on_onboarding(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let hosted = shop_to_hosted(&session, &stack, OUD_50).await?;
    hosted.sign_up(NEW_PHONE, "Sara").await?;
    session.snap("new-wallet").await?;
    hosted.pay_all_by_card().await?;
    hosted.shows("remainder", "150.75").await?;
    hosted.pay_by_card(GOOD_CARD).await?;
    hosted.on_page("success").await?;
    session.snap("success").await?;
    hosted.back_to_store().await?;

    let order_number = back_on_return_page(&session, &stack).await?;
    ReturnPage(&session).shows_confirmed(&order_number).await?;
    session.snap("return-confirmed").await?;
    server_reaches(&stack, &order_number, "confirmed").await?;
    let at_points = the_points_order(&stack).await?;
    let redeemed = at_points["total_points"].as_u64().unwrap_or_default();
    assert_eq!(redeemed, 0, "a new wallet redeems nothing: {at_points}");
    stack.stop().await;
    Ok(())
}
