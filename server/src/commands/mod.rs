//! The `points-server` command line: `serve` (the default) and the operations support and
//! on-call run by hand. Each command is a module here with its clap arguments and a `run`
//! that takes a connected [`AppState`], so a command takes the same code path as the
//! matching `/admin/…` route, and tests call it in-process.
//!
//! Commands print for people by default and JSON with `--json`; they exit non-zero on
//! failure with the reason on stderr, never a secret.

pub mod audit;
pub mod earn;
pub mod inbox;
pub mod orders;
pub mod reconcile;

use clap::{Parser, Subcommand};

/// `points-server [COMMAND]`. Configuration comes from the same layers as the server's
/// (`POINTS_CONFIG`, `POINTS_*`; see `server/config.default.toml`).
#[derive(Debug, Parser)]
#[command(name = "points-server", version, about = "points-kit merchant backend")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One subcommand per operation group.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP and run the background workers until Ctrl-C or SIGTERM (the default).
    Serve,
    /// Support's order operations: search, show, refund, cancel, authorize, capture, complete,
    /// shipping (the same as `/admin/orders/…`).
    Orders(orders::OrdersCommand),
    /// Earnings through the outbox: purchase, store-rating, product-rating, list, show, retry.
    Earn(Box<earn::EarnArgs>),
    /// Reconcile with Points now: read orders with `GET /v1/orders/{uuid}`, apply what was
    /// missed, print the report.
    Reconcile(reconcile::ReconcileArgs),
    /// The webhook inbox's held rows: list them, release them for the worker (`held`,
    /// `retry`; the same as `/admin/webhooks/held`).
    Inbox(inbox::InboxCommand),
    /// Who did what through the admin API (token name, operation, order, result, time).
    Audit(audit::AuditArgs),
}
