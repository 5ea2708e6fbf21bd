//! One request type per Points endpoint (API.md §3.0), grouped as the table groups them:
//! checkout and order reads here, [`earning`], [`lifecycle`] actions and [`webhooks`].
//!
//! | # | Endpoint | Type |
//! |---|---|---|
//! | 1 | `POST /v1/orders/checkout/{publicKey}` | [`CreateCheckout`] |
//! | 2 | `GET /v1/orders/{uuid}` | [`GetOrder`] |
//! | 3–5 | `POST /v1/orders/earning[/store-rating\|/product-rating]` | [`Earning`], [`StoreRating`], [`ProductRating`] |
//! | 6–11 | `POST /v1/orders/{uuid}/complete\|authorize\|capture\|cancel\|status\|refund` | [`Complete`], [`Authorize`], [`Capture`], [`Cancel`], [`UpdateShipping`], [`Refund`] |
//! | 12–17 | `/v1/webhooks[/{uuid}]` | [`ListWebhooks`], [`CreateWebhook`], [`GetWebhook`], [`ReplaceWebhook`], [`UpdateWebhook`], [`DeleteWebhook`] |
//! | 18 | `POST /v1/integration/status` | [`SetIntegrationStatus`] |

mod earning;
mod lifecycle;
mod webhooks;

use serde::Serialize;
use serde_json::Value;

use super::{Auth, Endpoint, Method};
use crate::{CheckoutRequest, CheckoutSession, IntegrationStatus, OrderResource, OrderUuid};

pub use earning::{Earning, ProductRating, StoreRating};
pub use lifecycle::{Authorize, Cancel, Capture, Complete, Refund, UpdateShipping};
pub use webhooks::{
    CreateWebhook, DeleteWebhook, GetWebhook, ListWebhooks, ReplaceWebhook, UpdateWebhook,
};

/// `POST /v1/orders/checkout/{publicKey}` (§3.2): public key in the path, never `x-api-key`.
#[derive(Debug, Clone)]
pub struct CreateCheckout(pub CheckoutRequest);

impl Endpoint for CreateCheckout {
    type Output = CheckoutSession;
    const METHOD: Method = Method::Post;
    const AUTH: Auth = Auth::PublicKeyInPath;

    fn path(&self, public_key: &str) -> String {
        format!("/v1/orders/checkout/{}", encode_segment(public_key))
    }

    fn body(&self) -> Option<Value> {
        json_body(&self.0)
    }

    /// Points answers a repeated `order_number` on an open checkout with a new URL for the same
    /// order (§12), so a retry cannot create a second order.
    fn idempotent(&self) -> bool {
        true
    }
}

/// `GET /v1/orders/{orderUuid}` (§3.3).
#[derive(Debug, Clone)]
pub struct GetOrder(pub OrderUuid);

impl Endpoint for GetOrder {
    type Output = OrderResource;
    const METHOD: Method = Method::Get;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        format!("/v1/orders/{}", self.0)
    }
}

/// `POST /v1/integration/status` (§3.13): mirrors an external platform's on/off toggle on the
/// key that calls it. Setting the same value again is a no-op, so retries are safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SetIntegrationStatus {
    pub active: bool,
}

impl Endpoint for SetIntegrationStatus {
    type Output = IntegrationStatus;
    const METHOD: Method = Method::Post;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        "/v1/integration/status".into()
    }

    fn body(&self) -> Option<Value> {
        json_body(self)
    }

    fn idempotent(&self) -> bool {
        true
    }
}

/// A request body as JSON. Every body type here is plain data, so this cannot fail; `None`
/// would only send no body, which Points answers with a 422 rather than acting on it.
fn json_body(body: &impl Serialize) -> Option<Value> {
    serde_json::to_value(body).ok()
}

/// Percent-encodes a path segment (keys are opaque strings, API.md §12).
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_path_encodes_the_key_and_is_the_only_public_key_endpoint() {
        let req = CreateCheckout(CheckoutRequest {
            total_price: crate::Sar::ZERO,
            order_number: crate::OrderNumber::parse("A").expect("valid"),
            phone_number: None,
            name: None,
            shipping_amount: None,
            tax_amount: None,
            discount_amount: None,
            shipping_address: None,
            products: None,
            metadata: None,
            callback_url: None,
        });
        assert_eq!(req.path("pk/../x y"), "/v1/orders/checkout/pk%2F..%2Fx%20y");
        assert_eq!(CreateCheckout::AUTH, Auth::PublicKeyInPath);
        assert_eq!(GetOrder::AUTH, Auth::PrivateKey);
        assert_eq!(SetIntegrationStatus::AUTH, Auth::PrivateKey);
    }
}
