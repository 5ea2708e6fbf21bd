//! The operations support runs on an order after checkout (API.md §3.7–3.11): refund,
//! cancel, authorize, capture, complete and the shipping status. `/admin/orders/…` and the
//! `points-server orders …` command both call these, on the same [`AppState`].
//!
//! Each operation names the order by our `order_number` or its Points uuid ([`OrderRef`]),
//! finds it in the local `orders` table (404 if it is unknown or Points has not named it yet),
//! refuses what is certainly wrong with the request itself (400 with the reason), then sends
//! the typed request with the private key. Whether the order's state allows it is Points'
//! decision (our copy may lag a webhook behind), so Points' 400/404/422 come back as ours
//! ([`ApiError::from_points_verdict`]).
//!
//! **The local order is not touched here.** Points' answer is passed back as it came; the
//! order changes when the event's webhook is applied (`refunded`, `cancelled`,
//! `shipping_status_updated`, …), through [`crate::lifecycle::apply`] like every other change.
//!
//! - [`payment`]: authorize, capture, complete, cancel (the financial transitions)
//! - [`refund`]: full or partial refunds
//! - [`shipping`]: the shipping status and its bilingual label

pub mod payment;
pub mod refund;
pub mod shipping;

use protocol::client::Endpoint;
use protocol::{OrderNumber, OrderResource, OrderUuid};
use serde::Serialize;

use crate::db::orders::{self, Order};
use crate::views::OrderView;
use crate::{ApiError, AppState};

pub use payment::{authorize, cancel, capture, complete, parse_payment_method};
pub use refund::{RefundRequest, refund};
pub use shipping::{Label, ShippingChange, update_shipping};

/// How support names an order: our `order_number` (`PK-…`, any case) or its Points uuid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    Number(OrderNumber),
    Uuid(OrderUuid),
}

/// What an operation answers.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// `refund`, `cancel`, `authorize`, `capture`, `complete` or `shipping`.
    pub operation: &'static str,
    /// The order as Points answered the call (its `OrderResource`, API.md §3.1).
    pub points: OrderResource,
    /// The local order as stored when the answer came. It does not reflect the operation
    /// until the event's webhook has been applied.
    pub order: OrderView,
}

impl OrderRef {
    /// A uuid if it has the uuid shape, else an order number; 400 when it is neither.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let text = text.trim();
        if let Some(uuid) = OrderUuid::parse(text) {
            return Ok(OrderRef::Uuid(uuid));
        }
        OrderNumber::parse(text)
            .map(OrderRef::Number)
            .map_err(|e| ApiError::BadRequest(format!("order: {e}")))
    }
}

/// The local order `reference` names; 404 when there is none.
pub async fn find(state: &AppState, reference: &OrderRef) -> Result<Order, ApiError> {
    let found = match reference {
        OrderRef::Uuid(uuid) => orders::find_by_points_uuid(&*state.db, uuid).await?,
        OrderRef::Number(number) => {
            // Order numbers are upper-case (`PK-260418-AB12CD34`); support may type them in
            // lower case.
            match orders::find_by_number(&*state.db, number.as_str()).await? {
                Some(order) => Some(order),
                None => {
                    let upper = number.as_str().to_ascii_uppercase();
                    orders::find_by_number(&*state.db, &upper).await?
                }
            }
        }
    };
    found.ok_or_else(|| ApiError::not_found("order"))
}

/// The local order and its Points uuid: 404 also when Points has not named the order yet (no
/// webhook or verified read has told us its uuid), since there is nothing to address.
async fn target(state: &AppState, reference: &OrderRef) -> Result<(Order, OrderUuid), ApiError> {
    let order = find(state, reference).await?;
    match order.lifecycle.points_uuid.clone() {
        Some(uuid) => Ok((order, uuid)),
        None => Err(ApiError::NotFound(format!(
            "order {} has no Points uuid yet: Points has not confirmed it to us",
            order.order_number
        ))),
    }
}

/// Sends `request` for `order` and answers the [`Outcome`]; the local order is re-read (not
/// changed) so the answer shows where it stands.
async fn send<E>(
    state: &AppState,
    operation: &'static str,
    order: &Order,
    request: &E,
) -> Result<Outcome, ApiError>
where
    E: Endpoint<Output = OrderResource>,
{
    let answered = state
        .metrics
        .call(&state.points, request)
        .await
        .map_err(|error| {
            tracing::warn!(order_number = %order.order_number, operation, %error, "order operation refused or failed");
            ApiError::from_points_verdict(error)
        })?;
    if answered.order_number != order.order_number {
        // Points answered about the uuid we sent; a different number means our row and
        // Points disagree, which support must see (nothing local changes either way).
        tracing::warn!(
            order_number = %order.order_number,
            operation,
            "Points answered with another order number for this uuid"
        );
    }
    tracing::info!(
        order_number = %order.order_number,
        operation,
        order_status = answered.order_status.as_str(),
        "order operation accepted by Points; the webhook will update the order"
    );
    let now = orders::find_by_number(&*state.db, order.order_number.as_str())
        .await?
        .unwrap_or_else(|| order.clone());
    Ok(Outcome {
        operation,
        points: answered,
        order: now.into(),
    })
}

/// Optional free text: trimmed; blank is a 400 (leave it out rather than send nothing useful).
/// Lengths are Points' to enforce (500 for a reason, 120 for a label, API.md §3.9–3.11): its
/// 422 comes back with the field's message, so the limit lives in one place.
fn optional_text(field: &str, text: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "{field}: must not be blank (leave it out instead)"
        )));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_named_by_uuid_or_number() {
        let uuid = "550E8400-E29B-41D4-A716-446655440000";
        assert_eq!(
            OrderRef::parse(uuid).ok(),
            OrderUuid::parse(uuid).map(OrderRef::Uuid)
        );
        assert_eq!(
            OrderRef::parse(" PK-260418-AB12CD34 ").ok(),
            OrderNumber::parse("PK-260418-AB12CD34")
                .ok()
                .map(OrderRef::Number)
        );
        assert!(matches!(
            OrderRef::parse("  "),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn free_text_is_trimmed_and_never_blank() {
        assert_eq!(optional_text("reason", None).ok(), Some(None));
        assert_eq!(
            optional_text("reason", Some(" late ".into())).ok(),
            Some(Some("late".into()))
        );
        assert!(optional_text("reason", Some(" \n ".into())).is_err());
    }
}
