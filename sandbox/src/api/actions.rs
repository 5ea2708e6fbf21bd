//! The lifecycle actions on one order (API.md §3.7–3.11): complete, authorize, capture,
//! cancel, refund and the shipping status. The state machine lives in `crate::lifecycle`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::HeaderMap,
    routing::post,
};
use protocol::{Envelope, OrderResource, OrderUuid};
use serde_json::{Map, Value};

use super::{ApiError, auth::Authenticated, bodies, checkout::parse_object, earning::LangQuery};
use crate::{
    clock,
    lang::Lang,
    lifecycle::TransitionError,
    state::{AppState, Store},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders/{order_uuid}/complete", post(complete))
        .route("/api/v1/orders/{order_uuid}/authorize", post(authorize))
        .route("/api/v1/orders/{order_uuid}/capture", post(capture))
        .route("/api/v1/orders/{order_uuid}/cancel", post(cancel))
        .route("/api/v1/orders/{order_uuid}/refund", post(refund))
        .route("/api/v1/orders/{order_uuid}/status", post(status))
}

type Answer = Result<Json<Envelope<OrderResource>>, ApiError>;

/// Everything an action handler receives.
struct Call {
    state: AppState,
    merchant: usize,
    uuid: String,
    lang: Lang,
    body: Map<String, Value>,
}

impl Call {
    fn new(
        State(state): State<AppState>,
        auth: Authenticated,
        Path(uuid): Path<String>,
        Query(query): Query<LangQuery>,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Self, ApiError> {
        // Like Laravel's route-model binding, an unknown or foreign order is a 404 before the
        // body is looked at.
        let known = OrderUuid::parse(&uuid).is_some_and(|uuid| {
            state
                .store()
                .orders
                .iter()
                .any(|o| o.merchant == auth.merchant && o.uuid == uuid)
        });
        if !known {
            return Err(ApiError::OrderNotFound);
        }
        // No body at all is an empty one: every field of these endpoints is optional.
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            parse_object(body)?
        };
        Ok(Call {
            state,
            merchant: auth.merchant,
            uuid,
            lang: crate::lang::negotiate(query.lang.as_deref(), headers),
            body,
        })
    }

    /// Finds the order (404 otherwise), runs `change`, answers with the order as it is now.
    fn run(self, change: impl FnOnce(&mut Store, usize) -> Result<(), TransitionError>) -> Answer {
        let uuid = OrderUuid::parse(&self.uuid).ok_or(ApiError::OrderNotFound)?;
        let merchant = self.merchant;
        let lang = self.lang;
        self.state.update(|store| {
            let index = store
                .orders
                .iter()
                .position(|o| o.merchant == merchant && o.uuid == uuid)
                .ok_or(ApiError::OrderNotFound)?;
            change(store, index).map_err(|err| match err {
                TransitionError::NotAllowed(reason) => ApiError::Rule(reason),
                TransitionError::AmountTooLarge(reason) => ApiError::field("amount", reason),
            })?;
            Ok(Json(Envelope::ok(
                store.orders[index].resource(lang, clock::now()),
            )))
        })
    }
}

async fn complete(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    let method = bodies::complete(&call.body).map_err(ApiError::Validation)?;
    call.run(|store, i| store.complete(i, method, clock::now()))
}

async fn authorize(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    call.run(|store, i| store.authorize(i, clock::now()))
}

async fn capture(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    call.run(|store, i| store.capture(i, clock::now()))
}

async fn cancel(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    let reason = bodies::cancel(&call.body).map_err(ApiError::Validation)?;
    call.run(|store, i| store.cancel(i, reason, clock::now()))
}

async fn refund(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    let (amount, reason) = bodies::refund(&call.body).map_err(ApiError::Validation)?;
    call.run(|store, i| store.refund(i, amount, reason, clock::now()).map(drop))
}

async fn status(
    state: State<AppState>,
    auth: Authenticated,
    path: Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let call = Call::new(state, auth, path, query, &headers, &body)?;
    let update = bodies::shipping(&call.body).map_err(ApiError::Validation)?;
    call.run(|store, i| {
        store.update_shipping(i, update, clock::now());
        Ok(())
    })
}
