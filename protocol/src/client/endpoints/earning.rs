//! The three earning endpoints (API.md §3.4–3.6). Points serialises them per merchant (a
//! concurrent call answers 429) and dedupes on `order_number` / `review_reference` (a reused
//! one answers 422 "already taken"), so they are safe to retry: a retry that meets "already
//! taken" means an earlier attempt was recorded, and answers [`Earned::AlreadyRecorded`].

use serde::Serialize;
use serde_json::Value;

use super::{Auth, Endpoint, Method, json_body};
use crate::client::ClientError;
use crate::{Earned, OrderNumber, PhoneNumber, ProductLine, Sar, ShippingAddress};

/// `POST /v1/orders/earning` (§3.4): points for a paid purchase. Call it only once the payment
/// is confirmed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Earning {
    pub phone_number: PhoneNumber,
    pub total_price: Sar,
    /// At least one line.
    pub products: Vec<ProductLine>,
    /// The merchant-unique dedupe key.
    pub order_number: OrderNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_amount: Option<Sar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<Sar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Sar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<ShippingAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Earning {
    /// An earning with the required fields only.
    pub fn new(
        order_number: OrderNumber,
        phone_number: PhoneNumber,
        total_price: Sar,
        products: Vec<ProductLine>,
    ) -> Self {
        Earning {
            phone_number,
            total_price,
            products,
            order_number,
            name: None,
            shipping_amount: None,
            tax_amount: None,
            discount_amount: None,
            shipping_address: None,
            metadata: None,
        }
    }
}

/// `POST /v1/orders/earning/store-rating` (§3.5): flat points for rating the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRating {
    pub phone_number: PhoneNumber,
    /// The merchant-unique dedupe key; it becomes the order's `order_number`.
    pub review_reference: OrderNumber,
    /// 1–5, for the audit trail only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `POST /v1/orders/earning/product-rating` (§3.6): flat points for rating a product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductRating {
    pub phone_number: PhoneNumber,
    pub review_reference: OrderNumber,
    /// The merchant's SKU or id.
    pub product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// "Already taken" on `field` after a retry: recorded by the attempt whose answer was lost.
fn already_recorded(
    error: &ClientError,
    retried: bool,
    field: &str,
    key: &OrderNumber,
) -> Option<Earned> {
    (retried && error.is_already_taken(field)).then(|| Earned::AlreadyRecorded {
        order_number: key.clone(),
    })
}

macro_rules! earning_endpoint {
    ($ty:ident, $path:literal, $key:ident) => {
        impl Endpoint for $ty {
            type Output = Earned;
            const METHOD: Method = Method::Post;
            const AUTH: Auth = Auth::PrivateKey;
            const EARNING: bool = true;

            fn path(&self, _public_key: &str) -> String {
                $path.into()
            }

            fn body(&self) -> Option<Value> {
                json_body(self)
            }

            /// Safe: the dedupe key turns a repeat into "already taken", never a second award.
            fn idempotent(&self) -> bool {
                true
            }

            fn recover(&self, error: &ClientError, retried: bool) -> Option<Earned> {
                already_recorded(error, retried, stringify!($key), &self.$key)
            }
        }
    };
}

earning_endpoint!(Earning, "/v1/orders/earning", order_number);
earning_endpoint!(
    StoreRating,
    "/v1/orders/earning/store-rating",
    review_reference
);
earning_endpoint!(
    ProductRating,
    "/v1/orders/earning/product-rating",
    review_reference
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldErrors;

    fn taken(field: &str) -> ClientError {
        let mut errors = FieldErrors::new();
        errors.insert(
            field.to_owned(),
            vec![format!(
                "The {} has already been taken.",
                field.replace('_', " ")
            )],
        );
        ClientError::Validation {
            message: "taken".into(),
            errors,
        }
    }

    fn rating() -> StoreRating {
        StoreRating {
            phone_number: PhoneNumber::parse("0512345678").expect("phone"),
            review_reference: OrderNumber::parse("REV-1").expect("ref"),
            rating: Some(5),
            comment: None,
            metadata: None,
        }
    }

    #[test]
    fn already_taken_counts_as_recorded_only_on_a_retry_and_only_for_the_key() {
        let request = rating();
        assert_eq!(request.recover(&taken("review_reference"), false), None);
        assert_eq!(
            request.recover(&taken("review_reference"), true),
            Some(Earned::AlreadyRecorded {
                order_number: OrderNumber::parse("REV-1").expect("ref"),
            })
        );
        assert_eq!(request.recover(&taken("phone_number"), true), None);
        assert_eq!(request.recover(&ClientError::Timeout, true), None);
    }

    #[test]
    fn bodies_carry_only_what_is_set() {
        let body = rating().body().expect("body");
        assert_eq!(
            body,
            serde_json::json!({"phone_number": "512345678", "review_reference": "REV-1", "rating": 5})
        );
    }
}
