//! `POST /_sandbox/orders/bulk`: many checkout orders for one merchant at once, already in the
//! states asked for, so a test can reconcile 10,000 orders without 10,000 hosted checkouts.
//!
//! Test-only semantics, unlike anything Points does: the orders appear directly in their
//! state, with no checkout session, no webhook, no points moved and no customer. A settled
//! order reads `fully_paid`; a refunded one has its whole (or, partially refunded, half its)
//! total refunded; a cancelled one has the reason `Seeded as cancelled`. Either every order is
//! created or, on any invalid input, none.
//!
//! ```json
//! { "merchant": "pk_…", "count": 10000, "order_number_prefix": "BULK-", "total_price": 150.75,
//!   "statuses": ["approved", "new", "cancelled"] }
//! ```
//! Order `i` (from 0) is `{prefix}{i:06}` in `statuses[i % statuses.len()]`. The answer lists
//! each order's `uuid`, `order_number`, `reference_number`, `order_status` and `total_price`.

use std::collections::HashSet;

use axum::{Json, Router, extract::State, routing::post};
use protocol::{OrderNumber, OrderStatus, OrderType, Sar};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ControlError, invalid};
use crate::{
    clock,
    order::{Order, PaymentStatus},
    state::AppState,
};

/// The most orders one call creates.
pub const MAX_BULK: u32 = 100_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/orders/bulk", post(bulk))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bulk {
    merchant: String,
    count: u32,
    order_number_prefix: String,
    total_price: f64,
    statuses: Vec<String>,
}

async fn bulk(
    State(state): State<AppState>,
    Json(body): Json<Bulk>,
) -> Result<Json<Vec<Value>>, ControlError> {
    if !(1..=MAX_BULK).contains(&body.count) {
        return Err(invalid("count", format!("count must be 1 to {MAX_BULK}")));
    }
    let total =
        Sar::from_f64(body.total_price).map_err(|e| invalid("total_price", e.to_string()))?;
    if body.statuses.is_empty() {
        return Err(invalid("statuses", "statuses must not be empty".into()));
    }
    let statuses = body
        .statuses
        .iter()
        .map(|s| {
            OrderStatus::parse(s)
                .ok_or_else(|| invalid("statuses", format!("unknown status {s:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let numbers = (0..body.count)
        .map(|i| {
            OrderNumber::parse(&format!("{}{i:06}", body.order_number_prefix))
                .map_err(|e| invalid("order_number_prefix", e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut store = state.store();
    let merchant = store
        .merchant_by_public_key(&body.merchant)
        .ok_or(ControlError::UnknownMerchant)?;
    let taken: HashSet<&OrderNumber> = store
        .orders
        .iter()
        .filter(|o| o.merchant == merchant)
        .map(|o| &o.order_number)
        .collect();
    if numbers.iter().any(|n| taken.contains(n)) {
        return Err(invalid(
            "order_number_prefix",
            "The order number has already been taken.".into(),
        ));
    }
    let now = clock::now();
    let mut created = Vec::with_capacity(numbers.len());
    for (i, number) in numbers.into_iter().enumerate() {
        let status = statuses[i % statuses.len()];
        let mut order = Order::new(merchant, OrderType::Replacing, number, total, now);
        order.status = status;
        if status != OrderStatus::New {
            order.payment_status = PaymentStatus::FullyPaid;
        }
        match status {
            OrderStatus::Cancelled => order.cancel_reason = Some("Seeded as cancelled".into()),
            OrderStatus::FullyRefunded => order.refunded_amount = total,
            OrderStatus::PartiallyRefunded => {
                order.refunded_amount = Sar::from_halalas(total.halalas() / 2);
            }
            _ => {}
        }
        let index = store.push_order(order);
        let order = &store.orders[index];
        created.push(json!({
            "uuid": order.uuid.as_str(),
            "order_number": order.order_number.as_str(),
            "reference_number": order.reference_number,
            "order_status": order.status.as_str(),
            "total_price": order.total_price.as_f64(),
        }));
    }
    tracing::info!(
        merchant = body.merchant,
        count = body.count,
        "orders seeded in bulk"
    );
    Ok(Json(created))
}
