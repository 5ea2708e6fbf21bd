//! Integration tests: the real server over HTTP on 127.0.0.1, a real SQLite file per test, and
//! a fake Points that records what it receives.

mod checkout;
mod helpers;
mod orders;
mod webhooks;
