//! `POST /api/checkout`: price the cart from the catalog, store the order, open a Points
//! checkout session with the public key, answer the hosted page's URL.
//!
//! The local order is written first, so a webhook can never arrive for an order we do not
//! know, and a failure at Points leaves a `pending` order rather than nothing.
//!
//! With an `Idempotency-Key` header a retry is safe: the same key and body answer the same order
//! and `checkout_url` without a second Points session (a double-click waits for the first
//! request), the same key with another body is a 409. Keys live in the database, so this holds
//! across restarts and across server instances.

use axum::extract::{FromRequest, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use protocol::client::CreateCheckout;
use protocol::{CheckoutRequest, OrderNumber, PhoneNumber, ProductLine, Sar};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::idempotency::{self as key, Held};
use crate::catalog::{Catalog, Lang};
use crate::db::{self, idempotency, orders};
use crate::error::FieldErrors;
use crate::order_number;
use crate::{ApiError, AppState};

/// The most of one product in a cart.
pub const MAX_QUANTITY: i64 = 99;
/// The most lines in a cart.
pub const MAX_LINES: usize = 50;

/// The request body. Prices are never accepted from the client.
#[derive(Debug, Deserialize)]
pub struct CheckoutBody {
    #[serde(default)]
    pub items: Vec<CartItem>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CartItem {
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub quantity: i64,
}

/// The response body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckoutCreated {
    pub order_number: String,
    pub checkout_url: String,
}

/// A cart priced from the catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct PricedLine {
    sku: String,
    name: String,
    unit_halalas: u64,
    quantity: u32,
}

#[derive(Debug)]
struct ValidCheckout {
    lines: Vec<PricedLine>,
    total: Sar,
    lang: Lang,
    phone: Option<PhoneNumber>,
}

/// JSON in, with rejections in our error shape.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

async fn create_checkout(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(raw): ApiJson<Value>,
) -> Result<Json<CheckoutCreated>, ApiError> {
    let key = key::from_headers(&headers)?;
    let request_hash = key::hash_request(&raw);
    let body: CheckoutBody = serde_json::from_value(raw).map_err(|e| ApiError::Validation {
        message: e.to_string(),
        fields: FieldErrors::new(),
    })?;
    let checkout = validate(state.catalog(), body)?;
    let created = match key {
        None => {
            let (id, order_number) = insert_order(&state, &checkout).await?;
            open_session(&state, id, order_number, &checkout).await?
        }
        Some(key) => idempotent_checkout(&state, &key, &request_hash, &checkout).await?,
    };
    Ok(Json(created))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/checkout", post(create_checkout))
}

/// Opens the Points session for a stored order and records its URL.
async fn open_session(
    state: &AppState,
    id: i64,
    order_number: OrderNumber,
    checkout: &ValidCheckout,
) -> Result<CheckoutCreated, ApiError> {
    // Config::validate proved this works; a failure here is ours, so it stays opaque.
    let callback_url = state
        .config
        .callback_url(&order_number)
        .map_err(|e| ApiError::Internal(format!("building the callback URL: {e:#}")))?;
    let request = CheckoutRequest {
        total_price: checkout.total,
        order_number: order_number.clone(),
        phone_number: checkout.phone.clone(),
        name: None,
        shipping_amount: None,
        tax_amount: None,
        discount_amount: None,
        shipping_address: None,
        products: Some(
            checkout
                .lines
                .iter()
                .map(|line| ProductLine {
                    product_name: line.name.clone(),
                    product_price: Sar::from_halalas(line.unit_halalas),
                    quantity: line.quantity,
                })
                .collect(),
        ),
        metadata: None,
        callback_url: Some(callback_url.to_string()),
    };
    let session = state
        .metrics
        .call(&state.points, &CreateCheckout(request))
        .await?;
    orders::set_checkout_url(&*state.db, id, &session.checkout_url, &db::now()).await?;
    // The phone's Display is masked (`5*****678`): support can match a ticket, nobody can read it.
    tracing::info!(
        %order_number,
        total = %checkout.total,
        phone = checkout.phone.as_ref().map(tracing::field::display),
        "checkout session created"
    );
    Ok(CheckoutCreated {
        order_number: order_number.to_string(),
        checkout_url: session.checkout_url,
    })
}

/// A checkout under an `Idempotency-Key`: the first request holds the key and does the work;
/// a retry with the same body waits for it and gets the same answer; another body is a 409.
async fn idempotent_checkout(
    state: &AppState,
    key: &str,
    request_hash: &str,
    checkout: &ValidCheckout,
) -> Result<CheckoutCreated, ApiError> {
    let existing = match key::hold(state, key, request_hash).await? {
        Held::Replay(stored) => {
            return serde_json::from_str(&stored)
                .map_err(|e| ApiError::Internal(format!("stored response: {e}")));
        }
        Held::Holding { order_number } => order_number,
    };
    let result = async {
        let (id, order_number) = match existing {
            // A previous attempt created the order and then failed: Points answers a repeated
            // `order_number` on an open checkout with a new URL for the same order (API.md §12).
            Some(number) => {
                let order = orders::find_by_number(&*state.db, &number)
                    .await?
                    .ok_or_else(|| {
                        ApiError::Internal(format!("idempotent order {number} is gone"))
                    })?;
                (order.id, order.order_number)
            }
            None => {
                let (id, number) = insert_order(state, checkout).await?;
                idempotency::set_order(&*state.db, key, number.as_str()).await?;
                (id, number)
            }
        };
        open_session(state, id, order_number, checkout).await
    }
    .await;
    match result {
        Ok(created) => {
            let response = serde_json::to_string(&created)
                .map_err(|e| ApiError::Internal(format!("serialising the response: {e}")))?;
            let completed = idempotency::complete(&*state.db, key, &response).await;
            key::finished(key);
            completed?;
            Ok(created)
        }
        Err(error) => {
            if let Err(e) = idempotency::release(&*state.db, key).await {
                tracing::error!(error = %e, "could not release an idempotency key");
            }
            key::finished(key);
            Err(error)
        }
    }
}

/// Stores the pending order under a fresh number; a collision (40 random bits) just draws again.
async fn insert_order(
    state: &AppState,
    checkout: &ValidCheckout,
) -> Result<(i64, OrderNumber), ApiError> {
    let items_json = serde_json::to_string(&checkout.lines)
        .map_err(|e| ApiError::Internal(format!("serialising the cart: {e}")))?;
    let items_json = items_json.as_str();
    let mut attempts = 0;
    loop {
        let order_number = order_number::generate(OffsetDateTime::now_utc());
        let new = orders::NewOrder {
            order_number: &order_number,
            total: checkout.total,
            lang: checkout.lang,
            items_json,
        };
        match orders::insert(&*state.db, &new, &db::now()).await {
            Ok(id) => return Ok((id, order_number)),
            Err(orders::InsertError::Taken) if attempts < 3 => attempts += 1,
            Err(orders::InsertError::Taken) => {
                return Err(ApiError::Internal(
                    "could not draw a free order number".into(),
                ));
            }
            Err(orders::InsertError::Db(e)) => return Err(e.into()),
        }
    }
}

/// Checks the cart and prices it, collecting every field error.
fn validate(catalog: &Catalog, body: CheckoutBody) -> Result<ValidCheckout, ApiError> {
    let mut errors = FieldErrors::new();
    let mut error = |field: String, message: &str| {
        errors.entry(field).or_default().push(message.to_owned());
    };

    let lang = match body.lang.as_deref() {
        None => Lang::default(),
        Some(text) => Lang::parse(text).unwrap_or_else(|| {
            error("lang".into(), "The lang must be ar or en.");
            Lang::default()
        }),
    };
    let phone = match body.phone_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => PhoneNumber::parse(text)
            .map_err(|e| error("phone_number".into(), &e.to_string()))
            .ok(),
    };
    if body.items.is_empty() {
        error("items".into(), "The cart is empty.");
    }
    if body.items.len() > MAX_LINES {
        error(
            "items".into(),
            &format!("The cart may not have more than {MAX_LINES} lines."),
        );
    }

    let mut lines = Vec::with_capacity(body.items.len());
    let mut total = Some(Sar::ZERO);
    for (index, item) in body.items.iter().enumerate().take(MAX_LINES) {
        let product = catalog.get(item.sku.trim());
        if product.is_none() {
            error(format!("items.{index}.sku"), "Unknown product.");
        }
        let quantity = u32::try_from(item.quantity)
            .ok()
            .filter(|q| (1..=MAX_QUANTITY).contains(&i64::from(*q)));
        if quantity.is_none() {
            error(
                format!("items.{index}.quantity"),
                &format!("The quantity must be between 1 and {MAX_QUANTITY}."),
            );
        }
        if let (Some(product), Some(quantity)) = (product, quantity) {
            total =
                total.and_then(|t| t.checked_add(product.price.checked_mul(u64::from(quantity))?));
            lines.push(PricedLine {
                sku: product.sku.clone(),
                name: product.name.get(lang).to_owned(),
                unit_halalas: product.price.halalas(),
                quantity,
            });
        }
    }
    let Some(total) = total else {
        error("items".into(), "The cart total is too large.");
        return Err(ApiError::fields(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    Ok(ValidCheckout {
        lines,
        total,
        lang,
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_json(
            r#"{"products":[{"sku":"oud-50","name":{"ar":"عود","en":"Oud"},"price":"150.75"},
                            {"sku":"musk","name":{"ar":"مسك","en":"Musk"},"price":"39.50"}]}"#,
        )
        .expect("catalog")
    }

    fn body(json: &str) -> CheckoutBody {
        serde_json::from_str(json).expect("body")
    }

    fn fields_of(result: Result<ValidCheckout, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation { fields, .. }) => fields.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn prices_the_cart_from_the_catalog() {
        let valid = validate(
            &catalog(),
            body(r#"{"items":[{"sku":"oud-50","quantity":2},{"sku":"musk","quantity":1}],"lang":"en"}"#),
        )
        .expect("valid");
        assert_eq!(valid.total, Sar::from_halalas(2 * 15075 + 3950));
        assert_eq!(valid.lines[0].name, "Oud");
        assert_eq!(valid.lang, Lang::En);
    }

    #[test]
    fn reports_every_bad_field_in_dot_notation() {
        let result = validate(
            &catalog(),
            body(
                r#"{"items":[{"sku":"nope","quantity":1},{"sku":"oud-50","quantity":0},
                             {"sku":"musk","quantity":100}],"lang":"fr","phone_number":"123"}"#,
            ),
        );
        assert_eq!(
            fields_of(result),
            [
                "items.0.sku",
                "items.1.quantity",
                "items.2.quantity",
                "lang",
                "phone_number"
            ]
        );
        assert_eq!(fields_of(validate(&catalog(), body("{}"))), ["items"]);
    }
}
