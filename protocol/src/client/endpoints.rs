//! One request type per Points endpoint (API.md §3.0).

use super::{Auth, Endpoint, Method};
use crate::{CheckoutRequest, CheckoutSession, OrderResource, OrderUuid};

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

    fn body(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.0).ok()
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
    fn checkout_path_encodes_the_key() {
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
    }
}
