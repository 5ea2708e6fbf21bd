//! The widgets on the storefront: the right points for the chosen variant, no layout shift,
//! and a price the browser cannot change.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::flows::{OUD_50, OUD_100};
use crate::harness::{Session, scenario};
use crate::helpers::start_stack;
use crate::pages::{CheckoutPage, HostedCheckout, ProductPage};

scenario!(
    points_follow_the_variant,
    [desktop_ar, desktop_en, mobile_ar, mobile_en]
);
scenario!(
    no_layout_shift_on_product_and_checkout,
    [desktop_ar, desktop_en, mobile_ar, mobile_en]
);
scenario!(the_server_prices_the_cart_not_the_browser);

/// floor(price × 10) points under the price, in the page's language and direction; a variant
/// with another price changes the number in place; the checkout widget shows the same.
async fn points_follow_the_variant(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let product = ProductPage(&session);
    product.open(&stack.storefront_url, OUD_50.page).await?;
    product.shows_points(OUD_50.points).await?;
    let direction = product.card_direction().await?;
    assert_eq!(direction, session.lang().pick("rtl", "ltr"));
    session.snap("default-variant").await?;

    product.choose_variant(OUD_100.sku).await?;
    product.shows_price(OUD_100.price).await?;
    product.shows_points(OUD_100.points).await?;
    session.snap("other-variant").await?;

    product.buy_now().await?;
    let checkout = CheckoutPage(&session);
    checkout.shows_total(OUD_100.price).await?;
    checkout.shows_installments(OUD_100.points).await?;
    session.snap("checkout").await?;
    stack.stop().await;
    Ok(())
}

/// A buffered `PerformanceObserver` sees every layout shift since the page started; none may
/// come from the widgets (shifts right after the shopper's own input do not count, as in CLS).
async fn no_layout_shift_on_product_and_checkout(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let product = ProductPage(&session);
    product.open(&stack.storefront_url, OUD_50.page).await?;
    product.shows_points(OUD_50.points).await?;
    product.choose_variant(OUD_100.sku).await?;
    product.shows_points(OUD_100.points).await?;
    assert_no_shift(&session, "product page").await?;
    session.snap("product").await?;

    let checkout = CheckoutPage(&session);
    checkout.open(&stack.storefront_url, OUD_50.sku).await?;
    checkout.shows_installments(OUD_50.points).await?;
    checkout.ready_to_pay().await?;
    assert_no_shift(&session, "checkout page").await?;
    session.snap("checkout").await?;
    stack.stop().await;
    Ok(())
}

/// A shopper who edits the page, or posts their own cart with a price in it, still pays the
/// catalogue's price: the hosted page shows 150.75, not 1.00.
async fn the_server_prices_the_cart_not_the_browser(session: Session) -> Result<()> {
    let stack = start_stack(false).await?;
    let checkout = CheckoutPage(&session);
    checkout.open(&stack.storefront_url, OUD_50.sku).await?;
    checkout.ready_to_pay().await?;
    let created: Value = session
        .page
        .evaluate(
            r#"fetch('/api/checkout', {
                 method: 'POST',
                 headers: { 'Content-Type': 'application/json' },
                 body: JSON.stringify({ items: [{ sku: 'oud-50', quantity: 1, price: '1.00' }],
                                        total_price: '1.00' })
               }).then(r => r.json())"#,
            None::<&()>,
        )
        .await?;
    let url = created["checkout_url"]
        .as_str()
        .with_context(|| format!("a checkout session: {created}"))?;
    session.page.goto(url, None).await?;
    let hosted = HostedCheckout(&session);
    hosted.on_page("checkout").await?;
    hosted.shows("order-total", OUD_50.price).await?;
    session.snap("hosted-catalogue-price").await?;
    stack.stop().await;
    Ok(())
}

/// Every layout shift so far without recent input, as `{value, sources}`; fails if any.
async fn assert_no_shift(session: &Session, page_name: &str) -> Result<()> {
    let shifts: Vec<Value> = session
        .page
        .evaluate(
            r#"new Promise((resolve) => {
                 const seen = [];
                 const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
                 observer.observe({ type: 'layout-shift', buffered: true });
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
                   seen.push(...observer.takeRecords());
                   observer.disconnect();
                   resolve(seen.filter((e) => !e.hadRecentInput).map((e) => ({
                     value: e.value,
                     sources: (e.sources || []).map((s) => s.node
                       ? `${s.node.nodeName}#${s.node.id || ''}.${s.node.className || ''}` : '?'),
                   })));
                 }, 50)));
               })"#,
            None::<&()>,
        )
        .await?;
    assert!(
        shifts.is_empty(),
        "{page_name} on {}: layout shifts {shifts:?}",
        session.profile.name()
    );
    Ok(())
}
