//! Page objects, each split into find (locators), act (what a shopper does) and check (what
//! the test asserts). Selectors live here only. Every page object reads the session's profile:
//! the language picks the storefront's pages and copy, the device picks click or tap.

mod hosted;
mod store;

use std::time::Duration;

use anyhow::Result;
use playwright_rs::Locator;

pub use hosted::{GOOD_CARD, HostedCheckout, RICH_PHONE};
pub use store::{CheckoutPage, OrderPage, ProductPage, ReturnPage};

use crate::harness::{Device, Session};

/// Waits long enough for wasm start-up and a webhook round trip on a loaded CI machine.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A click on the desktop, a tap on the phone.
pub async fn press(session: &Session, target: &Locator) -> Result<()> {
    match session.profile.device {
        Device::Desktop => target.click(None).await?,
        Device::Mobile => target.tap(None).await?,
    }
    Ok(())
}
