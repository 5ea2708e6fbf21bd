//! Integration tests: a real sandbox on 127.0.0.1:0, driven over HTTP, delivering webhooks to a
//! real recording receiver.

mod bad_input;
mod checkout;
mod config;
mod conformance;
mod control;
mod earning;
mod faults;
mod helpers;
mod hosted;
mod lifecycle;
mod onboarding;
mod orders;
mod redemption;
mod webhook_api;
mod webhook_style;
mod webhooks;
