//! The lifecycle actions on an order (API.md §3.7–3.11). Each answers the updated order.
//!
//! Only [`UpdateShipping`] is idempotent (it sets a value); the others are transitions, which a
//! blind repeat would answer with a 400 (or, for a partial [`Refund`], apply twice), so they are
//! retried only when the first attempt certainly did not reach Points.

use serde::Serialize;
use serde_json::Value;

use super::{Auth, Endpoint, Method, json_body};
use crate::{OrderResource, OrderUuid, PaymentMethod, Sar, ShippingStatus};

/// `POST /v1/orders/{uuid}/complete` (§3.7): a replacing order is fully paid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Complete {
    #[serde(skip)]
    pub uuid: OrderUuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
}

/// `POST /v1/orders/{uuid}/authorize` (§3.8).
#[derive(Debug, Clone, PartialEq)]
pub struct Authorize(pub OrderUuid);

/// `POST /v1/orders/{uuid}/capture` (§3.8).
#[derive(Debug, Clone, PartialEq)]
pub struct Capture(pub OrderUuid);

/// `POST /v1/orders/{uuid}/cancel` (§3.9), while `new` or `authorized`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cancel {
    #[serde(skip)]
    pub uuid: OrderUuid,
    /// ≤ 500 characters; Points stores "Order cancelled via API" without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /v1/orders/{uuid}/status` (§3.10): shipping status and/or a bilingual custom label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateShipping {
    #[serde(skip)]
    pub uuid: OrderUuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ShippingStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_ar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
}

/// `POST /v1/orders/{uuid}/refund` (§3.11): `amount: None` refunds what remains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refund {
    #[serde(skip)]
    pub uuid: OrderUuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Sar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Complete {
    pub fn new(uuid: OrderUuid, payment_method: Option<PaymentMethod>) -> Self {
        Complete {
            uuid,
            payment_method,
        }
    }
}

impl Cancel {
    pub fn new(uuid: OrderUuid) -> Self {
        Cancel { uuid, reason: None }
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl UpdateShipping {
    pub fn status(uuid: OrderUuid, status: ShippingStatus) -> Self {
        UpdateShipping {
            uuid,
            status: Some(status),
            name_ar: None,
            name_en: None,
        }
    }
}

impl Refund {
    /// Everything that remains refundable.
    pub fn full(uuid: OrderUuid) -> Self {
        Refund {
            uuid,
            amount: None,
            reason: None,
        }
    }

    pub fn partial(uuid: OrderUuid, amount: Sar) -> Self {
        Refund {
            uuid,
            amount: Some(amount),
            reason: None,
        }
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

macro_rules! action {
    ($ty:ident, $action:literal, $uuid:tt, body: $with_body:tt, idempotent: $idempotent:tt) => {
        impl Endpoint for $ty {
            type Output = OrderResource;
            const METHOD: Method = Method::Post;
            const AUTH: Auth = Auth::PrivateKey;

            fn path(&self, _public_key: &str) -> String {
                format!(concat!("/v1/orders/{}/", $action), self.$uuid)
            }

            fn body(&self) -> Option<Value> {
                action!(@body self, $with_body)
            }

            fn idempotent(&self) -> bool {
                $idempotent
            }
        }
    };
    (@body $self:ident, true) => { json_body($self) };
    (@body $self:ident, false) => { None };
}

action!(Complete, "complete", uuid, body: true, idempotent: false);
action!(Authorize, "authorize", 0, body: false, idempotent: false);
action!(Capture, "capture", 0, body: false, idempotent: false);
action!(Cancel, "cancel", uuid, body: true, idempotent: false);
action!(UpdateShipping, "status", uuid, body: true, idempotent: true);
action!(Refund, "refund", uuid, body: true, idempotent: false);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn uuid() -> OrderUuid {
        OrderUuid::parse("550e8400-e29b-41d4-a716-446655440000").expect("uuid")
    }

    #[test]
    fn paths_and_bodies_follow_the_reference() {
        let refund = Refund::partial(uuid(), Sar::from_halalas(2500)).reason("One line returned");
        assert_eq!(
            refund.path(""),
            "/v1/orders/550e8400-e29b-41d4-a716-446655440000/refund"
        );
        assert_eq!(
            refund.body(),
            Some(json!({"amount": 25.0, "reason": "One line returned"}))
        );
        assert_eq!(Refund::full(uuid()).body(), Some(json!({})));
        assert_eq!(Capture(uuid()).body(), None);
        assert_eq!(
            UpdateShipping::status(uuid(), ShippingStatus::ReadyShipping).body(),
            Some(json!({"status": "ready_shipping"}))
        );
        assert_eq!(
            Complete::new(uuid(), Some(PaymentMethod::Mada)).body(),
            Some(json!({"payment_method": "2"}))
        );
    }

    #[test]
    fn only_setting_the_shipping_status_is_blindly_retryable() {
        assert!(!Refund::full(uuid()).idempotent());
        assert!(!Cancel::new(uuid()).idempotent());
        assert!(!Authorize(uuid()).idempotent());
        assert!(UpdateShipping::status(uuid(), ShippingStatus::Delivered).idempotent());
    }
}
