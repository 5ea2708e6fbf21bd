//! Page objects, each split into find (locators), act (what a shopper does) and check (what
//! the test asserts). Selectors live here only.

use std::time::Duration;

use anyhow::Result;
use playwright_rs::{Locator, Page, expect};

/// Waits long enough for wasm start-up and a webhook round trip on a loaded CI machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// The product page with its `points-card` widget.
pub struct ProductPage<'a>(pub &'a Page);

impl ProductPage<'_> {
    // find
    pub fn widget(&self) -> Locator {
        self.0.locator("#points-widget")
    }
    pub fn card(&self) -> Locator {
        self.0.locator("#points-widget .pk-card")
    }
    fn buy(&self) -> Locator {
        self.0.locator("[data-testid=buy]")
    }

    // act
    pub async fn open(&self, storefront: &str) -> Result<()> {
        self.0
            .goto(&format!("{storefront}/product.html"), None)
            .await?;
        Ok(())
    }
    pub async fn buy_now(&self) -> Result<()> {
        self.buy().click(None).await?;
        Ok(())
    }

    // check
    pub async fn shows_points_card(&self, points_text: &str) -> Result<()> {
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
}

/// The merchant's checkout page.
pub struct CheckoutPage<'a>(pub &'a Page);

impl CheckoutPage<'_> {
    fn pay(&self) -> Locator {
        self.0.locator("[data-testid=pay]")
    }
    fn total(&self) -> Locator {
        self.0.locator("[data-testid=cart-total]")
    }

    pub async fn pay_with_points(&self) -> Result<()> {
        expect(self.pay())
            .with_timeout(PATIENCE)
            .to_be_enabled()
            .await?;
        self.pay().click(None).await?;
        Ok(())
    }

    pub async fn shows_total(&self, total: &str) -> Result<()> {
        expect(self.total())
            .with_timeout(PATIENCE)
            .to_have_text(total)
            .await?;
        Ok(())
    }
}

/// The sandbox's hosted checkout page.
pub struct HostedCheckout<'a>(pub &'a Page);

impl HostedCheckout<'_> {
    fn approve_button(&self) -> Locator {
        self.0.locator("[data-testid=approve]")
    }

    pub async fn wait_until_open(&self, sandbox: &str) -> Result<()> {
        self.0
            .wait_for_url(&format!("{sandbox}/checkout/**"), None)
            .await?;
        expect(self.approve_button())
            .with_timeout(PATIENCE)
            .to_be_visible()
            .await?;
        Ok(())
    }

    pub async fn approve(&self) -> Result<()> {
        self.approve_button().click(None).await?;
        Ok(())
    }
}

/// The storefront's return page with its `return` widget.
pub struct ReturnPage<'a>(pub &'a Page);

impl ReturnPage<'_> {
    pub fn widget(&self) -> Locator {
        self.0.locator("#order-status")
    }

    pub async fn wait_until_loaded(&self, storefront: &str) -> Result<()> {
        self.0
            .wait_for_url(&format!("{storefront}/return.html?**"), None)
            .await?;
        Ok(())
    }

    pub async fn shows_state(&self, state: &str) -> Result<()> {
        expect(self.widget())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-state", state)
            .await?;
        Ok(())
    }

    pub async fn shows_text(&self, text: &str) -> Result<()> {
        expect(self.0.locator("#order-status [role=status]"))
            .with_timeout(PATIENCE)
            .to_contain_text(text)
            .await?;
        Ok(())
    }
}
