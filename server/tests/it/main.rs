//! Integration tests: the real server over HTTP on 127.0.0.1, a fresh SQLite file per test (a
//! fresh Postgres database in `postgres`), and a fake Points that records what it receives.

mod checkout;
mod crash;
mod helpers;
mod idempotency;
mod orders;
mod postgres;
mod return_page;
mod webhooks;
