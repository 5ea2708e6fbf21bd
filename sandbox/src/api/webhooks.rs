//! Webhook management (API.md §3.12): list (Laravel-paginated), create, show, PUT, PATCH,
//! DELETE. Writes need a verified merchant; a duplicate URL is a `400`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ApiError, auth::Authenticated, bodies, checkout::parse_object, rules::Required};
use crate::{
    clock,
    state::{AppState, Webhook},
};

const DEFAULT_PER_PAGE: usize = 15;
const DUPLICATE: &str = "webhook already exists for this URL";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(create))
        .route(
            "/api/v1/webhooks/{webhook_uuid}",
            get(show).put(replace).patch(replace).delete(remove),
        )
}

#[derive(Debug, Deserialize)]
struct Paging {
    per_page: Option<String>,
    page: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(paging): Query<Paging>,
) -> Result<Json<Value>, ApiError> {
    let per_page = positive(paging.per_page.as_deref(), "per_page", DEFAULT_PER_PAGE)?;
    let page = positive(paging.page.as_deref(), "page", 1)?;
    let store = state.store();
    let merchant = &store.merchants[auth.merchant];
    let total = merchant.webhooks.len();
    let last_page = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let data: Vec<Value> = merchant.webhooks[start..end]
        .iter()
        .map(|w| webhook_json(auth.merchant, w))
        .collect();
    let path = format!("{}/api/v1/webhooks", state.public_url());
    let link = |n: usize| Value::from(format!("{path}?page={n}"));
    let (from, to) = if start < end {
        (json!(start + 1), json!(end))
    } else {
        (Value::Null, Value::Null)
    };
    Ok(Json(json!({
        "status": true, "message": "", "appended_data": {},
        "data": data,
        "links": {
            "first": link(1),
            "last": link(last_page),
            "prev": if page > 1 { link(page - 1) } else { Value::Null },
            "next": if page < last_page { link(page + 1) } else { Value::Null },
        },
        "meta": {
            "current_page": page, "from": from, "last_page": last_page, "path": path,
            "per_page": per_page, "to": to, "total": total,
        },
    })))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = auth.require_verified(&state)?;
    let (name, url) =
        bodies::webhook(&parse_object(&body)?, Required::Yes).map_err(ApiError::Validation)?;
    let (Some(name), Some(url)) = (name, url) else {
        return Err(ApiError::MalformedBody("name and url are required".into()));
    };
    let mut store = state.store();
    let hooks = &mut store.merchants[auth.merchant].webhooks;
    if hooks.iter().any(|w| w.url == url) {
        return Err(ApiError::Rule(DUPLICATE.into()));
    }
    let mut webhook = Webhook::new(url, crate::config::generate_secret(), clock::now());
    webhook.name = name;
    hooks.push(webhook.clone());
    tracing::info!(merchant = auth.merchant, webhook = %webhook.uuid, "webhook registered");
    Ok(Json(envelope(webhook_json(auth.merchant, &webhook))))
}

async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let index = find(&store, auth.merchant, &uuid)?;
    let webhook = &store.merchants[auth.merchant].webhooks[index];
    Ok(Json(envelope(webhook_json(auth.merchant, webhook))))
}

/// PUT and PATCH: both replace the fields given and keep the others (API.md §3.12).
async fn replace(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = auth.require_verified(&state)?;
    let index = find(&state.store(), auth.merchant, &uuid)?;
    let (name, url) =
        bodies::webhook(&parse_object(&body)?, Required::No).map_err(ApiError::Validation)?;
    let mut store = state.store();
    let hooks = &mut store.merchants[auth.merchant].webhooks;
    if let Some(url) = &url
        && hooks
            .iter()
            .enumerate()
            .any(|(i, w)| i != index && &w.url == url)
    {
        return Err(ApiError::Rule(DUPLICATE.into()));
    }
    let webhook = hooks.get_mut(index).ok_or(ApiError::WebhookNotFound)?;
    if let Some(name) = name {
        webhook.name = name;
    }
    if let Some(url) = url {
        webhook.url = url;
    }
    webhook.updated_at = clock::now();
    Ok(Json(envelope(webhook_json(auth.merchant, webhook))))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let auth = auth.require_verified(&state)?;
    let mut store = state.store();
    let index = find(&store, auth.merchant, &uuid)?;
    store.merchants[auth.merchant].webhooks.remove(index);
    Ok(Json(
        json!({ "status": true, "message": "", "appended_data": {} }),
    ))
}

fn find(store: &crate::state::Store, merchant: usize, uuid: &str) -> Result<usize, ApiError> {
    let uuid = Uuid::parse_str(uuid).map_err(|_| ApiError::WebhookNotFound)?;
    store
        .webhook_index(merchant, uuid)
        .ok_or(ApiError::WebhookNotFound)
}

/// A query integer ≥ 1, or the default; anything else is a 422 on `key`.
fn positive(raw: Option<&str>, key: &str, default: usize) -> Result<usize, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            Ok(_) => Err(ApiError::field(
                key,
                super::rules::message(key, "must be at least 1."),
            )),
            Err(_) => Err(ApiError::field(
                key,
                super::rules::message(key, "must be an integer."),
            )),
        },
    }
}

/// The webhook object of API.md §3.12; `merchant_id` is the merchant's position + 1.
pub fn webhook_json(merchant: usize, webhook: &Webhook) -> Value {
    json!({
        "uuid": webhook.uuid,
        "merchant_id": merchant + 1,
        "name": webhook.name,
        "url": webhook.url.as_str(),
        "secret": webhook.secret.expose(),
        "created_at": clock::iso(webhook.created_at),
        "updated_at": clock::iso(webhook.updated_at),
    })
}

fn envelope(data: Value) -> Value {
    json!({ "status": true, "message": "", "appended_data": {}, "data": data })
}
