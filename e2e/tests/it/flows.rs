//! Journeys several scenarios start with, written once.

use anyhow::{Context, Result};
use e2e::Stack;

use crate::harness::Session;
use crate::helpers::query_param;
use crate::pages::{CheckoutPage, HostedCheckout, ProductPage, ReturnPage};

/// A product variant of the demo catalogue, with what the pages should show for it.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The product page, `/{page}.html`.
    pub page: &'static str,
    pub sku: &'static str,
    /// The catalogue price, as the pages print it.
    pub price: &'static str,
    /// floor(price × 10), grouped as the widget prints it.
    pub points: &'static str,
    /// Whether the product page opens on this variant.
    pub default: bool,
}

pub const OUD_50: Variant = Variant {
    page: "oud",
    sku: "oud-50",
    price: "150.75",
    points: "1,507",
    default: true,
};
pub const OUD_100: Variant = Variant {
    page: "oud",
    sku: "oud-100",
    price: "249.00",
    points: "2,490",
    default: false,
};
pub const MUSK_200: Variant = Variant {
    page: "musk",
    sku: "musk-200",
    price: "149.50",
    points: "1,495",
    default: false,
};

/// Product page → variant → checkout → "Pay with Points" → the hosted page, with a screenshot
/// of each store page on the way.
pub async fn shop_to_hosted<'a>(
    session: &'a Session,
    stack: &Stack,
    variant: Variant,
) -> Result<HostedCheckout<'a>> {
    let product = ProductPage(session);
    product.open(&stack.storefront_url, variant.page).await?;
    if !variant.default {
        product.choose_variant(variant.sku).await?;
    }
    product.shows_points(variant.points).await?;
    session.snap("product").await?;
    product.buy_now().await?;
    let checkout = CheckoutPage(session);
    checkout.shows_total(variant.price).await?;
    session.snap("checkout").await?;
    checkout.pay_with_points().await?;
    let hosted = HostedCheckout(session);
    hosted.wait_until_open(&stack.sandbox_url).await?;
    session.snap("hosted").await?;
    Ok(hosted)
}

/// Waits for the return page and answers our order number from its URL.
pub async fn back_on_return_page(session: &Session, stack: &Stack) -> Result<String> {
    ReturnPage(session)
        .wait_until_loaded(&stack.storefront_url)
        .await?;
    query_param(&session.page.url(), "ref").context("the return URL carries our reference")
}
