//! `points`: the go-live checklist as commands, and a command line for the Points sandbox.
//!
//! - [`preflight`]: every checklist item of API.md §8.3 as PASS / FAIL / MANUAL with evidence.
//! - [`smoke`]: every flow end to end against a sandbox, reconciled on both sides.
//! - [`sandbox`]: `listen`, `trigger`, `replay`, `orders search` against the Points sandbox.
//!
//! Each command is a library function, so the integration tests run it in-process; the
//! `points` binary only parses arguments and prints.

pub mod preflight;
pub mod sandbox;
pub mod smoke;
pub mod tls;
