//! The control API's switches and faults: merchant switches, injected API and delivery faults,
//! replays, merchant-level events, customer activation and a look at the whole state.

use std::{collections::HashMap, net::IpAddr, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    routing::{get, patch, post},
};
use protocol::{OrderUuid, PhoneNumber, WebhookEvent};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ControlError, invalid, order_json};
use crate::{
    clock,
    faults::{ApiFault, DeliveryFault},
    state::AppState,
    webhooks::{self, Notification, WebhookTimestamps},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/state", get(state_view))
        .route("/_sandbox/merchants", post(create_merchant))
        .route("/_sandbox/merchants/{public_key}", patch(update_merchant))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/_sandbox/webhook-faults",
            get(list_delivery_faults)
                .post(add_delivery_fault)
                .delete(clear_delivery_faults),
        )
        .route("/_sandbox/deliveries/{id}/replay", post(replay))
        .route("/_sandbox/orders/{uuid}/auto-refund", post(auto_refund))
        .route(
            "/_sandbox/merchants/{public_key}/events/{event}",
            post(merchant_event),
        )
        .route("/_sandbox/customers/{phone}", get(customer))
        .route("/_sandbox/customers/{phone}/activate", post(activate))
}

#[derive(Deserialize)]
struct NewMerchant {
    name: String,
    public_key: String,
    private_key: String,
    multiplier: Option<u64>,
}

/// Adds a merchant with its two keys; keys must be new and non-empty.
async fn create_merchant(
    State(state): State<AppState>,
    Json(body): Json<NewMerchant>,
) -> Result<Json<Value>, ControlError> {
    let (public_key, private_key) = (body.public_key.trim(), body.private_key.trim());
    if public_key.is_empty() || private_key.is_empty() {
        return Err(invalid("public_key", "Both keys must be non-empty".into()));
    }
    let mut store = state.store();
    if store.merchant_by_public_key(public_key).is_some()
        || store.merchant_by_private_key(private_key).is_some()
    {
        return Err(invalid(
            "public_key",
            "A merchant already uses this key".into(),
        ));
    }
    let mut config = crate::config::MerchantConfig::new(body.name, public_key, private_key);
    if let Some(multiplier) = body.multiplier {
        config.multiplier = multiplier;
    }
    store.add_merchant(config, clock::now());
    let merchant = store
        .merchants
        .last()
        .map(merchant_json)
        .unwrap_or_default();
    tracing::info!(public_key, "merchant created");
    Ok(Json(merchant))
}

#[derive(Debug, Deserialize)]
struct MerchantPatch {
    verified: Option<bool>,
    earning_enabled: Option<bool>,
    /// Present and `null`: remove the allow-list.
    #[serde(default, deserialize_with = "double_option")]
    ip_allow_list: Option<Option<Vec<IpAddr>>>,
    earning_delay_ms: Option<u64>,
    multiplier: Option<u64>,
    product_points: Option<HashMap<String, u64>>,
    /// `"micros"` (the default), `"seconds"` or `"seconds_space"`.
    webhook_timestamps: Option<WebhookTimestamps>,
    omit_left_amount: Option<bool>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Vec<IpAddr>>>, D::Error> {
    Option::<Vec<IpAddr>>::deserialize(deserializer).map(Some)
}

async fn update_merchant(
    State(state): State<AppState>,
    Path(public_key): Path<String>,
    Json(patch): Json<MerchantPatch>,
) -> Result<Json<Value>, ControlError> {
    let mut store = state.store();
    let index = store
        .merchant_by_public_key(&public_key)
        .ok_or(ControlError::UnknownMerchant)?;
    let merchant = &mut store.merchants[index];
    if let Some(verified) = patch.verified {
        merchant.verified = verified;
    }
    if let Some(enabled) = patch.earning_enabled {
        merchant.earning_enabled = enabled;
    }
    if let Some(list) = patch.ip_allow_list {
        merchant.ip_allow_list = list;
    }
    if let Some(ms) = patch.earning_delay_ms {
        merchant.earning_delay = Duration::from_millis(ms);
    }
    if let Some(multiplier) = patch.multiplier {
        merchant.multiplier = multiplier;
    }
    if let Some(points) = patch.product_points {
        merchant.product_points = points;
    }
    if let Some(timestamps) = patch.webhook_timestamps {
        merchant.webhook_style.timestamps = timestamps;
    }
    if let Some(omit) = patch.omit_left_amount {
        merchant.webhook_style.omit_left_amount = omit;
    }
    Ok(Json(merchant_json(merchant)))
}

fn merchant_json(m: &crate::state::Merchant) -> Value {
    json!({
        "public_key": m.public_key,
        "name": m.name,
        "verified": m.verified,
        "earning_enabled": m.earning_enabled,
        "ip_allow_list": m.ip_allow_list,
        "earning_delay_ms": u64::try_from(m.earning_delay.as_millis()).unwrap_or(u64::MAX),
        "earning_locked": m.earning_locked,
        "multiplier": m.multiplier,
        "product_points": m.product_points,
        "integration_active": m.integration_active,
        "webhooks": m.webhooks.len(),
        "webhook_timestamps": m.webhook_style.timestamps,
        "omit_left_amount": m.webhook_style.omit_left_amount,
    })
}

async fn state_view(State(state): State<AppState>) -> Json<Value> {
    let store = state.store();
    let customers: serde_json::Map<String, Value> = store
        .customers
        .iter()
        .map(|(phone, c)| {
            let masked = PhoneNumber::parse(phone).map_or_else(|_| "?".into(), |p| p.masked());
            (
                masked,
                json!({ "points": c.points, "account": c.account.as_str() }),
            )
        })
        .collect();
    Json(json!({
        "merchants": store.merchants.iter().map(merchant_json).collect::<Vec<_>>(),
        "orders": store.orders.len(),
        "sessions": store.sessions.len(),
        "deliveries": store.deliveries.len(),
        "customers": customers,
        "pending_earnings": store.pending_earnings.iter().map(|p| json!({
            "id": p.id,
            "merchant": store.merchants[p.merchant].public_key,
            "order_number": p.order.order_number.as_str(),
            "total_points": p.order.total_points,
        })).collect::<Vec<_>>(),
        "faults": store.faults.pending,
        "webhook_faults": store.delivery_faults.pending,
        "held_notifications": store.delivery_faults.held.len(),
    }))
}

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.store().faults.pending))
}

async fn add_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let fault: ApiFault =
        serde_json::from_slice(&body).map_err(|e| invalid("fault", e.to_string()))?;
    if fault.count == 0 {
        return Err(invalid("count", "The count must be at least 1.".into()));
    }
    let mut store = state.store();
    store.faults.pending.push(fault);
    Ok(Json(json!(store.faults.pending)))
}

async fn clear_faults(State(state): State<AppState>) -> Json<Value> {
    state.store().faults.pending.clear();
    Json(json!([]))
}

async fn list_delivery_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.store().delivery_faults.pending))
}

async fn add_delivery_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let fault: DeliveryFault =
        serde_json::from_slice(&body).map_err(|e| invalid("fault", e.to_string()))?;
    if fault.count == 0 {
        return Err(invalid("count", "The count must be at least 1.".into()));
    }
    let mut store = state.store();
    store.delivery_faults.pending.push_back(fault);
    Ok(Json(json!(store.delivery_faults.pending)))
}

async fn clear_delivery_faults(State(state): State<AppState>) -> Json<Value> {
    let held = {
        let mut store = state.store();
        store.delivery_faults.pending.clear();
        std::mem::take(&mut store.delivery_faults.held)
    };
    // Held notifications are not lost by clearing: they go out now.
    for notification in held {
        webhooks::dispatch(&state, notification);
    }
    Json(json!([]))
}

async fn replay(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<Value>, ControlError> {
    let notification = {
        let store = state.store();
        let record = store
            .deliveries
            .iter()
            .find(|d| d.id == id)
            .ok_or(ControlError::UnknownDelivery)?;
        let hook = store
            .merchants
            .iter()
            .flat_map(|m| m.webhooks.iter())
            .find(|w| w.uuid == record.webhook_uuid)
            .ok_or(ControlError::UnknownDelivery)?;
        Notification::replay(record, hook)
    };
    webhooks::dispatch(&state, notification);
    Ok(Json(json!({ "replayed": id })))
}

async fn auto_refund(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let uuid = OrderUuid::parse(&uuid).ok_or(ControlError::UnknownOrder)?;
    let id = state.update(|store| {
        let index = store
            .orders
            .iter()
            .position(|o| o.uuid == uuid)
            .ok_or(ControlError::UnknownOrder)?;
        store
            .auto_refund(index, clock::now())
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        Ok::<_, ControlError>(store.orders[index].id)
    })?;
    Ok(Json(order_json(&state.store(), id)))
}

async fn merchant_event(
    State(state): State<AppState>,
    Path((public_key, event)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let event = match WebhookEvent::parse(&event) {
        e if e.is_merchant_level() => e,
        _ => {
            return Err(invalid(
                "event",
                "Only debt_exceeded and low_balance_warning are merchant events".into(),
            ));
        }
    };
    let data = if body.is_empty() {
        json!({ "current_balance": "1500.00", "order_points": "2000.00",
                "balance_after_order": "-500.00", "max_debt_allowed": "0.00" })
    } else {
        serde_json::from_slice(&body).map_err(|e| invalid("data", e.to_string()))?
    };
    state.update(|store| {
        let index = store
            .merchant_by_public_key(&public_key)
            .ok_or(ControlError::UnknownMerchant)?;
        let now = clock::now();
        let merchant = &store.merchants[index];
        let timestamps = merchant.webhook_style.timestamps;
        let summary = json!({
            "id": index + 1, "name": merchant.name,
            "created_at": timestamps.stamp(now), "updated_at": timestamps.stamp(now),
        });
        if !merchant.webhooks.is_empty() {
            let hooks = &merchant.webhooks;
            let n = Notification::merchant_event(event, summary, data, hooks, timestamps, now);
            store.outbox.push(n);
        }
        Ok::<_, ControlError>(())
    })?;
    Ok(Json(json!({ "fired": true })))
}

async fn customer(
    State(state): State<AppState>,
    Path(phone): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let phone = PhoneNumber::parse(&phone).map_err(|e| invalid("phone", e.to_string()))?;
    let store = state.store();
    let customer = store.customer(phone.expose());
    Ok(Json(json!({
        "phone": phone.masked(),
        "points": customer.points,
        "account": customer.account.as_str(),
        // `false`: the phone is new to Points and the hosted checkout will onboard it.
        "known": store.knows(phone.expose()),
    })))
}

async fn activate(
    State(state): State<AppState>,
    Path(phone): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let phone = PhoneNumber::parse(&phone).map_err(|e| invalid("phone", e.to_string()))?;
    let orders = state.update(|store| {
        let created = store.activate_customer(phone.expose(), clock::now());
        created
            .into_iter()
            .map(|i| store.orders[i].uuid.as_str().to_owned())
            .collect::<Vec<_>>()
    });
    Ok(Json(
        json!({ "activated": phone.masked(), "orders": orders }),
    ))
}
