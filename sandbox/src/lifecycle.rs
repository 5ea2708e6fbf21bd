//! The order state machine of API.md §5.2 with the choices of §12, and the webhook each
//! transition fires (§5.4, extras of §6.3). Handlers validate bodies; this module decides.

use protocol::{OrderStatus, OrderType, Sar, ShippingStatus, WebhookEvent};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::{
    lang::Lang,
    order::{CustomStatus, PaymentStatus, shipping_label},
    state::Store,
};

pub const DEFAULT_CANCEL_REASON: &str = "Order cancelled via API";
pub const DEFAULT_REFUND_REASON: &str = "Order refunded via API";
pub const AUTO_REFUND_REASON: &str = "auto_refund_missing_transaction";

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// `400` with the reason in `message`.
    #[error("{0}")]
    NotAllowed(String),
    /// `422` on `amount`: more than what remains to refund.
    #[error("{0}")]
    AmountTooLarge(String),
}

/// What a refund changed, as the `refunded` webhook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    pub amount: Sar,
    pub points: u64,
}

/// A shipping update (API.md §3.10): an enum value and/or a custom label.
#[derive(Debug, Clone, Default)]
pub struct ShippingUpdate {
    pub status: Option<u8>,
    pub name_ar: Option<String>,
    pub name_en: Option<String>,
}

fn not_allowed(message: impl Into<String>) -> TransitionError {
    TransitionError::NotAllowed(message.into())
}

impl Store {
    /// `complete`: from `new` or `captured`, replacing orders only → `approved`; fires
    /// `approved` then `completed`.
    pub fn complete(
        &mut self,
        index: usize,
        payment_method: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        let order = &mut self.orders[index];
        if order.order_type != OrderType::Replacing {
            return Err(not_allowed("Only replacing orders can be completed"));
        }
        match order.status {
            OrderStatus::New | OrderStatus::Captured => {}
            OrderStatus::Approved if order.completed => {
                return Err(not_allowed("Order is already completed"));
            }
            OrderStatus::Approved => return Err(not_allowed("Order already fully paid")),
            _ => return Err(not_allowed("Order cannot be completed")),
        }
        order.status = OrderStatus::Approved;
        order.payment_status = PaymentStatus::FullyPaid;
        order.completed = true;
        order.payment_method = payment_method;
        order.updated_at = now;
        self.notify(WebhookEvent::Approved, index, now);
        self.notify(WebhookEvent::Completed, index, now);
        Ok(())
    }

    /// `authorize`: from `new` only.
    pub fn authorize(&mut self, index: usize, now: OffsetDateTime) -> Result<(), TransitionError> {
        let order = &mut self.orders[index];
        if order.status != OrderStatus::New {
            return Err(refusal("authorized", order.status));
        }
        order.status = OrderStatus::Authorized;
        order.updated_at = now;
        self.notify(WebhookEvent::Authorized, index, now);
        Ok(())
    }

    /// `capture`: from `authorized` only.
    pub fn capture(&mut self, index: usize, now: OffsetDateTime) -> Result<(), TransitionError> {
        let order = &mut self.orders[index];
        if order.status != OrderStatus::Authorized {
            return Err(refusal("captured", order.status));
        }
        order.status = OrderStatus::Captured;
        order.payment_status = PaymentStatus::FullyPaid;
        order.updated_at = now;
        self.notify(WebhookEvent::Captured, index, now);
        Ok(())
    }

    /// `cancel`: from `new` or `authorized`; reserved points go back; fires `cancelled`.
    pub fn cancel(
        &mut self,
        index: usize,
        reason: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        let order = &mut self.orders[index];
        match order.status {
            OrderStatus::New | OrderStatus::Authorized => {}
            OrderStatus::Cancelled => return Err(not_allowed("Order is already cancelled")),
            s => return Err(refusal("cancelled", s)),
        }
        order.status = OrderStatus::Cancelled;
        order.cancel_reason = Some(reason.unwrap_or_else(|| DEFAULT_CANCEL_REASON.to_owned()));
        order.updated_at = now;
        self.notify(WebhookEvent::Cancelled, index, now);
        Ok(())
    }

    /// `refund`: from `approved`, `captured` or `partially_refunded`; `amount` defaults to
    /// what remains. Points reverse proportionally (API.md §12); fires `refunded`.
    pub fn refund(
        &mut self,
        index: usize,
        amount: Option<Sar>,
        reason: Option<String>,
        now: OffsetDateTime,
    ) -> Result<Refund, TransitionError> {
        let order = &self.orders[index];
        match order.status {
            OrderStatus::Approved | OrderStatus::Captured | OrderStatus::PartiallyRefunded => {}
            s => return Err(refusal("refunded", s)),
        }
        let remaining = order.refundable();
        let amount = amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(TransitionError::AmountTooLarge(format!(
                "The amount may not be greater than {remaining}."
            )));
        }
        let refund = self.apply_refund(index, amount, now);
        let order = &self.orders[index];
        let extras = refund_extras(
            order,
            refund,
            reason.as_deref().unwrap_or(DEFAULT_REFUND_REASON),
        );
        self.notify_with(WebhookEvent::Refunded, index, extras, now);
        Ok(refund)
    }

    /// Points reversing a replacing order by itself (control API): `fully_refunded`, fires
    /// `auto_refunded`.
    pub fn auto_refund(
        &mut self,
        index: usize,
        now: OffsetDateTime,
    ) -> Result<Refund, TransitionError> {
        let order = &self.orders[index];
        if order.order_type != OrderType::Replacing {
            return Err(not_allowed("Only replacing orders are auto-refunded"));
        }
        if !matches!(
            order.status,
            OrderStatus::Approved | OrderStatus::Captured | OrderStatus::PartiallyRefunded
        ) {
            return Err(refusal("refunded", order.status));
        }
        let refund = self.apply_refund(index, order.refundable(), now);
        let order = &self.orders[index];
        let extras = refund_extras(order, refund, AUTO_REFUND_REASON);
        self.notify_with(WebhookEvent::AutoRefunded, index, extras, now);
        Ok(refund)
    }

    /// Shipping status and/or custom label; allowed in every financial state.
    pub fn update_shipping(&mut self, index: usize, update: ShippingUpdate, now: OffsetDateTime) {
        let order = &mut self.orders[index];
        if let Some(status) = update.status {
            order.shipping_status = status;
        }
        // A lone label is copied into the other language: the sandbox has no translator, and
        // Points falls back to a copy when translation fails (API.md §3.10).
        match (update.name_ar, update.name_en) {
            (Some(ar), Some(en)) => order.custom_status = Some(CustomStatus { ar, en }),
            (Some(ar), None) => order.custom_status = Some(CustomStatus { en: ar.clone(), ar }),
            (None, Some(en)) => order.custom_status = Some(CustomStatus { ar: en.clone(), en }),
            (None, None) => {}
        }
        order.updated_at = now;
        let mut extras = Map::new();
        let status = ShippingStatus::from_code(order.shipping_status.clamp(1, 6))
            .unwrap_or(ShippingStatus::New);
        extras.insert("status".into(), json!(status.as_str()));
        extras.insert(
            "status_label".into(),
            json!(match &order.custom_status {
                Some(custom) => custom.en.clone(),
                None => shipping_label(order.shipping_status, Lang::En).to_owned(),
            }),
        );
        self.notify_with(WebhookEvent::ShippingStatusUpdated, index, extras, now);
    }

    fn apply_refund(&mut self, index: usize, amount: Sar, now: OffsetDateTime) -> Refund {
        let order = &mut self.orders[index];
        let remaining = order.refundable();
        let left_points = order.total_points.saturating_sub(order.refunded_points);
        let points = if amount == remaining {
            // The last refund takes whatever rounding left behind.
            left_points
        } else if order.total_price == Sar::ZERO {
            0
        } else {
            let share = u128::from(order.total_points) * u128::from(amount.halalas())
                / u128::from(order.total_price.halalas());
            u64::try_from(share).unwrap_or(left_points).min(left_points)
        };
        order.refunded_amount = order
            .refunded_amount
            .checked_add(amount)
            .unwrap_or(order.total_price);
        order.refunded_points += points;
        order.status = if order.refundable() == Sar::ZERO {
            OrderStatus::FullyRefunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        order.updated_at = now;
        let (phone, order_type) = (
            order
                .checkout
                .phone_number
                .as_ref()
                .map(|p| p.expose().to_owned()),
            order.order_type,
        );
        if let Some(phone) = phone {
            let customer = self.customer_mut(&phone);
            customer.points = match order_type {
                // Earned points are taken back; redeemed points are given back.
                OrderType::Earning => customer.points.saturating_sub(points),
                OrderType::Replacing => customer.points + points,
            };
        }
        Refund { amount, points }
    }
}

/// `400` for a transition the current state does not allow.
fn refusal(target: &str, from: OrderStatus) -> TransitionError {
    let message = match from {
        OrderStatus::FullyRefunded | OrderStatus::PartiallyRefunded if target != "refunded" => {
            "Order already refunded".to_owned()
        }
        OrderStatus::FullyRefunded => "Order already fully refunded".to_owned(),
        _ => format!(
            "Order cannot be {target} while its status is {}",
            from.as_str()
        ),
    };
    TransitionError::NotAllowed(message)
}

/// The `refunded` / `auto_refunded` extras of API.md §6.3.
fn refund_extras(order: &crate::order::Order, refund: Refund, reason: &str) -> Map<String, Value> {
    let left_amount = order.refundable();
    let extras = json!({
        "refund_amount": refund.amount.as_f64(),
        "refund_points": refund.points,
        "left_points": order.total_points.saturating_sub(order.refunded_points),
        "left_amount": left_amount.as_f64(),
        "reason": reason,
    });
    match extras {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
