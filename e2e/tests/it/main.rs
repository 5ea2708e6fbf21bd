//! End-to-end suites in a real Chromium driven by Playwright. Each test starts its own stack
//! (sandbox + merchant server + storefront, port 0, fresh SQLite) so tests never share state.
//!
//! Needs the widget built and Chromium + playwright-core installed: `cargo xtask test` does
//! both and sets the environment (`PLAYWRIGHT_NODE_EXE`, `PLAYWRIGHT_CLI_JS`,
//! `POINTS_KIT_CHROMIUM`, `POINTS_KIT_WIDGET_DIR`).

mod checkout;
mod helpers;
mod layout;
mod layout_page;
mod pages;
mod webhooks;
