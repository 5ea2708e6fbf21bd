//! Orders: identifiers, statuses, the checkout request and the order resource (API.md §3, §5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{PhoneNumber, Sar};

/// The merchant's own order reference. A leading `#` is stripped, as Points does on checkout,
/// together with the blanks around it and any `#` after it, so the stored form parses to
/// itself: `"## 1"` and `"#1"` and `"1"` are one order number, `"1"` (found by fuzzing: with
/// only one `#` stripped, `"##"` was stored as `"#"`, which does not parse at all).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseOrderNumberError {
    #[error("The order number field is required.")]
    Empty,
    #[error("The order number may not be greater than 255 characters.")]
    TooLong,
    #[error("The order number may only contain printable characters.")]
    Control,
}

impl OrderNumber {
    pub fn parse(input: &str) -> Result<Self, ParseOrderNumberError> {
        let trimmed = input
            .trim_start_matches(|c: char| c == '#' || c.is_whitespace())
            .trim_end();
        if trimmed.is_empty() {
            return Err(ParseOrderNumberError::Empty);
        }
        if trimmed.chars().count() > 255 {
            return Err(ParseOrderNumberError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ParseOrderNumberError::Control);
        }
        Ok(OrderNumber(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Points order uuid (the `{orderUuid}` of every order path; `order.id` in webhooks).
/// Stored lower-case, hyphenated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderUuid(String);

impl OrderUuid {
    pub fn parse(input: &str) -> Option<Self> {
        is_canonical_uuid(input).then(|| OrderUuid(input.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `8-4-4-4-12` hex digits, either case.
pub(crate) fn is_canonical_uuid(input: &str) -> bool {
    let bytes = input.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

macro_rules! string_newtype_serde {
    ($ty:ident, $parse:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $parse(&raw)
            }
        }
    };
}
string_newtype_serde!(OrderNumber, |raw: &str| OrderNumber::parse(raw)
    .map_err(serde::de::Error::custom));
string_newtype_serde!(OrderUuid, |raw: &str| OrderUuid::parse(raw)
    .ok_or_else(|| serde::de::Error::custom("invalid order uuid")));

/// The financial status of an order (`order_status`, API.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    New,
    Approved,
    Authorized,
    Captured,
    Cancelled,
    FullyRefunded,
    PartiallyRefunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Approved => "approved",
            OrderStatus::Authorized => "authorized",
            OrderStatus::Captured => "captured",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::FullyRefunded => "fully_refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }

    /// Settled states: the shopper has paid (points redeemed, remainder charged or reserved).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Approved | OrderStatus::Authorized | OrderStatus::Captured
        )
    }
}

/// `type` of an order: an integer in API responses, a string in webhooks (API.md §11.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderType {
    Earning,
    Replacing,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Earning => "earning",
            OrderType::Replacing => "replacing",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            OrderType::Earning => 1,
            OrderType::Replacing => 2,
        }
    }
}

impl Serialize for OrderType {
    /// As the API resource carries it: `1` or `2`. Webhooks serialise [`OrderType::as_str`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for OrderType {
    /// Accepts both forms, since the two halves of the API disagree.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) if n.as_u64() == Some(1) => Ok(OrderType::Earning),
            serde_json::Value::Number(n) if n.as_u64() == Some(2) => Ok(OrderType::Replacing),
            serde_json::Value::String(s) if s == "earning" => Ok(OrderType::Earning),
            serde_json::Value::String(s) if s == "replacing" => Ok(OrderType::Replacing),
            other => Err(serde::de::Error::custom(format!(
                "unknown order type {other}"
            ))),
        }
    }
}

/// A line of a cart (`ProductLine`, API.md §3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductLine {
    pub product_name: String,
    pub product_price: Sar,
    pub quantity: u32,
}

/// `ShippingAddress` (API.md §3.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShippingAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
}

/// Body of `POST /v1/orders/checkout/{publicKey}` (API.md §3.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub total_price: Sar,
    pub order_number: OrderNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_amount: Option<Sar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<Sar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Sar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<ShippingAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ProductLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

/// `data` of a successful checkout: only the hosted page's URL, no order uuid (API.md §3.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    pub checkout_url: String,
}

/// `OrderResource`, the `data` of every order response (API.md §3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderResource {
    pub id: u64,
    pub uuid: OrderUuid,
    pub reference_number: Option<String>,
    pub order_status: OrderStatus,
    #[serde(default)]
    pub status_label: Option<String>,
    #[serde(default)]
    pub custom_status: Option<serde_json::Value>,
    pub order_number: OrderNumber,
    #[serde(rename = "type")]
    pub order_type: OrderType,
    pub total_price: Sar,
    pub total_points: u64,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub settlement_status: Option<String>,
    /// Shipping status as Points' backed integer (API.md §12: `new`=1 … `cancelled`=6).
    #[serde(default)]
    pub status: Option<serde_json::Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub items: Option<Vec<ProductLine>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_lose_a_leading_hash_and_reject_blank() {
        assert_eq!(
            OrderNumber::parse("#ORD-1").map(|o| o.0),
            Ok("ORD-1".to_owned())
        );
        assert_eq!(OrderNumber::parse("  "), Err(ParseOrderNumberError::Empty));
        assert_eq!(OrderNumber::parse("#"), Err(ParseOrderNumberError::Empty));
        assert_eq!(
            OrderNumber::parse("a\nb"),
            Err(ParseOrderNumberError::Control)
        );
        assert_eq!(
            OrderNumber::parse(&"x".repeat(256)),
            Err(ParseOrderNumberError::TooLong)
        );
    }

    #[test]
    fn an_order_number_parses_to_itself() {
        // Regression (fuzz target return_params): "## " became "#", which then failed.
        for input in ["## ", "##1", "# #1", " #\t# PK-1 ", "#  1", "1 #", "PK-1"] {
            let Ok(parsed) = OrderNumber::parse(input) else {
                assert_eq!(input, "## ", "only the all-hash input is empty");
                continue;
            };
            assert_eq!(
                OrderNumber::parse(parsed.as_str()).as_ref(),
                Ok(&parsed),
                "{input:?} → {parsed:?}"
            );
        }
        assert_eq!(OrderNumber::parse("## "), Err(ParseOrderNumberError::Empty));
        assert_eq!(OrderNumber::parse("##1").map(|o| o.0), Ok("1".to_owned()));
        assert_eq!(
            OrderNumber::parse(" #\t# PK-1 ").map(|o| o.0),
            Ok("PK-1".to_owned())
        );
        assert_eq!(OrderNumber::parse("1 #").map(|o| o.0), Ok("1 #".to_owned()));
    }

    #[test]
    fn uuids_must_have_the_canonical_shape() {
        assert!(OrderUuid::parse("550e8400-e29b-41d4-a716-446655440000").is_some());
        assert_eq!(
            OrderUuid::parse("550E8400-E29B-41D4-A716-446655440000").map(|u| u.0),
            Some("550e8400-e29b-41d4-a716-446655440000".to_owned())
        );
        assert!(OrderUuid::parse("550e8400e29b41d4a716446655440000").is_none());
        assert!(OrderUuid::parse("../../etc/passwd").is_none());
    }

    #[test]
    fn reads_the_documented_order_resource() {
        let body = r#"{"id":42,"uuid":"550e8400-e29b-41d4-a716-446655440000","reference_number":"REF-2024-001234",
          "order_status":"approved","status_label":"خرج للتوصيل","custom_status":{"ar":"خرج للتوصيل","en":"Out for delivery"},
          "order_number":"ORD-2024-001234","type":1,"total_price":150.5,"total_points":1505,"metadata":{"source":"mobile_app"},
          "date":"2024-12-23T00:00:00.000Z","time":"10:00:00","since":"2 hours ago","settlement_status":"settled","status":1,
          "created_at":"2024-12-23T10:00:00.000Z","updated_at":"2024-12-23T15:30:00.000Z",
          "items":[{"product_name":"Cappuccino","product_price":18.5,"quantity":2}]}"#;
        let order: OrderResource = serde_json::from_str(body).expect("documented example parses");
        assert_eq!(order.order_status, OrderStatus::Approved);
        assert_eq!(order.order_type, OrderType::Earning);
        assert_eq!(order.total_price, Sar::from_halalas(15050));
    }

    #[test]
    fn checkout_request_rejects_a_bad_phone_at_the_edge() {
        let body = r#"{"total_price":10,"order_number":"A1","phone_number":"12345"}"#;
        assert!(serde_json::from_str::<CheckoutRequest>(body).is_err());
    }
}
