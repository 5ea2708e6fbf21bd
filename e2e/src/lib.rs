//! The points-kit stack in one process: the Points sandbox, the merchant server and the demo
//! storefront, each on its own localhost port. The e2e suites start one per test with a fresh
//! database on port 0; `points-demo` (run by `cargo xtask demo`) starts one on fixed ports.
//!
//! The pieces talk to each other only over HTTP, exactly as they would in production: the
//! server reaches the sandbox at its base URL, the sandbox delivers webhooks to the server's
//! public URL, the browser loads the storefront and the widget from the storefront's origin.

mod gate;
mod stack;
mod storefront;

pub use gate::WebhookGate;
pub use stack::{Stack, StackOptions};
