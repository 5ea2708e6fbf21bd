//! What the outbox holds: one of the three earning requests of API.md §3.4–3.6, parsed at the
//! edge from the JSON the admin API and the CLI take (every field error collected, Points'
//! own rules and messages), and stored as the exact body Points will receive.

use std::fmt;

use protocol::client::{ClientError, Earning, PointsClient, ProductRating, StoreRating};
use protocol::{Earned, FieldErrors, OrderNumber, PhoneNumber, ProductLine, Sar, ShippingAddress};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The most product lines one purchase may carry.
pub const MAX_PRODUCTS: usize = 100;
/// Points' limit on `name`, `product_name` and similar strings.
const MAX_TEXT: usize = 255;
/// Our limit on a rating's comment (Points states none; a review is not an essay).
const MAX_COMMENT: usize = 2000;

/// Which earning endpoint a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Purchase,
    StoreRating,
    ProductRating,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Purchase, Kind::StoreRating, Kind::ProductRating];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Purchase => "purchase",
            Kind::StoreRating => "store_rating",
            Kind::ProductRating => "product_rating",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated earning, ready for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum EarningRequest {
    Purchase(Earning),
    StoreRating(StoreRating),
    ProductRating(ProductRating),
}

impl EarningRequest {
    pub fn kind(&self) -> Kind {
        match self {
            EarningRequest::Purchase(_) => Kind::Purchase,
            EarningRequest::StoreRating(_) => Kind::StoreRating,
            EarningRequest::ProductRating(_) => Kind::ProductRating,
        }
    }

    /// Points' dedupe key: the `order_number` of a purchase, the `review_reference` of a rating.
    pub fn dedup_key(&self) -> &OrderNumber {
        match self {
            EarningRequest::Purchase(e) => &e.order_number,
            EarningRequest::StoreRating(r) => &r.review_reference,
            EarningRequest::ProductRating(r) => &r.review_reference,
        }
    }

    pub fn phone(&self) -> &PhoneNumber {
        match self {
            EarningRequest::Purchase(e) => &e.phone_number,
            EarningRequest::StoreRating(r) => &r.phone_number,
            EarningRequest::ProductRating(r) => &r.phone_number,
        }
    }

    /// The body Points receives, as stored in the outbox.
    pub fn body(&self) -> Value {
        let body = match self {
            EarningRequest::Purchase(e) => serde_json::to_value(e),
            EarningRequest::StoreRating(r) => serde_json::to_value(r),
            EarningRequest::ProductRating(r) => serde_json::to_value(r),
        };
        // Plain data with string keys: serialising cannot fail.
        body.unwrap_or(Value::Null)
    }

    /// Parses `{"kind": "purchase" | "store_rating" | "product_rating", …fields}`, the shape
    /// `POST /admin/earnings` takes; every problem is a field error in dot notation.
    pub fn parse(input: Value) -> Result<Self, FieldErrors> {
        let Value::Object(mut fields) = input else {
            return Err(one("kind", "The request must be a JSON object."));
        };
        let kind = match fields.remove("kind") {
            Some(Value::String(text)) => Kind::parse(&text).ok_or_else(|| {
                one(
                    "kind",
                    "The kind must be purchase, store_rating or product_rating.",
                )
            })?,
            Some(_) => return Err(one("kind", "The kind must be a string.")),
            None => return Err(one("kind", "The kind field is required.")),
        };
        Self::parse_body(kind, fields)
    }

    /// Reads a row back: the stored body under its kind.
    pub fn from_stored(kind: Kind, body: &str) -> Result<Self, String> {
        let fields = match serde_json::from_str(body) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => return Err("the stored request is not a JSON object".into()),
            Err(e) => return Err(format!("the stored request is not JSON: {e}")),
        };
        Self::parse_body(kind, fields).map_err(|errors| format!("the stored request: {errors:?}"))
    }

    fn parse_body(kind: Kind, fields: Map<String, Value>) -> Result<Self, FieldErrors> {
        let fields = Value::Object(fields);
        let unreadable = |e: serde_json::Error| one("request", &e.to_string());
        match kind {
            Kind::Purchase => serde_json::from_value::<PurchaseInput>(fields)
                .map_err(unreadable)?
                .validate()
                .map(EarningRequest::Purchase),
            Kind::StoreRating => serde_json::from_value::<StoreRatingInput>(fields)
                .map_err(unreadable)?
                .validate()
                .map(EarningRequest::StoreRating),
            Kind::ProductRating => serde_json::from_value::<ProductRatingInput>(fields)
                .map_err(unreadable)?
                .validate()
                .map(EarningRequest::ProductRating),
        }
    }

    /// Sends it once, without retries (the outbox retries). `sent_before`: an earlier attempt
    /// may have reached Points, so "already taken" means that attempt recorded it.
    pub(crate) async fn send(
        &self,
        client: &PointsClient,
        sent_before: bool,
    ) -> Result<Earned, ClientError> {
        match (self, sent_before) {
            (EarningRequest::Purchase(e), false) => client.send(e).await,
            (EarningRequest::Purchase(e), true) => client.resend(e).await,
            (EarningRequest::StoreRating(r), false) => client.send(r).await,
            (EarningRequest::StoreRating(r), true) => client.resend(r).await,
            (EarningRequest::ProductRating(r), false) => client.send(r).await,
            (EarningRequest::ProductRating(r), true) => client.resend(r).await,
        }
    }

    /// The `endpoint` label of `/metrics` (as [`crate::telemetry::metrics::endpoint_name`]).
    pub(crate) fn endpoint_name(&self) -> String {
        use crate::telemetry::metrics::endpoint_name;
        match self {
            EarningRequest::Purchase(_) => endpoint_name::<Earning>(),
            EarningRequest::StoreRating(_) => endpoint_name::<StoreRating>(),
            EarningRequest::ProductRating(_) => endpoint_name::<ProductRating>(),
        }
    }
}

/// A JSON amount: a number (`115.5`) or a decimal string (`"115.50"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
    Number(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurchaseInput {
    phone_number: Option<String>,
    total_price: Option<Amount>,
    #[serde(default)]
    products: Option<Vec<ProductInput>>,
    order_number: Option<String>,
    name: Option<String>,
    shipping_amount: Option<Amount>,
    tax_amount: Option<Amount>,
    discount_amount: Option<Amount>,
    shipping_address: Option<ShippingAddress>,
    metadata: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductInput {
    product_name: Option<String>,
    product_price: Option<Amount>,
    quantity: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreRatingInput {
    phone_number: Option<String>,
    review_reference: Option<String>,
    rating: Option<i64>,
    comment: Option<String>,
    metadata: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductRatingInput {
    phone_number: Option<String>,
    review_reference: Option<String>,
    product_id: Option<String>,
    product_name: Option<String>,
    rating: Option<i64>,
    comment: Option<String>,
    metadata: Option<Value>,
}

/// Collects field errors while a request is checked.
#[derive(Default)]
struct Check {
    errors: FieldErrors,
}

impl Check {
    fn error(&mut self, field: &str, message: &str) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.to_owned());
    }

    fn phone(&mut self, value: Option<String>) -> Option<PhoneNumber> {
        match value.as_deref().map(str::trim) {
            None | Some("") => {
                self.error("phone_number", "The phone number field is required.");
                None
            }
            Some(text) => PhoneNumber::parse(text)
                .map_err(|e| self.error("phone_number", &e.to_string()))
                .ok(),
        }
    }

    fn key(&mut self, field: &str, value: Option<String>) -> Option<OrderNumber> {
        let label = field.replace('_', " ");
        match value {
            None => {
                self.error(field, &format!("The {label} field is required."));
                None
            }
            Some(text) => OrderNumber::parse(&text)
                .map_err(|e| {
                    // The parser words its messages for `order_number`.
                    let message = e.to_string().replace("order number", &label);
                    self.error(field, &message);
                })
                .ok(),
        }
    }

    fn amount(&mut self, field: &str, value: Option<Amount>) -> Option<Sar> {
        let parsed = match value? {
            Amount::Number(n) => Sar::from_f64(n),
            Amount::Text(text) => Sar::parse(&text),
        };
        parsed
            .map_err(|e| self.error(field, &format!("The {}: {e}.", field.replace('_', " "))))
            .ok()
    }

    fn required_amount(&mut self, field: &str, value: Option<Amount>) -> Option<Sar> {
        if value.is_none() {
            self.error(
                field,
                &format!("The {} field is required.", field.replace('_', " ")),
            );
            return None;
        }
        self.amount(field, value)
    }

    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let text = value
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())?;
        if text.chars().count() > max {
            self.error(
                field,
                &format!(
                    "The {} may not be greater than {max} characters.",
                    field.replace('_', " ")
                ),
            );
        }
        Some(text)
    }

    fn rating(&mut self, value: Option<i64>) -> Option<u8> {
        let rating = value?;
        match u8::try_from(rating).ok().filter(|r| (1..=5).contains(r)) {
            Some(rating) => Some(rating),
            None => {
                self.error("rating", "The rating must be between 1 and 5.");
                None
            }
        }
    }

    fn metadata(&mut self, value: Option<Value>) -> Option<Value> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(Value::Object(map)),
            Some(_) => {
                self.error("metadata", "The metadata must be an object.");
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

impl PurchaseInput {
    fn validate(self) -> Result<Earning, FieldErrors> {
        let mut check = Check::default();
        let phone = check.phone(self.phone_number);
        let order_number = check.key("order_number", self.order_number);
        let total = check.required_amount("total_price", self.total_price);
        let products = self.products.unwrap_or_default();
        if products.is_empty() {
            check.error("products", "The products must have at least 1 items.");
        }
        if products.len() > MAX_PRODUCTS {
            check.error(
                "products",
                &format!("The products may not have more than {MAX_PRODUCTS} items."),
            );
        }
        let mut lines = Vec::with_capacity(products.len());
        for (i, product) in products.into_iter().enumerate().take(MAX_PRODUCTS) {
            let name = check.text(
                &format!("products.{i}.product_name"),
                product.product_name,
                MAX_TEXT,
            );
            if name.is_none() {
                check.error(
                    &format!("products.{i}.product_name"),
                    "The product name field is required.",
                );
            }
            let price = check.required_amount(
                &format!("products.{i}.product_price"),
                product.product_price,
            );
            let quantity = match product.quantity {
                Some(q) if (1..=i64::from(u32::MAX)).contains(&q) => u32::try_from(q).ok(),
                Some(_) => {
                    check.error(
                        &format!("products.{i}.quantity"),
                        "The quantity must be at least 1.",
                    );
                    None
                }
                None => {
                    check.error(
                        &format!("products.{i}.quantity"),
                        "The quantity field is required.",
                    );
                    None
                }
            };
            if let (Some(product_name), Some(product_price), Some(quantity)) =
                (name, price, quantity)
            {
                lines.push(ProductLine {
                    product_name,
                    product_price,
                    quantity,
                });
            }
        }
        let name = check.text("name", self.name, MAX_TEXT);
        let shipping_amount = check.amount("shipping_amount", self.shipping_amount);
        let tax_amount = check.amount("tax_amount", self.tax_amount);
        let discount_amount = check.amount("discount_amount", self.discount_amount);
        let metadata = check.metadata(self.metadata);
        let earning = match (phone, order_number, total) {
            (Some(phone), Some(order_number), Some(total)) => Some(Earning {
                name,
                shipping_amount,
                tax_amount,
                discount_amount,
                shipping_address: self.shipping_address,
                metadata,
                ..Earning::new(order_number, phone, total, lines)
            }),
            _ => None,
        };
        check.finish(earning)
    }
}

impl StoreRatingInput {
    fn validate(self) -> Result<StoreRating, FieldErrors> {
        let mut check = Check::default();
        let phone = check.phone(self.phone_number);
        let key = check.key("review_reference", self.review_reference);
        let rating = check.rating(self.rating);
        let comment = check.text("comment", self.comment, MAX_COMMENT);
        let metadata = check.metadata(self.metadata);
        let request = match (phone, key) {
            (Some(phone_number), Some(review_reference)) => Some(StoreRating {
                phone_number,
                review_reference,
                rating,
                comment,
                metadata,
            }),
            _ => None,
        };
        check.finish(request)
    }
}

impl ProductRatingInput {
    fn validate(self) -> Result<ProductRating, FieldErrors> {
        let mut check = Check::default();
        let phone = check.phone(self.phone_number);
        let key = check.key("review_reference", self.review_reference);
        let product_id = check.text("product_id", self.product_id, MAX_TEXT);
        if product_id.is_none() {
            check.error("product_id", "The product id field is required.");
        }
        let product_name = check.text("product_name", self.product_name, MAX_TEXT);
        let rating = check.rating(self.rating);
        let comment = check.text("comment", self.comment, MAX_COMMENT);
        let metadata = check.metadata(self.metadata);
        let request = match (phone, key, product_id) {
            (Some(phone_number), Some(review_reference), Some(product_id)) => Some(ProductRating {
                phone_number,
                review_reference,
                product_id,
                product_name,
                rating,
                comment,
                metadata,
            }),
            _ => None,
        };
        check.finish(request)
    }
}

fn one(field: &str, message: &str) -> FieldErrors {
    FieldErrors::from([(field.to_owned(), vec![message.to_owned()])])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors_of(input: Value) -> Vec<String> {
        EarningRequest::parse(input)
            .expect_err("invalid")
            .into_keys()
            .collect()
    }

    #[test]
    fn a_purchase_parses_and_round_trips_through_its_stored_body() {
        let request = EarningRequest::parse(json!({
            "kind": "purchase", "order_number": "#SALE-1", "phone_number": "+966 512-345-678",
            "total_price": "115.00", "products": [{"product_name": "Cappuccino",
            "product_price": 57.5, "quantity": 2}], "metadata": {"branch": "RUH-01"}
        }))
        .expect("valid");
        assert_eq!(request.kind(), Kind::Purchase);
        assert_eq!(request.dedup_key().as_str(), "SALE-1");
        assert_eq!(request.phone().expose(), "512345678");
        let body = request.body();
        assert_eq!(body["total_price"], json!(115.0));
        assert_eq!(body.get("kind"), None, "the kind is ours, not Points'");
        let stored = EarningRequest::from_stored(Kind::Purchase, &body.to_string());
        assert_eq!(stored, Ok(request));
    }

    #[test]
    fn ratings_parse_with_their_own_keys() {
        let store = EarningRequest::parse(json!({
            "kind": "store_rating", "review_reference": "REV-1", "phone_number": "0512345678",
            "rating": 5
        }))
        .expect("valid");
        assert_eq!(store.kind(), Kind::StoreRating);
        assert_eq!(store.dedup_key().as_str(), "REV-1");
        let product = EarningRequest::parse(json!({
            "kind": "product_rating", "review_reference": "REV-2", "phone_number": "512345678",
            "product_id": "oud-50"
        }))
        .expect("valid");
        assert_eq!(
            EarningRequest::from_stored(Kind::ProductRating, &product.body().to_string()),
            Ok(product)
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(errors_of(json!({})), ["kind"]);
        assert_eq!(errors_of(json!({"kind": "refund"})), ["kind"]);
        assert_eq!(
            errors_of(json!({"kind": "purchase"})),
            ["order_number", "phone_number", "products", "total_price"]
        );
        assert_eq!(
            errors_of(
                json!({"kind": "purchase", "order_number": "A", "phone_number": "123",
                "total_price": -1, "products": [{"product_name": "", "product_price": "1.234",
                "quantity": 0}]})
            ),
            [
                "phone_number",
                "products.0.product_name",
                "products.0.product_price",
                "products.0.quantity",
                "total_price"
            ]
        );
        assert_eq!(
            errors_of(json!({"kind": "store_rating", "review_reference": "R",
                "phone_number": "512345678", "rating": 6, "metadata": [1]})),
            ["metadata", "rating"]
        );
        assert_eq!(
            errors_of(json!({"kind": "product_rating", "review_reference": "R",
                "phone_number": "512345678"})),
            ["product_id"]
        );
        assert_eq!(
            errors_of(json!({"kind": "store_rating", "review_reference": "R",
                "phone_number": "512345678", "points": 100})),
            ["request"],
            "unknown fields are refused: the caller never sends points"
        );
    }
}
