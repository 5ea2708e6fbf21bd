//! The three earning endpoints (API.md §3.4–3.6): serialised per merchant by a lock (a
//! concurrent call gets `429`), idempotent on `order_number` / `review_reference` (`422`), and
//! the pending-activation variant for customers who have not activated (§3.1, §12).

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Query, State},
    http::HeaderMap,
    routing::post,
};
use protocol::{OrderNumber, OrderStatus, OrderType, PhoneNumber, ProductLine, Sar, WebhookEvent};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ApiError,
    auth::Authenticated,
    bodies::{self, RatingKind},
    checkout::parse_object,
};
use crate::{
    clock,
    customers::Account,
    lang::Lang,
    order::{CheckoutDetails, Order, PaymentStatus},
    state::{AppState, PendingEarning, Store},
};

/// Store rating: 25 points flat (API.md §12).
pub const STORE_RATING_POINTS: u64 = 25;
/// Product rating: 10 points flat (API.md §12).
pub const PRODUCT_RATING_POINTS: u64 = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/earning", post(purchase))
        .route("/api/v1/orders/earning/store-rating", post(store_rating))
        .route(
            "/api/v1/orders/earning/product-rating",
            post(product_rating),
        )
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// What an earning call records, whichever channel it came from.
struct NewEarning {
    phone: PhoneNumber,
    order_number: OrderNumber,
    /// `order_number` or `review_reference`: the key a duplicate's 422 names.
    key: &'static str,
    total_price: Sar,
    points: Points,
    items: Option<Vec<ProductLine>>,
    name: Option<String>,
    shipping_address: Option<protocol::ShippingAddress>,
    metadata: Option<Value>,
}

enum Points {
    Purchase,
    Flat(u64),
}

async fn purchase(
    state: State<AppState>,
    auth: Authenticated,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = precheck(&state, auth)?;
    let body = bodies::earning(&parse_object(&body)?).map_err(ApiError::Validation)?;
    let earning = NewEarning {
        phone: body.phone,
        order_number: body.order_number,
        key: "order_number",
        total_price: body.total_price,
        points: Points::Purchase,
        items: Some(body.products),
        name: body.name,
        shipping_address: body.shipping_address,
        metadata: body.metadata,
    };
    record(state, auth, earning, query, headers).await
}

async fn store_rating(
    state: State<AppState>,
    auth: Authenticated,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    rating(state, auth, query, headers, body, RatingKind::Store).await
}

async fn product_rating(
    state: State<AppState>,
    auth: Authenticated,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    rating(state, auth, query, headers, body, RatingKind::Product).await
}

async fn rating(
    state: State<AppState>,
    auth: Authenticated,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
    kind: RatingKind,
) -> Result<Json<Value>, ApiError> {
    let auth = precheck(&state, auth)?;
    let body = bodies::rating(&parse_object(&body)?, kind).map_err(ApiError::Validation)?;
    let flat = match kind {
        RatingKind::Store => STORE_RATING_POINTS,
        RatingKind::Product => PRODUCT_RATING_POINTS,
    };
    let earning = NewEarning {
        phone: body.phone,
        order_number: body.review_reference,
        key: "review_reference",
        total_price: Sar::ZERO,
        points: Points::Flat(flat),
        items: None,
        name: None,
        shipping_address: None,
        metadata: body.metadata,
    };
    record(state, auth, earning, query, headers).await
}

/// `403`s come before the body is read: verified, then earning enabled.
fn precheck(state: &AppState, auth: Authenticated) -> Result<Authenticated, ApiError> {
    let auth = auth.require_verified(state)?;
    if state.store().merchants[auth.merchant].earning_enabled {
        Ok(auth)
    } else {
        Err(ApiError::EarningDisabled)
    }
}

/// Takes the merchant's lock, waits the configured processing delay, records the earning.
async fn record(
    State(state): State<AppState>,
    auth: Authenticated,
    earning: NewEarning,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let lock = EarningLock::acquire(&state, auth.merchant)?;
    let delay = state.store().merchants[auth.merchant].earning_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let lang = crate::lang::negotiate(query.lang.as_deref(), &headers);
    let result = state.update(|store| store.earn(auth.merchant, earning, lang));
    drop(lock);
    result.map(Json)
}

/// The per-merchant earning lock; released on drop, even if the client goes away.
struct EarningLock {
    state: AppState,
    merchant: usize,
}

impl EarningLock {
    fn acquire(state: &AppState, merchant: usize) -> Result<Self, ApiError> {
        let mut store = state.store();
        let locked = &mut store.merchants[merchant].earning_locked;
        if *locked {
            return Err(ApiError::EarningLocked);
        }
        *locked = true;
        Ok(EarningLock {
            state: state.clone(),
            merchant,
        })
    }
}

impl Drop for EarningLock {
    fn drop(&mut self) {
        self.state.store().merchants[self.merchant].earning_locked = false;
    }
}

impl Store {
    /// Records an earning: a 422 for a reused key, the pending variant for a customer who has
    /// not activated, else an `approved` order, credited points and the `approved` webhook.
    fn earn(
        &mut self,
        merchant: usize,
        earning: NewEarning,
        lang: Lang,
    ) -> Result<Value, ApiError> {
        let taken =
            self.order_index_by_number(merchant, &earning.order_number)
                .is_some()
                || self.pending_earnings.iter().any(|p| {
                    p.merchant == merchant && p.order.order_number == earning.order_number
                });
        if taken {
            return Err(ApiError::field(
                earning.key,
                format!(
                    "The {} has already been taken.",
                    earning.key.replace('_', " ")
                ),
            ));
        }
        let now = clock::now();
        let points = match earning.points {
            Points::Flat(points) => points,
            Points::Purchase => self.purchase_points(
                merchant,
                earning.total_price,
                earning.items.as_deref().unwrap_or_default(),
            ),
        };
        let mut order = Order::new(
            merchant,
            OrderType::Earning,
            earning.order_number,
            earning.total_price,
            now,
        );
        order.total_points = points;
        order.metadata = earning.metadata;
        order.items = earning.items;
        order.checkout = CheckoutDetails {
            name: earning.name,
            shipping_address: earning.shipping_address,
            phone_number: Some(earning.phone.clone()),
            ..CheckoutDetails::default()
        };
        let phone = earning.phone.expose().to_owned();
        if self.customer(&phone).account != Account::Active {
            self.next_pending_id += 1;
            let id = self.next_pending_id;
            let response = json!({
                "pending_client_activation": true,
                "pending_earning_order": {
                    "id": id,
                    "merchant_order_number": order.order_number.as_str(),
                    "total_price": order.total_price.as_f64(),
                    "total_points": order.total_points,
                },
            });
            self.pending_earnings.push(PendingEarning {
                id,
                merchant,
                phone,
                order,
            });
            return Ok(envelope(response));
        }
        let index = self.settle_earning(order, now);
        Ok(envelope(json!(self.orders[index].resource(lang, now))))
    }

    /// Approves an earning order, credits the customer and fires `approved`.
    pub fn settle_earning(&mut self, mut order: Order, now: time::OffsetDateTime) -> usize {
        order.status = OrderStatus::Approved;
        order.payment_status = PaymentStatus::FullyPaid;
        order.updated_at = now;
        let phone = order
            .checkout
            .phone_number
            .as_ref()
            .map(|p| p.expose().to_owned());
        let points = order.total_points;
        let index = self.push_order(order);
        if let Some(phone) = phone {
            self.customer_mut(&phone).points += points;
        }
        self.notify(WebhookEvent::Approved, index, now);
        index
    }

    /// Activates a customer: their pending earnings become approved orders (API.md §12).
    /// Returns the indices of the orders created.
    pub fn activate_customer(&mut self, phone: &str, now: time::OffsetDateTime) -> Vec<usize> {
        self.customer_mut(phone).account = Account::Active;
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_earnings)
            .into_iter()
            .partition(|p| p.phone == phone);
        self.pending_earnings = rest;
        mine.into_iter()
            .map(|pending| {
                let mut order = pending.order;
                order.created_at = now;
                self.settle_earning(order, now)
            })
            .collect()
    }

    /// floor(total × multiplier), except products with a configured point value, which earn
    /// that value × quantity instead of their share of the total (API.md §12).
    fn purchase_points(&self, merchant: usize, total: Sar, items: &[ProductLine]) -> u64 {
        let merchant = &self.merchants[merchant];
        let mut rest = total;
        let mut fixed = 0u64;
        for line in items {
            if let Some(points) = merchant.product_points.get(&line.product_name) {
                fixed += points * u64::from(line.quantity);
                let subtotal = line
                    .product_price
                    .checked_mul(u64::from(line.quantity))
                    .unwrap_or(rest);
                rest = rest.checked_sub(subtotal).unwrap_or(Sar::ZERO);
            }
        }
        rest.points_at(merchant.multiplier) + fixed
    }
}

fn envelope(data: Value) -> Value {
    json!({ "status": true, "message": "", "appended_data": {}, "data": data })
}
