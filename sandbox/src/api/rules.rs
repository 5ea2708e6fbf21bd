//! Laravel's validation rules, applied field by field to the raw JSON so a 422 carries Points'
//! messages ("The total price field is required.") under dot-notation keys
//! ("products.0.quantity") rather than serde's.
//!
//! Like Laravel's `TrimStrings` and `ConvertEmptyStringsToNull` middleware, strings are trimmed
//! and a blank string counts as `null`. Messages use the wording of
//! `protocol::ParseOrderNumberError` ("may not be greater than").

use protocol::{FieldErrors, OrderNumber, ParseMoneyError, ProductLine, Sar, ShippingAddress};
use serde_json::{Map, Value};
use url::Url;

/// An absolute `http`/`https` URL with a host.
pub fn parse_web_url(raw: &str) -> Option<Url> {
    Url::parse(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
}

/// Whether a field must be present (`required`) or may be absent (`nullable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    Yes,
    No,
}

/// Collects every failure of a body; each rule returns the parsed value when it passed.
#[derive(Debug, Default)]
pub struct Validator {
    pub errors: FieldErrors,
}

impl Validator {
    /// Records a failure; returns `None` so callers can end with it.
    pub fn fail<T>(&mut self, key: &str, message: String) -> Option<T> {
        self.errors.entry(key.to_owned()).or_default().push(message);
        None
    }

    /// `null`, a missing key and a blank string are all "absent".
    pub fn present<'v>(
        &mut self,
        value: Option<&'v Value>,
        key: &str,
        required: Required,
    ) -> Option<&'v Value> {
        let value =
            value.filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        if value.is_none() && required == Required::Yes {
            return self.fail(key, message(key, "field is required."));
        }
        value
    }

    pub fn money(&mut self, value: Option<&Value>, key: &str, required: Required) -> Option<Sar> {
        let value = self.present(value, key, required)?;
        let parsed = match value {
            Value::Number(n) => n
                .as_f64()
                .map_or(Err(ParseMoneyError::NotANumber), Sar::from_f64),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| ParseMoneyError::NotANumber)
                .and_then(Sar::from_f64),
            _ => Err(ParseMoneyError::NotANumber),
        };
        match parsed {
            Ok(amount) => Some(amount),
            Err(ParseMoneyError::Negative) => self.fail(key, message(key, "must be at least 0.")),
            Err(ParseMoneyError::TooLarge) => {
                self.fail(key, message(key, "may not be greater than 10000000000."))
            }
            Err(_) => self.fail(key, message(key, "must be a number.")),
        }
    }

    pub fn string(
        &mut self,
        value: Option<&Value>,
        key: &str,
        max: usize,
        required: Required,
    ) -> Option<String> {
        let Value::String(text) = self.present(value, key, required)? else {
            return self.fail(key, message(key, "must be a string."));
        };
        let text = text.trim();
        if text.chars().count() > max {
            return self.fail(
                key,
                message(key, &format!("may not be greater than {max} characters.")),
            );
        }
        Some(text.to_owned())
    }

    pub fn integer(&mut self, value: Option<&Value>, key: &str, min: u64) -> Option<u32> {
        let value = self.present(value, key, Required::Yes)?;
        let number = match value {
            Value::Number(n) => n.as_i64().map(i128::from).or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
                    .map(|f| f as i128)
            }),
            Value::String(s) => s.trim().parse::<i128>().ok(),
            _ => None,
        };
        let Some(number) = number else {
            return self.fail(key, message(key, "must be an integer."));
        };
        if number < i128::from(min) {
            return self.fail(key, message(key, &format!("must be at least {min}.")));
        }
        match u32::try_from(number) {
            Ok(n) => Some(n),
            Err(_) => self.fail(
                key,
                message(key, &format!("may not be greater than {}.", u32::MAX)),
            ),
        }
    }

    pub fn object(&mut self, value: Option<&Value>, key: &str) -> Option<Value> {
        match self.present(value, key, Required::No)? {
            object @ Value::Object(_) => Some(object.clone()),
            _ => self.fail(key, message(key, "must be an array.")),
        }
    }

    pub fn order_number(&mut self, value: Option<&Value>) -> Option<OrderNumber> {
        let raw = self.string(value, "order_number", usize::MAX, Required::Yes)?;
        match OrderNumber::parse(&raw) {
            Ok(number) => Some(number),
            Err(err) => self.fail("order_number", err.to_string()),
        }
    }

    pub fn shipping_address(&mut self, value: Option<&Value>) -> Option<ShippingAddress> {
        let Value::Object(fields) = self.object(value, "shipping_address")? else {
            return None;
        };
        Some(ShippingAddress {
            city: self.string(
                fields.get("city"),
                "shipping_address.city",
                100,
                Required::No,
            ),
            line1: self.string(
                fields.get("line1"),
                "shipping_address.line1",
                255,
                Required::No,
            ),
        })
    }

    /// `products`: nullable, but if present an array of at least one valid line.
    pub fn products(&mut self, value: Option<&Value>) -> Option<Vec<ProductLine>> {
        let value = value.filter(|v| !v.is_null())?;
        let Value::Array(lines) = value else {
            return self.fail("products", message("products", "must be an array."));
        };
        if lines.is_empty() {
            return self.fail(
                "products",
                message("products", "must have at least 1 items."),
            );
        }
        let empty = Map::new();
        let parsed: Vec<Option<ProductLine>> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let fields = line.as_object().unwrap_or(&empty);
                let key = |field: &str| format!("products.{i}.{field}");
                let product_name = self.string(
                    fields.get("product_name"),
                    &key("product_name"),
                    255,
                    Required::Yes,
                );
                let product_price = self.money(
                    fields.get("product_price"),
                    &key("product_price"),
                    Required::Yes,
                );
                let quantity = self.integer(fields.get("quantity"), &key("quantity"), 1);
                Some(ProductLine {
                    product_name: product_name?,
                    product_price: product_price?,
                    quantity: quantity?,
                })
            })
            .collect();
        parsed.into_iter().collect()
    }
}

/// `"The {attribute} {rule}"`, with the attribute spelled as Laravel displays it.
pub fn message(key: &str, rule: &str) -> String {
    format!("The {} {rule}", key.replace('_', " "))
}
