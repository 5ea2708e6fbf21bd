//! `points-server audit`: who did what through the admin API, newest first, from the
//! `admin_audit` table every admin request writes (token name, never the token).
//!
//! ```sh
//! points-server audit                  # the last 50 requests
//! points-server audit --token noura --limit 200 --json
//! ```

use std::io::Write;

use anyhow::Context;
use clap::Args;

use crate::AppState;
use crate::db::audit;

/// `points-server audit [--token NAME] [--limit N] [--json]`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only the requests made with the token of this name.
    #[arg(long)]
    pub token: Option<String>,
    /// How many rows, newest first (1 to 10,000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    pub limit: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(state: &AppState, args: AuditArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let rows = audit::recent(&*state.db, args.token.as_deref(), args.limit)
        .await
        .context("reading the admin audit trail")?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "no admin requests recorded")?;
    }
    for row in rows {
        writeln!(
            out,
            "{}  {:<12} {:<6} {} {} → {}",
            row.at,
            row.token,
            row.method,
            row.route,
            row.target.as_deref().unwrap_or("-"),
            row.status
        )?;
    }
    Ok(())
}
