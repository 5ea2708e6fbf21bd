//! Integration tests: the real server over HTTP on 127.0.0.1, a fresh SQLite file per test (a
//! fresh Postgres database in `postgres`), and the real sandbox in-process as Points, with a
//! merchant per test.

mod admin;
mod admin_listener;
mod alerts;
mod audit;
mod checkout;
mod crash;
mod disablement;
mod earning;
mod faults;
mod held;
mod helpers;
mod idempotency;
mod limits;
mod observability;
mod openapi;
mod operations;
mod orders;
mod postgres;
mod real_points;
mod reconcile;
mod retention;
mod return_page;
mod rollback;
mod shutdown;
mod stack;
mod verification;
mod webhooks;
