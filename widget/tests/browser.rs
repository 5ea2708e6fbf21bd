//! The widget in a real headless Chromium: mount into a fresh element, act on the DOM, assert.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p widget --target wasm32-unknown-unknown` with chromedriver on `PATH`
//! (capabilities in `widget/webdriver.json`).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/card.rs"]
mod card;
#[path = "browser/element.rs"]
mod element;
#[path = "browser/errors.rs"]
mod errors;
#[path = "browser/helpers.rs"]
mod helpers;
#[path = "browser/hostile.rs"]
mod hostile;
#[path = "browser/loader.rs"]
mod loader;
#[path = "browser/origin.rs"]
mod origin;
#[path = "browser/status.rs"]
mod status;
#[path = "browser/types.rs"]
mod types;
