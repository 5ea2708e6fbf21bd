//! `points-server orders …`: support's order commands, the same [`crate::actions`] functions and
//! search as `/admin/orders/…`, on a connected [`AppState`].
//!
//! ```sh
//! points-server orders search PK-260418-AB12CD34        # or a reference number, or a uuid
//! points-server orders show PK-260418-AB12CD34
//! points-server orders refund PK-260418-AB12CD34 --amount 12.50 --reason "One item returned"
//! points-server orders refund PK-260418-AB12CD34        # everything that remains
//! points-server orders cancel PK-260418-AB12CD34 --reason "Out of stock"
//! points-server orders authorize|capture PK-260418-AB12CD34
//! points-server orders complete PK-260418-AB12CD34 --payment-method mada
//! points-server orders shipping PK-260418-AB12CD34 --status ready_shipping
//! points-server orders shipping PK-260418-AB12CD34 --label-ar "خرج للتوصيل" --label-en "Out for delivery"
//! points-server orders --json show PK-260418-AB12CD34   # JSON, as the admin API answers
//! ```

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::actions::{self, Label, OrderRef, Outcome, RefundRequest, ShippingChange};
use crate::support;
use crate::views::OrderView;
use crate::views::SupportOrder;
use crate::{ApiError, AppState};

/// `points-server orders [--json] <ACTION>`.
#[derive(Debug, Args)]
pub struct OrdersCommand {
    /// Print JSON (the admin API's answer) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub action: OrdersAction,
}

/// What to do. `ORDER` is our order number (`PK-…`, any case) or the Points order uuid.
#[derive(Debug, Subcommand)]
pub enum OrdersAction {
    /// Orders whose order number, Points reference number or Points uuid is QUERY.
    Search { query: String },
    /// One order with its history (local database only).
    Show { order: String },
    /// Refund AMOUNT SAR, or everything that remains without --amount.
    Refund {
        order: String,
        /// SAR with at most two decimals, e.g. 12.50.
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Cancel an order that is new or authorized.
    Cancel {
        order: String,
        /// Without one, Points records "Order cancelled via API".
        #[arg(long)]
        reason: Option<String>,
    },
    /// Authorize a new order (two-step payment).
    Authorize { order: String },
    /// Capture an authorized order.
    Capture { order: String },
    /// Mark a checkout order fully paid.
    Complete {
        order: String,
        /// visa, mada, apple_pay, mastercard, tabby, dashboard, bank_transfer, wallet, cash,
        /// tamara (or Points' code 1-10).
        #[arg(long)]
        payment_method: Option<String>,
    },
    /// Set the shipping status and/or a custom label (Arabic, English or both).
    Shipping {
        order: String,
        /// new, license_in_progress, ready_shipping, delivery_is_in_progress, delivered,
        /// cancelled.
        #[arg(long, required_unless_present_any = ["label_ar", "label_en"])]
        status: Option<String>,
        #[arg(long)]
        label_ar: Option<String>,
        #[arg(long)]
        label_en: Option<String>,
    },
}

/// Runs `command` on `state`, writing its result to `out`. A refusal or failure is the error
/// (its text says why); nothing is written for it.
pub async fn run(
    state: &AppState,
    command: OrdersCommand,
    out: &mut impl Write,
) -> Result<(), ApiError> {
    let json = command.json;
    match command.action {
        OrdersAction::Search { query } => {
            let found = support::find(state, &query).await?;
            if json {
                return print_json(out, &found);
            }
            if found.orders.is_empty() {
                return print(out, &format!("no order matches {:?}\n", found.query));
            }
            let mut text = String::new();
            for order in &found.orders {
                text.push_str(&describe(order));
            }
            print(out, &text)
        }
        OrdersAction::Show { order } => {
            let reference = OrderRef::parse(&order)?;
            let order = actions::find(state, &reference).await?;
            let order = support::with_history(state, order).await?;
            if json {
                return print_json(out, &order);
            }
            print(out, &describe(&order))
        }
        action => {
            let outcome = operate(state, action).await?;
            if json {
                return print_json(out, &outcome);
            }
            print(out, &describe_outcome(&outcome))
        }
    }
}

/// The operations proper.
async fn operate(state: &AppState, action: OrdersAction) -> Result<Outcome, ApiError> {
    match action {
        OrdersAction::Refund {
            order,
            amount,
            reason,
        } => {
            let request = RefundRequest::parse(amount.as_deref(), reason)?;
            actions::refund(state, &OrderRef::parse(&order)?, request).await
        }
        OrdersAction::Cancel { order, reason } => {
            actions::cancel(state, &OrderRef::parse(&order)?, reason).await
        }
        OrdersAction::Authorize { order } => {
            actions::authorize(state, &OrderRef::parse(&order)?).await
        }
        OrdersAction::Capture { order } => actions::capture(state, &OrderRef::parse(&order)?).await,
        OrdersAction::Complete {
            order,
            payment_method,
        } => {
            let method = payment_method
                .as_deref()
                .map(actions::parse_payment_method)
                .transpose()?;
            actions::complete(state, &OrderRef::parse(&order)?, method).await
        }
        OrdersAction::Shipping {
            order,
            status,
            label_ar,
            label_en,
        } => {
            let label = Label {
                ar: label_ar,
                en: label_en,
            };
            let change = ShippingChange::parse(status.as_deref(), label)?;
            actions::update_shipping(state, &OrderRef::parse(&order)?, change).await
        }
        OrdersAction::Search { .. } | OrdersAction::Show { .. } => Err(ApiError::Internal(
            "search and show are not operations".into(),
        )),
    }
}

fn print(out: &mut impl Write, text: &str) -> Result<(), ApiError> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| ApiError::Internal(format!("writing the output: {e}")))
}

fn print_json(out: &mut impl Write, value: &impl Serialize) -> Result<(), ApiError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::Internal(format!("encoding the output: {e}")))?;
    text.push('\n');
    print(out, &text)
}

/// The lines about the order itself, shared by `show`, `search` and the operations.
fn facts(view: &OrderView) -> String {
    let or_dash = |value: Option<&str>| value.unwrap_or("-").to_owned();
    let shipping = match (view.shipping_status, view.shipping_label.as_deref()) {
        (None, None) => "-".to_owned(),
        (status, label) => format!("{} ({})", or_dash(status), or_dash(label)),
    };
    format!(
        "{number}  {state} (Points: {status})\n  total     {total} {currency}, refunded {refunded}\n  \
         shipping  {shipping}\n  uuid      {uuid}\n  reference {reference}\n  updated   {updated}\n",
        number = view.order_number,
        state = serde_json::to_value(view.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        status = or_dash(view.order_status),
        total = view.total_price,
        currency = view.currency,
        refunded = view.refunded_amount,
        uuid = or_dash(view.points_uuid.as_deref()),
        reference = or_dash(view.reference_number.as_deref()),
        updated = view.updated_at,
    )
}

fn describe(order: &SupportOrder) -> String {
    let mut text = facts(&order.view);
    if let Some(reason) = &order.cancel_reason {
        text.push_str(&format!("  cancelled {reason}\n"));
    }
    text.push_str(&format!("  created   {}\n", order.created_at));
    if order.transitions.is_empty() {
        text.push_str("  history   none yet\n");
    }
    for (i, t) in order.transitions.iter().enumerate() {
        let label = if i == 0 { "history" } else { "" };
        let source = match t.inbox_id {
            Some(id) => format!("{} #{id}", t.source),
            None => t.source.clone(),
        };
        text.push_str(&format!(
            "  {label:<9} {}  {} -> {}  ({source})\n",
            t.at,
            t.from_status.as_deref().unwrap_or("-"),
            t.to_status.as_deref().unwrap_or("-"),
        ));
    }
    text
}

fn describe_outcome(outcome: &Outcome) -> String {
    format!(
        "{operation}: Points accepted it; its order {number} is now {status}.\n\
         The local order changes when Points' webhook arrives. As stored now:\n{facts}",
        operation = outcome.operation,
        number = outcome.points.order_number,
        status = outcome.points.order_status.as_str(),
        facts = facts(&outcome.order),
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::commands::{Cli, Command};

    fn parse(args: &[&str]) -> Result<OrdersAction, clap::Error> {
        let mut all = vec!["points-server", "orders"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all)?.command {
            Some(Command::Orders(command)) => Ok(command.action),
            other => panic!("not an orders command: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_reads_as_the_runbook_writes_it() {
        assert!(matches!(
            parse(&["refund", "PK-1", "--amount", "12.50"]),
            Ok(OrdersAction::Refund { amount: Some(a), .. }) if a == "12.50"
        ));
        assert!(matches!(
            parse(&["refund", "PK-1"]),
            Ok(OrdersAction::Refund { amount: None, .. })
        ));
        assert!(matches!(
            parse(&["shipping", "PK-1", "--label-en", "Out"]),
            Ok(OrdersAction::Shipping { status: None, .. })
        ));
        assert!(parse(&["shipping", "PK-1"]).is_err(), "a status or a label");
        assert!(parse(&["cancel"]).is_err(), "an order");
        let json = Cli::try_parse_from(["points-server", "orders", "show", "PK-1", "--json"]);
        assert!(matches!(
            json.map(|c| c.command),
            Ok(Some(Command::Orders(OrdersCommand { json: true, .. })))
        ));
    }
}
