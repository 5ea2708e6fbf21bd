//! Integration tests: a real sandbox on 127.0.0.1:0, driven over HTTP, delivering webhooks to a
//! real recording receiver.

mod checkout;
mod control;
mod helpers;
mod hosted;
mod orders;
mod webhooks;
