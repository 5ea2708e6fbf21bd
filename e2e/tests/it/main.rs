//! End-to-end suites in a real Chromium driven by Playwright. Each test starts its own stack
//! (sandbox + merchant server + storefront, port 0, fresh SQLite) and its own browser, so tests
//! never share state and run in parallel. Every scenario runs on a desktop (1280×800) and a
//! phone (390×844, touch) profile, in Arabic and English (see `harness`); screenshots and
//! `artifacts/report.html` are written as tests finish (see `report`).
//!
//! Needs the widget built, Chromium, playwright-core and axe-core installed: `cargo xtask e2e`
//! does all of it and sets the environment (`PLAYWRIGHT_NODE_EXE`, `PLAYWRIGHT_CLI_JS`,
//! `POINTS_KIT_CHROMIUM`, `POINTS_KIT_WIDGET_DIR`, `POINTS_KIT_AXE`).

mod harness;
mod helpers;
mod layout;
mod layout_page;
mod pages;
mod report;

mod a11y;
mod abandon;
mod bench;
mod catalog;
mod checkout;
mod disablement;
mod flows;
mod onboarding;
mod races;
mod redemption;
mod refund;
mod webhooks;
mod widgets;
