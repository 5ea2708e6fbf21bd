//! The rules of each endpoint's body, written with the Laravel rules of [`super::rules`].

use protocol::{CheckoutRequest, FieldErrors, PhoneNumber};
use serde_json::{Map, Value};
use url::Url;

use super::rules::{Required, Validator, message, parse_web_url};

/// A checkout body that passed every rule of API.md §3.2.
#[derive(Debug, Clone)]
pub struct ValidCheckout {
    pub request: CheckoutRequest,
    pub callback_url: Option<Url>,
}

/// Validates the body of `POST /v1/orders/checkout/{publicKey}`.
pub fn checkout(body: &Map<String, Value>) -> Result<ValidCheckout, FieldErrors> {
    let mut v = Validator::default();
    let total_price = v.money(body.get("total_price"), "total_price", Required::Yes);
    let order_number = v.order_number(body.get("order_number"));
    let phone_number = v
        .string(body.get("phone_number"), "phone_number", 32, Required::No)
        .and_then(|raw| match PhoneNumber::parse(&raw) {
            Ok(phone) => Some(phone),
            Err(err) => v.fail("phone_number", err.to_string()),
        });
    let name = v.string(body.get("name"), "name", 255, Required::No);
    let shipping_amount = v.money(body.get("shipping_amount"), "shipping_amount", Required::No);
    let tax_amount = v.money(body.get("tax_amount"), "tax_amount", Required::No);
    let discount_amount = v.money(body.get("discount_amount"), "discount_amount", Required::No);
    let shipping_address = v.shipping_address(body.get("shipping_address"));
    let products = v.products(body.get("products"));
    let metadata = v.object(body.get("metadata"), "metadata");
    let callback_url = v
        .string(body.get("callback_url"), "callback_url", 2048, Required::No)
        .and_then(|raw| match parse_web_url(&raw) {
            Some(url) => Some(url),
            None => v.fail(
                "callback_url",
                message("callback_url", "must be a valid URL."),
            ),
        });
    match (total_price, order_number) {
        (Some(total_price), Some(order_number)) if v.errors.is_empty() => Ok(ValidCheckout {
            request: CheckoutRequest {
                total_price,
                order_number,
                phone_number,
                name,
                shipping_amount,
                tax_amount,
                discount_amount,
                shipping_address,
                products,
                metadata,
                callback_url: callback_url.as_ref().map(Url::to_string),
            },
            callback_url,
        }),
        _ => Err(v.errors),
    }
}

#[cfg(test)]
mod tests {
    use protocol::Sar;
    use serde_json::json;

    use super::*;

    /// Validates `body` and returns its errors (empty when it passed).
    fn errors_of(body: Value) -> FieldErrors {
        let body = body.as_object().cloned().unwrap_or_default();
        checkout(&body).err().unwrap_or_default()
    }

    fn check(extra: Value, key: &str, expect: Option<&str>) {
        let mut body = json!({ "total_price": 100, "order_number": "A-1" });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let errors = errors_of(body);
        let got = errors.get(key).and_then(|m| m.first()).map(String::as_str);
        assert_eq!(got, expect, "for {extra} (all errors: {errors:?})");
    }

    #[test]
    fn each_rule_answers_with_laravels_message() {
        check(
            json!({ "total_price": null }),
            "total_price",
            Some("The total price field is required."),
        );
        check(
            json!({ "total_price": "abc" }),
            "total_price",
            Some("The total price must be a number."),
        );
        check(
            json!({ "total_price": -1 }),
            "total_price",
            Some("The total price must be at least 0."),
        );
        check(json!({ "total_price": "12.5" }), "total_price", None);
        check(
            json!({ "order_number": "" }),
            "order_number",
            Some("The order number field is required."),
        );
        check(
            json!({ "order_number": "#" }),
            "order_number",
            Some("The order number field is required."),
        );
        check(
            json!({ "order_number": 12 }),
            "order_number",
            Some("The order number must be a string."),
        );
        check(
            json!({ "phone_number": "12345" }),
            "phone_number",
            Some("The phone number format is invalid."),
        );
        check(
            json!({ "phone_number": "+966 512345678" }),
            "phone_number",
            None,
        );
        check(json!({ "phone_number": "" }), "phone_number", None);
        check(
            json!({ "name": "x".repeat(256) }),
            "name",
            Some("The name may not be greater than 255 characters."),
        );
        check(
            json!({ "tax_amount": -5 }),
            "tax_amount",
            Some("The tax amount must be at least 0."),
        );
        check(
            json!({ "products": [] }),
            "products",
            Some("The products must have at least 1 items."),
        );
        check(
            json!({ "products": "x" }),
            "products",
            Some("The products must be an array."),
        );
        check(
            json!({ "products": [{ "product_name": "A", "product_price": 1, "quantity": 0 }] }),
            "products.0.quantity",
            Some("The products.0.quantity must be at least 1."),
        );
        check(
            json!({ "products": [{ "product_name": "A", "product_price": 1, "quantity": 1.5 }] }),
            "products.0.quantity",
            Some("The products.0.quantity must be an integer."),
        );
        check(
            json!({ "products": [{ "product_price": 1, "quantity": 1 }] }),
            "products.0.product_name",
            Some("The products.0.product name field is required."),
        );
        check(
            json!({ "products": [{}, { "product_name": "B", "product_price": -1, "quantity": 1 }] }),
            "products.1.product_price",
            Some("The products.1.product price must be at least 0."),
        );
        check(
            json!({ "callback_url": "not-a-url" }),
            "callback_url",
            Some("The callback url must be a valid URL."),
        );
        check(
            json!({ "callback_url": "javascript:alert(1)" }),
            "callback_url",
            Some("The callback url must be a valid URL."),
        );
        check(
            json!({ "callback_url": "https://shop.example/return?a=1" }),
            "callback_url",
            None,
        );
        check(
            json!({ "metadata": "x" }),
            "metadata",
            Some("The metadata must be an array."),
        );
        check(
            json!({ "shipping_address": { "city": "c".repeat(101) } }),
            "shipping_address.city",
            Some("The shipping address.city may not be greater than 100 characters."),
        );
    }

    #[test]
    fn an_empty_body_lists_both_required_fields() {
        let errors = errors_of(json!({}));
        assert_eq!(errors.len(), 2);
        assert!(errors.contains_key("total_price"));
        assert!(errors.contains_key("order_number"));
    }

    #[test]
    fn a_valid_body_is_parsed_into_the_protocol_type() {
        let body = json!({
            "total_price": 150.75, "order_number": "  #ORD-9 ", "phone_number": "0512345678",
            "products": [{ "product_name": "Cappuccino", "product_price": 18.5, "quantity": "2" }],
            "metadata": { "source": "web" }, "callback_url": "https://shop.example/r",
        });
        let valid = checkout(body.as_object().expect("object")).expect("valid");
        assert_eq!(valid.request.order_number.as_str(), "ORD-9");
        assert_eq!(valid.request.total_price, Sar::from_halalas(15_075));
        assert_eq!(
            valid.request.phone_number.as_ref().map(PhoneNumber::expose),
            Some("512345678")
        );
        assert_eq!(
            valid.request.products.as_ref().map(|p| p[0].quantity),
            Some(2)
        );
        assert_eq!(
            valid.callback_url.as_ref().map(Url::as_str),
            Some("https://shop.example/r")
        );
    }
}
