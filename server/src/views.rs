//! What the core shows of an order, to the storefront and to support. The `http` adapter
//! serves these as JSON and the `points-server` commands print them, so both say the same.

use protocol::ShippingStatus;
use serde::Serialize;
use serde_json::Value;

use crate::db::orders::Order;
use crate::db::search::TransitionRow;
use crate::lifecycle::OrderState;

/// An order as the return page sees it (`GET /api/orders/{order_number}`). No personal
/// data: the number is the key, and it is unguessable (see [`crate::order_number`]).
#[derive(Debug, Serialize)]
pub struct OrderView {
    pub order_number: String,
    pub state: OrderState,
    /// Points' own `order_status`, `null` before the first webhook.
    pub order_status: Option<&'static str>,
    pub points_uuid: Option<String>,
    pub reference_number: Option<String>,
    /// A decimal string, `"150.75"`, never a float.
    pub total_price: String,
    /// How much of it Points has refunded (from the `refunded` webhooks), `"0.00"` if nothing.
    pub refunded_amount: String,
    /// Points' shipping status (`ready_shipping`, …), `null` before the first update.
    pub shipping_status: Option<&'static str>,
    /// The label Points resolved for it (a merchant's custom label when one is set).
    pub shipping_label: Option<String>,
    pub currency: String,
    pub updated_at: String,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        let shipping = order.lifecycle.shipping.as_ref();
        OrderView {
            state: order.lifecycle.state(),
            order_status: order.lifecycle.order_status.map(|s| s.as_str()),
            points_uuid: order.lifecycle.points_uuid.map(|u| u.to_string()),
            reference_number: order.lifecycle.reference_number,
            total_price: order.total.to_string(),
            refunded_amount: order.lifecycle.refunded.to_string(),
            shipping_status: shipping.and_then(|s| s.status).map(ShippingStatus::as_str),
            shipping_label: shipping.and_then(|s| s.label.clone()),
            currency: order.currency,
            updated_at: order.updated_at,
            order_number: order.order_number.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
/// What a support search found (`GET /admin/orders/search`, `points-server orders search`).
pub struct SearchResult {
    pub query: String,
    pub orders: Vec<SupportOrder>,
}

/// An order as support sees it: what the storefront sees, plus the cart, the cancel reason and
/// every change with its source.
#[derive(Debug, Serialize)]
pub struct SupportOrder {
    #[serde(flatten)]
    pub view: OrderView,
    pub cancel_reason: Option<String>,
    pub lang: String,
    pub items: Value,
    pub checkout_url: Option<String>,
    pub created_at: String,
    pub transitions: Vec<TransitionRow>,
}

impl SupportOrder {
    /// `order` with its recorded history.
    pub fn new(order: Order, transitions: Vec<TransitionRow>) -> Self {
        let items = serde_json::from_str(&order.items_json).unwrap_or(Value::Null);
        SupportOrder {
            cancel_reason: order.lifecycle.cancel_reason.clone(),
            lang: order.lang.clone(),
            items,
            checkout_url: order.checkout_url.clone(),
            created_at: order.created_at.clone(),
            transitions,
            view: order.into(),
        }
    }
}
