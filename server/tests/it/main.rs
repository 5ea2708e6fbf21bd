//! Integration tests: the real server over HTTP on 127.0.0.1, a fresh SQLite file per test (a
//! fresh Postgres database in `postgres`), and a fake Points that records what it receives.

mod admin;
mod alerts;
mod checkout;
mod crash;
mod disablement;
mod helpers;
mod idempotency;
mod observability;
mod openapi;
mod orders;
mod postgres;
mod return_page;
mod stack;
mod webhooks;
