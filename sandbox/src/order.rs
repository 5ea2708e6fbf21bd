//! An order as the sandbox keeps it, and the two ways it goes out on the wire: the API's
//! `OrderResource` (API.md §3.1) and a webhook's `order` object (API.md §6.3).

use protocol::{
    OrderNumber, OrderResource, OrderStatus, OrderType, OrderUuid, PhoneNumber, ProductLine, Sar,
    ShippingAddress,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use url::Url;

use crate::{clock, lang::Lang};

/// Halalas per redeemed point: 1 point = 0.03 SAR (API.md §12).
const HALALAS_PER_POINT: u64 = 3;

/// One order of one merchant.
#[derive(Debug, Clone)]
pub struct Order {
    /// Points' internal integer id ("do not rely on it").
    pub id: u64,
    pub uuid: OrderUuid,
    /// Index of the owning merchant in the store.
    pub merchant: usize,
    pub reference_number: String,
    pub order_number: OrderNumber,
    pub order_type: OrderType,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub total_price: Sar,
    /// For a replacing order: the points redeemed (API.md §12); 0 until settled.
    pub total_points: u64,
    pub metadata: Option<Value>,
    pub items: Option<Vec<ProductLine>>,
    pub checkout: CheckoutDetails,
    /// Why the order was cancelled; sent as `reason` in the `cancelled` webhook.
    pub cancel_reason: Option<String>,
    /// Shipping status as Points' backed integer; 1 (`new`) on creation (API.md §12).
    pub shipping_status: u8,
    /// The merchant's own bilingual shipping label (API.md §3.10).
    pub custom_status: Option<CustomStatus>,
    /// SAR refunded so far (API.md §12: what remains can still be refunded).
    pub refunded_amount: Sar,
    /// Points reversed or returned by refunds so far.
    pub refunded_points: u64,
    /// Whether `POST /complete` has run (a replacing order completes once).
    pub completed: bool,
    /// `payment_method` recorded by `POST /complete` (API.md §3.7).
    pub payment_method: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// `custom_status`: the merchant's label in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomStatus {
    pub ar: String,
    pub en: String,
}

/// What the checkout request carried beyond the order itself; the hosted pages use it.
#[derive(Debug, Clone, Default)]
pub struct CheckoutDetails {
    pub phone_number: Option<PhoneNumber>,
    pub name: Option<String>,
    pub shipping_amount: Option<Sar>,
    pub tax_amount: Option<Sar>,
    pub discount_amount: Option<Sar>,
    pub shipping_address: Option<ShippingAddress>,
    pub callback_url: Option<Url>,
}

/// `payment_status` of a webhook (API.md §5.2). An order nothing has been paid on yet is not
/// fully paid, so it reports `partially_paid`: Points documents no third value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    FullyPaid,
    PartiallyPaid,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::FullyPaid => "fully_paid",
            PaymentStatus::PartiallyPaid => "partially_paid",
        }
    }
}

impl Order {
    /// A fresh order in `new`; [`crate::state::Store::push_order`] gives it its id.
    pub fn new(
        merchant: usize,
        order_type: OrderType,
        order_number: OrderNumber,
        total_price: Sar,
        now: OffsetDateTime,
    ) -> Self {
        Order {
            id: 0,
            uuid: OrderUuid::parse(&uuid::Uuid::new_v4().to_string())
                .unwrap_or_else(|| unreachable!("uuid v4 is canonical")),
            merchant,
            reference_number: String::new(),
            order_number,
            order_type,
            status: OrderStatus::New,
            payment_status: PaymentStatus::PartiallyPaid,
            total_price,
            total_points: 0,
            metadata: None,
            items: None,
            checkout: CheckoutDetails::default(),
            cancel_reason: None,
            shipping_status: 1,
            custom_status: None,
            refunded_amount: Sar::ZERO,
            refunded_points: 0,
            completed: false,
            payment_method: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// SAR that can still be refunded.
    pub fn refundable(&self) -> Sar {
        self.total_price
            .checked_sub(self.refunded_amount)
            .unwrap_or(Sar::ZERO)
    }

    /// The resolved shipping label: the custom one in `lang`, else the enum's.
    pub fn status_label(&self, lang: Lang) -> String {
        match (&self.custom_status, lang) {
            (Some(custom), Lang::Ar) => custom.ar.clone(),
            (Some(custom), Lang::En) => custom.en.clone(),
            (None, _) => shipping_label(self.shipping_status, lang).to_owned(),
        }
    }

    /// The API's `OrderResource`; `status_label` in `lang`.
    pub fn resource(&self, lang: Lang, now: OffsetDateTime) -> OrderResource {
        OrderResource {
            id: self.id,
            uuid: self.uuid.clone(),
            reference_number: Some(self.reference_number.clone()),
            order_status: self.status,
            status_label: Some(self.status_label(lang)),
            custom_status: self
                .custom_status
                .as_ref()
                .map(|c| json!({ "ar": c.ar, "en": c.en })),
            order_number: self.order_number.clone(),
            order_type: self.order_type,
            total_price: self.total_price,
            total_points: self.total_points,
            metadata: self.metadata.clone(),
            date: Some(clock::date(self.created_at)),
            time: Some(clock::time_of_day(self.created_at)),
            since: Some(clock::since(self.created_at, now)),
            settlement_status: None,
            status: Some(Value::from(self.shipping_status)),
            created_at: Some(clock::iso(self.created_at)),
            updated_at: Some(clock::iso(self.updated_at)),
            items: self.items.clone(),
        }
    }

    /// The `order` object of a webhook. Built by hand rather than from
    /// `protocol::WebhookOrder` so that absent extras are absent, not `null`.
    pub fn webhook_order(&self) -> Value {
        let mut order = json!({
            "id": self.uuid.as_str(),
            "reference_number": self.reference_number,
            "order_number": self.order_number.as_str(),
            "type": self.order_type.as_str(),
            "total_price": self.total_price.as_f64(),
            "total_points": self.total_points,
            "payment_status": self.payment_status.as_str(),
            "order_status": self.status.as_str(),
            "metadata": self.metadata,
            "created_at": clock::iso(self.created_at),
            "updated_at": clock::iso(self.updated_at),
        });
        if let (Some(reason), Value::Object(fields)) = (&self.cancel_reason, &mut order) {
            fields.insert("reason".into(), Value::from(reason.as_str()));
        }
        order
    }

    pub fn callback_url(&self) -> Option<&Url> {
        self.checkout.callback_url.as_ref()
    }
}

/// Points needed to redeem `amount` in full, rounded up: 224 SAR = 7,467 points.
pub fn redemption_points(amount: Sar) -> u64 {
    amount.halalas().div_ceil(HALALAS_PER_POINT)
}

/// The shipping status label (API.md §12: English labels; Arabic from the sandbox's table).
pub fn shipping_label(status: u8, lang: Lang) -> &'static str {
    const LABELS: [(&str, &str); 6] = [
        ("New", "جديد"),
        ("License in progress", "قيد الترخيص"),
        ("Ready for shipping", "جاهز للشحن"),
        ("Out for delivery", "خرج للتوصيل"),
        ("Delivered", "تم التوصيل"),
        ("Cancelled", "ملغي"),
    ];
    let (en, ar) = LABELS[usize::from(status.clamp(1, 6)) - 1];
    match lang {
        Lang::En => en,
        Lang::Ar => ar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redemption_matches_the_official_screenshots() {
        assert_eq!(redemption_points(Sar::from_halalas(22_400)), 7_467);
        assert_eq!(redemption_points(Sar::from_halalas(15_000)), 5_000);
        assert_eq!(redemption_points(Sar::ZERO), 0);
        assert_eq!(redemption_points(Sar::from_halalas(1)), 1);
    }

    #[test]
    fn shipping_labels_follow_the_table() {
        assert_eq!(shipping_label(1, Lang::En), "New");
        assert_eq!(shipping_label(4, Lang::En), "Out for delivery");
        assert_eq!(shipping_label(4, Lang::Ar), "خرج للتوصيل");
        assert_eq!(shipping_label(6, Lang::En), "Cancelled");
    }
}
