//! The sandbox's hosted checkout (Points' pages): one-click approve, the step-by-step
//! redemption (phone → OTP → redeem → confirm → card → success) and the message pages.

use anyhow::{Context, Result};
use playwright_rs::{Locator, expect};

use super::{PATIENCE, press};
use crate::harness::Session;

/// The sandbox's reserved customer with 10,000 points (API.md §12), as a shopper types it.
pub const RICH_PHONE: &str = "0500000001";
/// The sandbox's OTP, always.
pub const OTP: &str = "1234";
/// A card number the sandbox's fake PSP accepts.
pub const GOOD_CARD: &str = "4242 4242 4242 4242";

pub struct HostedCheckout<'a>(pub &'a Session);

impl HostedCheckout<'_> {
    // find
    fn by_id(&self, id: &str) -> Locator {
        self.0.page.locator(format!("[data-testid={id}]"))
    }
    fn body(&self) -> Locator {
        self.0.page.locator("body")
    }

    // act
    /// Waits for the hosted page to open, in the shopper's language.
    pub async fn wait_until_open(&self, sandbox: &str) -> Result<()> {
        self.0
            .page
            .wait_for_url(&format!("{sandbox}/checkout/**"), None)
            .await?;
        expect(self.by_id("approve"))
            .with_timeout(PATIENCE)
            .to_be_visible()
            .await?;
        expect(self.0.page.locator("html"))
            .to_have_attribute("lang", self.0.lang().code())
            .await?;
        Ok(())
    }
    /// The session id, from the page's URL (`/checkout/{id}`).
    pub fn session_id(&self) -> Result<String> {
        let url = self.0.page.url();
        let path = url.split_once("/checkout/").context("a hosted URL")?.1;
        Ok(path
            .split(['/', '?'])
            .next()
            .context("a session id")?
            .to_owned())
    }
    pub async fn approve(&self) -> Result<()> {
        press(self.0, &self.by_id("approve")).await
    }
    pub async fn cancel(&self) -> Result<()> {
        press(self.0, &self.by_id("cancel")).await
    }
    /// Phone and OTP: from the first page to the redemption choice.
    pub async fn sign_in(&self, phone: &str) -> Result<()> {
        self.phone_and_otp(phone).await?;
        self.on_page("redeem").await
    }
    /// Phone and OTP for a phone Points has never seen: onboarding (name, terms), then the
    /// redemption choice of a new, empty wallet.
    pub async fn sign_up(&self, phone: &str, name: &str) -> Result<()> {
        self.phone_and_otp(phone).await?;
        self.on_page("onboarding").await?;
        self.0.snap("onboarding").await?;
        self.by_id("name").fill(name, None).await?;
        press(self.0, &self.by_id("terms")).await?;
        press(self.0, &self.by_id("join")).await?;
        self.on_page("redeem").await
    }
    async fn phone_and_otp(&self, phone: &str) -> Result<()> {
        press(self.0, &self.by_id("start")).await?;
        self.on_page("phone").await?;
        self.by_id("phone").fill(phone, None).await?;
        press(self.0, &self.by_id("next")).await?;
        self.on_page("otp").await?;
        self.by_id("otp").fill(OTP, None).await?;
        press(self.0, &self.by_id("verify")).await
    }
    /// No points to use: the whole total goes to the card.
    pub async fn pay_all_by_card(&self) -> Result<()> {
        press(self.0, &self.by_id("mode-card")).await?;
        press(self.0, &self.by_id("redeem")).await?;
        self.on_page("card").await
    }
    pub async fn redeem_everything(&self) -> Result<()> {
        press(self.0, &self.by_id("mode-full")).await?;
        press(self.0, &self.by_id("redeem")).await?;
        self.on_page("confirm").await
    }
    /// Redeems `amount` SAR in points; the rest is for the card.
    pub async fn redeem_part(&self, amount: &str) -> Result<()> {
        press(self.0, &self.by_id("mode-partial")).await?;
        self.by_id("amount").fill(amount, None).await?;
        press(self.0, &self.by_id("redeem")).await?;
        self.on_page("confirm").await
    }
    pub async fn confirm(&self) -> Result<()> {
        press(self.0, &self.by_id("confirm")).await
    }
    pub async fn pay_by_card(&self, number: &str) -> Result<()> {
        self.on_page("card").await?;
        self.by_id("card").fill(number, None).await?;
        press(self.0, &self.by_id("pay")).await
    }
    /// The link back to the store on the success or message pages (before the 4 s redirect).
    pub async fn back_to_store(&self) -> Result<()> {
        press(self.0, &self.by_id("back-to-store")).await
    }
    pub async fn reload(&self) -> Result<()> {
        self.0.page.reload(None).await?;
        Ok(())
    }

    // check
    /// The page is `name` (`<body data-page>`: checkout, phone, otp, redeem, confirm, card,
    /// success, expired, completed, cancelled…).
    pub async fn on_page(&self, name: &str) -> Result<()> {
        expect(self.body())
            .with_timeout(PATIENCE)
            .to_have_attribute("data-page", name)
            .await?;
        Ok(())
    }
    pub async fn shows(&self, id: &str, text: &str) -> Result<()> {
        expect(self.by_id(id))
            .with_timeout(PATIENCE)
            .to_contain_text(text)
            .await?;
        Ok(())
    }
}
