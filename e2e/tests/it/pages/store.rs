//! The storefront's own pages (`www/`): product, checkout, return and order.

use anyhow::{Context, Result};
use playwright_rs::{Locator, expect};

use super::{PATIENCE, press};
use crate::harness::{Device, Session};

/// A product page with its variants and its `points-card` widget.
pub struct ProductPage<'a>(pub &'a Session);

impl ProductPage<'_> {
    // find
    pub fn widget(&self) -> Locator {
        self.0.page.locator("#points-widget")
    }
    pub fn card(&self) -> Locator {
        self.0.page.locator("#points-widget .pk-card")
    }
    fn price(&self) -> Locator {
        self.0.page.locator("[data-testid=price]")
    }
    fn variant(&self, sku: &str) -> Locator {
        self.0.page.locator(format!("[data-testid=variant-{sku}]"))
    }
    fn buy(&self) -> Locator {
        self.0.page.locator("[data-testid=buy]")
    }

    // act
    /// Opens `/{product}.html` (or `/en/…`) on the storefront.
    pub async fn open(&self, storefront: &str, product: &str) -> Result<()> {
        let url = format!("{storefront}{}/{product}.html", self.0.lang().prefix());
        self.0.page.goto(&url, None).await?;
        Ok(())
    }
    pub async fn choose_variant(&self, sku: &str) -> Result<()> {
        press(self.0, &self.variant(sku)).await
    }
    pub async fn buy_now(&self) -> Result<()> {
        press(self.0, &self.buy()).await
    }

    // check
    /// The card is rendered and shows `points_text` (e.g. "1,507").
    pub async fn shows_points(&self, points_text: &str) -> Result<()> {
        expect(self.widget())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", "ready")
            .await?;
        expect(self.card())
            .with_timeout(PATIENCE)
            .to_contain_text(points_text)
            .await?;
        Ok(())
    }
    pub async fn shows_price(&self, price: &str) -> Result<()> {
        expect(self.price())
            .with_timeout(PATIENCE)
            .to_contain_text(price)
            .await?;
        Ok(())
    }
    /// The direction the card renders in (`rtl` for Arabic).
    pub async fn card_direction(&self) -> Result<String> {
        Ok(self
            .card()
            .evaluate("(el) => getComputedStyle(el).direction", None::<()>)
            .await?)
    }
}

/// The merchant's checkout page with the `installments` widget and the pay button.
pub struct CheckoutPage<'a>(pub &'a Session);

impl CheckoutPage<'_> {
    // find
    pub fn pay_button(&self) -> Locator {
        self.0.page.locator("[data-testid=pay]")
    }
    fn total(&self) -> Locator {
        self.0.page.locator("[data-testid=cart-total]")
    }
    pub fn installments(&self) -> Locator {
        self.0.page.locator("points-widget[type=installments]")
    }

    // act
    pub async fn open(&self, storefront: &str, sku: &str) -> Result<()> {
        let url = format!(
            "{storefront}{}/checkout.html?sku={sku}",
            self.0.lang().prefix()
        );
        self.0.page.goto(&url, None).await?;
        Ok(())
    }
    pub async fn pay_with_points(&self) -> Result<()> {
        self.ready_to_pay().await?;
        press(self.0, &self.pay_button()).await
    }
    /// Two presses in quick succession, as an impatient shopper does.
    pub async fn pay_twice_quickly(&self) -> Result<()> {
        self.ready_to_pay().await?;
        let pay = self.pay_button();
        match self.0.profile.device {
            Device::Desktop => pay.dblclick(None).await?,
            Device::Mobile => {
                // Two real taps on the same spot: the second lands while the first request is
                // in flight (a locator tap would wait for the button to be enabled again).
                pay.scroll_into_view_if_needed().await?;
                let area = pay
                    .bounding_box()
                    .await?
                    .context("the pay button is visible")?;
                let (x, y) = (area.x + area.width / 2.0, area.y + area.height / 2.0);
                let touch = self.0.page.touchscreen();
                touch.tap(x, y).await?;
                touch.tap(x, y).await?;
            }
        }
        Ok(())
    }

    // check
    pub async fn ready_to_pay(&self) -> Result<()> {
        expect(self.pay_button())
            .with_timeout(PATIENCE)
            .to_be_enabled()
            .await?;
        Ok(())
    }
    pub async fn shows_total(&self, total: &str) -> Result<()> {
        expect(self.total())
            .with_timeout(PATIENCE)
            .to_have_text(total)
            .await?;
        Ok(())
    }
    /// The checkout widget is rendered and shows `points_text`.
    pub async fn shows_installments(&self, points_text: &str) -> Result<()> {
        expect(self.installments())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", "ready")
            .await?;
        expect(self.installments().locator(".pk-installments"))
            .with_timeout(PATIENCE)
            .to_contain_text(points_text)
            .await?;
        Ok(())
    }
}

/// The storefront's return page with its `return` widget.
pub struct ReturnPage<'a>(pub &'a Session);

impl ReturnPage<'_> {
    // find
    pub fn widget(&self) -> Locator {
        self.0.page.locator("#order-status")
    }
    fn order_link(&self) -> Locator {
        self.0.page.locator("[data-testid=order-link]")
    }

    // act
    pub async fn wait_until_loaded(&self, storefront: &str) -> Result<()> {
        let url = format!("{storefront}{}/return.html?**", self.0.lang().prefix());
        self.0.page.wait_for_url(&url, None).await?;
        Ok(())
    }
    pub async fn open_order_details(&self) -> Result<()> {
        press(self.0, &self.order_link()).await
    }

    // check
    pub async fn shows_state(&self, state: &str) -> Result<()> {
        expect(self.widget())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", state)
            .await?;
        Ok(())
    }
    /// Confirmed, in the page's language, with our order number.
    pub async fn shows_confirmed(&self, order_number: &str) -> Result<()> {
        self.shows_state("confirmed").await?;
        let status = self.0.page.locator("#order-status [role=status]");
        let title = self
            .0
            .lang()
            .pick("تم تأكيد طلبك", "Your order is confirmed");
        expect(status.clone())
            .with_timeout(PATIENCE)
            .to_contain_text(title)
            .await?;
        expect(status)
            .with_timeout(PATIENCE)
            .to_contain_text(order_number)
            .await?;
        Ok(())
    }
}

/// The storefront's order page: the order as the merchant server knows it.
pub struct OrderPage<'a>(pub &'a Session);

impl OrderPage<'_> {
    // find
    fn facts(&self) -> Locator {
        self.0.page.locator("[data-testid=order]")
    }
    fn field(&self, id: &str) -> Locator {
        self.0.page.locator(format!("[data-testid={id}]"))
    }

    // act
    pub async fn open(&self, storefront: &str, order_number: &str) -> Result<()> {
        let url = format!(
            "{storefront}{}/order.html?ref={order_number}",
            self.0.lang().prefix()
        );
        self.0.page.goto(&url, None).await?;
        Ok(())
    }

    // check
    /// The order in `state` (`confirmed`, `failed`, …), with its number and total.
    pub async fn shows(&self, order_number: &str, state: &str, total: &str) -> Result<()> {
        expect(self.facts())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", state)
            .await?;
        expect(self.field("order-number"))
            .to_have_text(order_number)
            .await?;
        expect(self.field("order-total"))
            .to_have_text(total)
            .await?;
        Ok(())
    }

    /// Refunded, with the amount shown and Points' own status beside it.
    pub async fn shows_refunded(&self, amount: &str, points_status: &str) -> Result<()> {
        expect(self.facts())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", "refunded")
            .await?;
        expect(self.field("order-refunded"))
            .with_timeout(PATIENCE)
            .to_have_text(amount)
            .await?;
        expect(self.field("points-status"))
            .to_have_text(points_status)
            .await?;
        Ok(())
    }
}
