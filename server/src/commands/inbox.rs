//! `points-server inbox …`: the webhook inbox rows the worker holds unapplied (see
//! [`crate::inbox::Hold`]), and releasing them, as `/admin/webhooks/held[/retry]` does.
//!
//! ```sh
//! points-server inbox held                 # every held row: attention and dead letters
//! points-server inbox held --dead --json
//! points-server inbox retry --attention    # after an upgrade that knows the new status
//! points-server inbox retry --dead         # once the cause of the failures is fixed
//! points-server inbox retry 42 57          # these rows
//! ```
//!
//! A released row is tried again by the running server's worker within a second, attempts
//! counted from zero; a row whose meaning is still not certain is held again.

use std::io::Write;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::AppState;
use crate::inbox::{self, Hold, Release};

/// `points-server inbox [--json] <ACTION>`.
#[derive(Debug, Args)]
pub struct InboxCommand {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub action: InboxAction,
}

#[derive(Debug, Subcommand)]
pub enum InboxAction {
    /// List held rows, oldest first (at most 500).
    Held(Which),
    /// Release held rows for the worker to try again now.
    Retry(RetryArgs),
}

/// Which kind of held row.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Which {
    /// Rows held for attention: an `order_status` this release does not know.
    #[arg(long, conflicts_with = "dead")]
    pub attention: bool,
    /// Dead letters: rows that failed `inbox_max_attempts` times.
    #[arg(long)]
    pub dead: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RetryArgs {
    #[command(flatten)]
    pub which: Which,
    /// These rows (inbox ids, as `inbox held` lists them).
    #[arg(conflicts_with_all = ["attention", "dead"])]
    pub ids: Vec<i64>,
}

impl Which {
    fn hold(self) -> Option<Hold> {
        match (self.attention, self.dead) {
            (true, _) => Some(Hold::Attention),
            (_, true) => Some(Hold::Dead),
            _ => None,
        }
    }
}

/// Runs `command` on `state`, writing to `out`.
pub async fn run(
    state: &AppState,
    command: InboxCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command.action {
        InboxAction::Held(which) => {
            let rows = inbox::store::held(&*state.db, which.hold(), 500)
                .await
                .context("reading held rows")?;
            if command.json {
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            } else if rows.is_empty() {
                writeln!(out, "no held rows")?;
            } else {
                for row in &rows {
                    writeln!(
                        out,
                        "{:>8}  {:<9}  {:<24}  {}  attempts {}  {}",
                        row.id,
                        row.held.as_str(),
                        row.event,
                        row.order_number.as_deref().unwrap_or("-"),
                        row.attempts,
                        row.reason.as_deref().unwrap_or(""),
                    )?;
                }
            }
        }
        InboxAction::Retry(args) => {
            let which = match (args.which.hold(), args.ids.is_empty()) {
                (Some(hold), _) => Release::All(hold),
                (None, false) => Release::Ids(args.ids),
                (None, true) => bail!("say which rows: --attention, --dead or inbox ids"),
            };
            let released = inbox::retry_held(state, &which)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if command.json {
                writeln!(out, "{}", serde_json::json!({ "released": released }))?;
            } else {
                writeln!(
                    out,
                    "released {released} row(s); the running server's worker tries them within a second"
                )?;
            }
        }
    }
    Ok(())
}
