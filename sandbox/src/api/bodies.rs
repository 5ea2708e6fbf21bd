//! The bodies of the earning, lifecycle, webhook and integration endpoints, checked with the
//! Laravel rules of [`super::rules`]. Each returns the parsed body or every field error.

use protocol::{
    FieldErrors, OrderNumber, PhoneNumber, ProductLine, Sar, ShippingAddress, ShippingStatus,
};
use serde_json::{Map, Value};
use url::Url;

use super::rules::{Required, Validator, message, parse_web_url};
use crate::lifecycle::ShippingUpdate;

type Body = Map<String, Value>;

/// `POST /v1/orders/earning` (API.md §3.4).
#[derive(Debug, Clone)]
pub struct Earning {
    pub phone: PhoneNumber,
    pub total_price: Sar,
    pub products: Vec<ProductLine>,
    pub order_number: OrderNumber,
    pub name: Option<String>,
    pub shipping_address: Option<ShippingAddress>,
    pub metadata: Option<Value>,
}

/// The two rating endpoints (API.md §3.5, §3.6).
#[derive(Debug, Clone)]
pub struct Rating {
    pub phone: PhoneNumber,
    pub review_reference: OrderNumber,
    pub metadata: Option<Value>,
}

/// Which rating endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingKind {
    Store,
    Product,
}

impl Validator {
    fn phone(&mut self, value: Option<&Value>, required: Required) -> Option<PhoneNumber> {
        let raw = self.string(value, "phone_number", 32, required)?;
        match PhoneNumber::parse(&raw) {
            Ok(phone) => Some(phone),
            Err(err) => self.fail("phone_number", err.to_string()),
        }
    }

    fn reference(&mut self, value: Option<&Value>) -> Option<OrderNumber> {
        let raw = self.string(value, "review_reference", 255, Required::Yes)?;
        match OrderNumber::parse(&raw) {
            Ok(reference) => Some(reference),
            Err(_) => self.fail(
                "review_reference",
                message("review_reference", "format is invalid."),
            ),
        }
    }

    fn rating_value(&mut self, value: Option<&Value>) {
        if self.present(value, "rating", Required::No).is_some()
            && let Some(rating) = self.integer(value, "rating", 1)
            && rating > 5
        {
            self.fail::<()>("rating", message("rating", "may not be greater than 5."));
        }
    }

    fn done<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

pub fn earning(body: &Body) -> Result<Earning, FieldErrors> {
    let mut v = Validator::default();
    let phone = v.phone(body.get("phone_number"), Required::Yes);
    let total_price = v.money(body.get("total_price"), "total_price", Required::Yes);
    let products = match body.get("products").filter(|p| !p.is_null()) {
        None => v.fail("products", message("products", "field is required.")),
        Some(_) => v.products(body.get("products")),
    };
    let order_number = v.order_number(body.get("order_number"));
    let name = v.string(body.get("name"), "name", 255, Required::No);
    for key in ["shipping_amount", "tax_amount", "discount_amount"] {
        v.money(body.get(key), key, Required::No);
    }
    let shipping_address = v.shipping_address(body.get("shipping_address"));
    let metadata = v.object(body.get("metadata"), "metadata");
    let parsed = (|| {
        Some(Earning {
            phone: phone?,
            total_price: total_price?,
            products: products?,
            order_number: order_number?,
            name,
            shipping_address,
            metadata,
        })
    })();
    v.done(parsed)
}

pub fn rating(body: &Body, kind: RatingKind) -> Result<Rating, FieldErrors> {
    let mut v = Validator::default();
    let phone = v.phone(body.get("phone_number"), Required::Yes);
    let review_reference = v.reference(body.get("review_reference"));
    if kind == RatingKind::Product {
        match v.present(body.get("product_id"), "product_id", Required::Yes) {
            Some(Value::String(_) | Value::Number(_)) | None => {}
            Some(_) => {
                v.fail::<()>("product_id", message("product_id", "must be a string."));
            }
        }
        v.string(body.get("product_name"), "product_name", 255, Required::No);
    }
    v.rating_value(body.get("rating"));
    v.string(body.get("comment"), "comment", 2000, Required::No);
    let metadata = v.object(body.get("metadata"), "metadata");
    let parsed = (|| {
        Some(Rating {
            phone: phone?,
            review_reference: review_reference?,
            metadata,
        })
    })();
    v.done(parsed)
}

/// `payment_method` of `POST /complete`: `"1"` … `"10"`, nullable.
pub fn complete(body: &Body) -> Result<Option<String>, FieldErrors> {
    let mut v = Validator::default();
    let method = match v.present(body.get("payment_method"), "payment_method", Required::No) {
        None => None,
        Some(value) => {
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            match text.parse::<u8>() {
                Ok(1..=10) => Some(text),
                _ => v.fail(
                    "payment_method",
                    message("selected payment_method", "is invalid."),
                ),
            }
        }
    };
    v.done(Some(method))
}

/// `reason` (≤ 500) of `POST /cancel`.
pub fn cancel(body: &Body) -> Result<Option<String>, FieldErrors> {
    let mut v = Validator::default();
    let reason = v.string(body.get("reason"), "reason", 500, Required::No);
    v.done(Some(reason))
}

/// `amount` and `reason` of `POST /refund`.
pub fn refund(body: &Body) -> Result<(Option<Sar>, Option<String>), FieldErrors> {
    let mut v = Validator::default();
    let amount = v.money(body.get("amount"), "amount", Required::No);
    if amount == Some(Sar::ZERO) {
        v.fail::<()>("amount", message("amount", "must be greater than 0."));
    }
    let reason = v.string(body.get("reason"), "reason", 500, Required::No);
    v.done(Some((amount, reason)))
}

/// `POST /status`: at least one of `status`, `name_ar`, `name_en`.
pub fn shipping(body: &Body) -> Result<ShippingUpdate, FieldErrors> {
    let mut v = Validator::default();
    let status = v
        .string(body.get("status"), "status", 64, Required::No)
        .and_then(|s| match ShippingStatus::parse(&s) {
            Some(status) => Some(status.code()),
            None => v.fail("status", message("selected status", "is invalid.")),
        });
    let name_ar = v.string(body.get("name_ar"), "name_ar", 120, Required::No);
    let name_en = v.string(body.get("name_en"), "name_en", 120, Required::No);
    let blank = ["status", "name_ar", "name_en"].iter().all(|k| {
        body.get(*k)
            .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
    });
    if blank {
        v.fail::<()>(
            "status",
            message(
                "status",
                "field is required when none of name ar / name en are present.",
            ),
        );
    }
    v.done(Some(ShippingUpdate {
        status,
        name_ar,
        name_en,
    }))
}

/// A webhook's `name` and `url`; `required` for create (and PUT/PATCH take what is there).
pub fn webhook(
    body: &Body,
    required: Required,
) -> Result<(Option<String>, Option<Url>), FieldErrors> {
    let mut v = Validator::default();
    let name = v.string(body.get("name"), "name", 255, required);
    let url = v
        .string(body.get("url"), "url", 500, required)
        .and_then(|raw| match parse_web_url(&raw) {
            Some(url) => Some(url),
            None => v.fail("url", message("url", "must be a valid URL.")),
        });
    if required == Required::No && name.is_none() && url.is_none() && v.errors.is_empty() {
        v.fail::<()>(
            "name",
            message("name", "field is required when url is not present."),
        );
    }
    v.done(Some((name, url)))
}

/// `active` of `POST /v1/integration/status`: Laravel's `boolean`.
pub fn integration(body: &Body) -> Result<bool, FieldErrors> {
    let mut v = Validator::default();
    let active = match v.present(body.get("active"), "active", Required::Yes) {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Some(true),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Some(false),
        Some(Value::String(s)) if s == "1" || s == "true" => Some(true),
        Some(Value::String(s)) if s == "0" || s == "false" => Some(false),
        Some(_) => v.fail("active", message("active", "field must be true or false.")),
    };
    v.done(active)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Body {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn earning_requires_phone_total_products_and_order_number() {
        let errors = earning(&body(json!({}))).expect_err("invalid");
        let keys: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["order_number", "phone_number", "products", "total_price"]
        );
    }

    #[test]
    fn shipping_needs_at_least_one_field_and_a_known_status() {
        assert!(shipping(&body(json!({}))).is_err());
        assert!(shipping(&body(json!({ "status": "flying" }))).is_err());
        let update = shipping(&body(json!({ "status": "delivered" }))).expect("valid");
        assert_eq!(update.status, Some(5));
        assert!(shipping(&body(json!({ "name_en": "Packed" }))).is_ok());
    }

    #[test]
    fn integration_takes_laravel_booleans() {
        assert_eq!(integration(&body(json!({ "active": true }))), Ok(true));
        assert_eq!(integration(&body(json!({ "active": "0" }))), Ok(false));
        assert!(integration(&body(json!({ "active": "yes" }))).is_err());
        assert!(integration(&body(json!({}))).is_err());
    }

    #[test]
    fn a_webhook_update_needs_a_field() {
        assert!(webhook(&body(json!({})), Required::No).is_err());
        assert!(webhook(&body(json!({ "url": "ftp://x" })), Required::No).is_err());
        assert!(webhook(&body(json!({ "name": "A" })), Required::No).is_ok());
    }
}
