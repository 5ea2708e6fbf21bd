//! The wire types of the endpoints beyond checkout (API.md §3.4–3.13): what earning answers,
//! the enums of the lifecycle bodies, webhook resources and their Laravel page, and the
//! integration status. Plain serde types, usable without the `client` feature.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{OrderNumber, OrderResource, Sar, WebhookSecret, order::is_canonical_uuid};

/// `payment_method` of `POST /v1/orders/{uuid}/complete` (API.md §3.7): a numeric string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Visa,
    Mada,
    ApplePay,
    Mastercard,
    Tabby,
    Dashboard,
    BankTransfer,
    Wallet,
    Cash,
    Tamara,
}

impl PaymentMethod {
    const ALL: [PaymentMethod; 10] = [
        PaymentMethod::Visa,
        PaymentMethod::Mada,
        PaymentMethod::ApplePay,
        PaymentMethod::Mastercard,
        PaymentMethod::Tabby,
        PaymentMethod::Dashboard,
        PaymentMethod::BankTransfer,
        PaymentMethod::Wallet,
        PaymentMethod::Cash,
        PaymentMethod::Tamara,
    ];

    /// `"1"` (VISA) … `"10"` (Tamara).
    pub fn code(self) -> u8 {
        let index = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        u8::try_from(index + 1).unwrap_or(1)
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }
}

impl Serialize for PaymentMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code().to_string())
    }
}

/// Shipping status (API.md §5.3), sent by name in `POST /v1/orders/{uuid}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingStatus {
    New,
    LicenseInProgress,
    ReadyShipping,
    DeliveryIsInProgress,
    Delivered,
    Cancelled,
}

impl ShippingStatus {
    /// Every shipping status, in Points' order (`new` = 1 … `cancelled` = 6).
    pub const ALL: [ShippingStatus; 6] = [
        ShippingStatus::New,
        ShippingStatus::LicenseInProgress,
        ShippingStatus::ReadyShipping,
        ShippingStatus::DeliveryIsInProgress,
        ShippingStatus::Delivered,
        ShippingStatus::Cancelled,
    ];

    /// The name Points gives it (`ready_shipping`, API.md §3.10), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShippingStatus::New => "new",
            ShippingStatus::LicenseInProgress => "license_in_progress",
            ShippingStatus::ReadyShipping => "ready_shipping",
            ShippingStatus::DeliveryIsInProgress => "delivery_is_in_progress",
            ShippingStatus::Delivered => "delivered",
            ShippingStatus::Cancelled => "cancelled",
        }
    }

    /// A status by its exact name; `None` for a name Points has not defined.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// A status by its backed integer (`OrderResource.status`); `None` outside 1…6.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The backed integer `OrderResource.status` carries (API.md §12: `new`=1 … `cancelled`=6).
    pub fn code(self) -> u8 {
        match self {
            ShippingStatus::New => 1,
            ShippingStatus::LicenseInProgress => 2,
            ShippingStatus::ReadyShipping => 3,
            ShippingStatus::DeliveryIsInProgress => 4,
            ShippingStatus::Delivered => 5,
            ShippingStatus::Cancelled => 6,
        }
    }
}

/// What an earning call (purchase, store rating, product rating) achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum Earned {
    /// Points recorded it now: an `approved` earning order.
    Recorded(Box<OrderResource>),
    /// The customer has not activated their account: queued, credited on activation (§3.1).
    PendingActivation(PendingEarning),
    /// A retry met `422 "… has already been taken"` on the dedupe key: an earlier attempt
    /// (whose answer was lost) recorded it. Nothing was awarded twice.
    AlreadyRecorded { order_number: OrderNumber },
}

impl<'de> Deserialize<'de> for Earned {
    /// The `data` of a 200: the order, or the pending-activation variant.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Data {
            Pending {
                #[allow(dead_code)]
                pending_client_activation: bool,
                pending_earning_order: PendingEarning,
            },
            Order(Box<OrderResource>),
        }
        Ok(match Data::deserialize(deserializer)? {
            Data::Pending {
                pending_earning_order,
                ..
            } => Earned::PendingActivation(pending_earning_order),
            Data::Order(order) => Earned::Recorded(order),
        })
    }
}

/// `pending_earning_order` of the PendingEarningResponse (API.md §3.1). No uuid yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEarning {
    pub id: u64,
    pub merchant_order_number: OrderNumber,
    pub total_price: Sar,
    pub total_points: u64,
}

/// A registered webhook's uuid (the `{webhookUuid}` of §3.12's paths).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookUuid(String);

impl WebhookUuid {
    pub fn parse(input: &str) -> Option<Self> {
        is_canonical_uuid(input).then(|| WebhookUuid(input.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for WebhookUuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WebhookUuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        WebhookUuid::parse(&raw).ok_or_else(|| serde::de::Error::custom("invalid webhook uuid"))
    }
}

/// The webhook object (API.md §3.12). `secret` is what Points will send in `X-Webhook-Secret`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookResource {
    pub uuid: WebhookUuid,
    pub merchant_id: u64,
    pub name: String,
    pub url: String,
    #[serde(deserialize_with = "secret")]
    pub secret: WebhookSecret,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<WebhookSecret, D::Error> {
    String::deserialize(deserializer).map(WebhookSecret::new)
}

/// A Laravel-paginated list: `data` plus the top-level `meta` (API.md §2, §3.12); reads the
/// whole envelope.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    #[serde(rename = "data")]
    pub items: Vec<T>,
    pub meta: PageMeta,
}

/// Laravel's `meta`; `from`/`to` are null on an empty page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageMeta {
    pub current_page: u64,
    pub last_page: u64,
    pub per_page: u64,
    pub total: u64,
    #[serde(default)]
    pub from: Option<u64>,
    #[serde(default)]
    pub to: Option<u64>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.meta.current_page < self.meta.last_page
    }
}

/// `data` of `POST /v1/integration/status` (API.md §3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationStatus {
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipping_names_and_codes_agree_with_serde() {
        for (index, status) in ShippingStatus::ALL.into_iter().enumerate() {
            let json = serde_json::to_string(&status).expect("json");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(ShippingStatus::parse(status.as_str()), Some(status));
            assert_eq!(usize::from(status.code()), index + 1);
            assert_eq!(ShippingStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(ShippingStatus::parse("shipped"), None);
        assert_eq!(ShippingStatus::from_code(0), None);
        assert_eq!(ShippingStatus::from_code(7), None);
    }

    #[test]
    fn payment_methods_are_numeric_strings() {
        assert_eq!(
            serde_json::to_string(&PaymentMethod::Visa).expect("json"),
            "\"1\""
        );
        assert_eq!(PaymentMethod::Tamara.code(), 10);
        assert_eq!(PaymentMethod::from_code(2), Some(PaymentMethod::Mada));
        assert_eq!(PaymentMethod::from_code(0), None);
        assert_eq!(PaymentMethod::from_code(11), None);
    }

    #[test]
    fn earning_data_reads_both_variants() {
        let pending = r#"{"pending_client_activation":true,"pending_earning_order":
            {"id":99,"merchant_order_number":"SALE-2026-0021","total_price":115.0,"total_points":1150}}"#;
        let earned: Earned = serde_json::from_str(pending).expect("pending parses");
        assert!(
            matches!(earned, Earned::PendingActivation(ref p) if p.total_points == 1150),
            "{earned:?}"
        );
        let order = r#"{"id":42,"uuid":"550e8400-e29b-41d4-a716-446655440000","reference_number":null,
            "order_status":"approved","order_number":"SALE-2026-0021","type":1,"total_price":115.0,
            "total_points":2300,"metadata":null,"created_at":"2026-04-18T10:00:00Z"}"#;
        let earned: Earned = serde_json::from_str(order).expect("order parses");
        assert!(matches!(earned, Earned::Recorded(ref o) if o.total_points == 2300));
    }

    #[test]
    fn a_webhook_resource_keeps_its_secret_out_of_debug() {
        let body = r#"{"uuid":"550e8400-e29b-41d4-a716-446655440000","merchant_id":7,"name":"Orders",
            "url":"https://shop.example/webhooks/points","secret":"abc123def456",
            "created_at":"2024-12-23T10:00:00.000Z","updated_at":"2024-12-23T15:30:00.000Z"}"#;
        let hook: WebhookResource = serde_json::from_str(body).expect("parses");
        assert_eq!(hook.secret.expose(), "abc123def456");
        assert!(!format!("{hook:?}").contains("abc123"));
    }
}
