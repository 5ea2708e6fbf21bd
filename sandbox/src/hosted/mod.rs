//! The Points-hosted checkout the shopper is sent to (API.md §4, §12).
//!
//! - `GET /checkout/{sessionId}` (`?lang=en` for English; Arabic, RTL by default)
//! - `POST /checkout/{sessionId}/approve` → `approved`, then `303` to `callback_url`
//! - `POST /checkout/{sessionId}/cancel` → `cancelled`, then `303` to `callback_url`
//! - `GET|POST /checkout/{sessionId}/phone`, `/otp` (+ `POST /otp/resend`), `/welcome`,
//!   `/redeem`, `/confirm`, `/card`: the step-by-step redemption of [`steps`]
//! - `GET /checkout/assets/{file}`
//!
//! The return to the store appends `order_number`, `uuid` and `status` to `callback_url`,
//! keeping its own query parameters (API.md §12).

mod assets;
mod page;
mod steps;
mod text;

use axum::{
    Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use protocol::OrderStatus;
use serde::Deserialize;
use url::Url;

use crate::{
    clock,
    lang::Lang,
    order::Order,
    session::{Decision, REASON_PAYMENT_FAILED, SessionView},
    state::AppState,
};
use page::Message;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/assets/{file}", get(assets::serve))
        .route("/checkout/{session_id}", get(show))
        .route("/checkout/{session_id}/approve", post(approve))
        .route("/checkout/{session_id}/cancel", post(cancel))
        .route(
            "/checkout/{session_id}/phone",
            get(steps::phone_page).post(steps::phone_submit),
        )
        .route(
            "/checkout/{session_id}/otp",
            get(steps::otp_page).post(steps::otp_submit),
        )
        .route("/checkout/{session_id}/otp/resend", post(steps::otp_resend))
        .route(
            "/checkout/{session_id}/welcome",
            get(steps::welcome_page).post(steps::welcome_submit),
        )
        .route(
            "/checkout/{session_id}/redeem",
            get(steps::redeem_page).post(steps::redeem_submit),
        )
        .route(
            "/checkout/{session_id}/confirm",
            get(steps::confirm_page).post(steps::confirm_submit),
        )
        .route(
            "/checkout/{session_id}/card",
            get(steps::card_page).post(steps::card_submit),
        )
}

/// Where the shopper goes back to: `callback_url` plus `order_number`, `uuid` and `status`.
pub fn return_url(order: &Order, status: &str) -> Option<Url> {
    let mut url = order.callback_url()?.clone();
    url.query_pairs_mut()
        .append_pair("order_number", order.order_number.as_str())
        .append_pair("uuid", order.uuid.as_str())
        .append_pair("status", status);
    Some(url)
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
    /// On the phone page: the shopper asked to enter another number.
    pub change: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    let view = state.update(|store| store.session_view(&session_id, clock::now()));
    render(lang, &view)
}

async fn approve(
    state: State<AppState>,
    session_id: Path<String>,
    query: Query<LangQuery>,
    form: Bytes,
) -> Response {
    decide(state, session_id, query, form, Decision::Approve)
}

async fn cancel(
    state: State<AppState>,
    session_id: Path<String>,
    query: Query<LangQuery>,
    form: Bytes,
) -> Response {
    decide(state, session_id, query, form, Decision::Cancel)
}

fn decide(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
    decision: Decision,
) -> Response {
    // The language travels in a hidden form field; a `?lang=` on the action works too.
    let lang = url::form_urlencoded::parse(&form)
        .find(|(key, _)| key == "lang")
        .map(|(_, value)| Lang::from_param(Some(&value)))
        .unwrap_or_else(|| Lang::from_param(query.lang.as_deref()));
    let result = state.update(|store| store.decide(&session_id, decision, clock::now()));
    let order = match result {
        Ok(order) => order,
        Err(view) => return render(lang, &view),
    };
    let (status, kind) = match decision {
        Decision::Approve => ("approved", Message::Success),
        Decision::Cancel => ("cancelled", Message::Cancelled),
    };
    tracing::info!(order = %order.uuid, status, "hosted checkout decided");
    match return_url(&order, status) {
        Some(url) => Redirect::to(url.as_str()).into_response(),
        None => html(
            StatusCode::OK,
            page::message(lang, kind, Some(&order), None),
        ),
    }
}

fn render(lang: Lang, view: &SessionView) -> Response {
    match view {
        SessionView::Open {
            session,
            order,
            merchant_name,
        } => html(
            StatusCode::OK,
            page::checkout(lang, &session.id, order, merchant_name),
        ),
        SessionView::Expired { order } => {
            let back = return_url(order, "cancelled");
            let body = page::message(lang, Message::Expired, Some(order), back.as_ref());
            html(StatusCode::GONE, body)
        }
        SessionView::Finished { order } => {
            let status = match (order.status, order.cancel_reason.as_deref()) {
                (OrderStatus::Cancelled, Some(REASON_PAYMENT_FAILED)) => "failed",
                (OrderStatus::Cancelled, _) => "cancelled",
                _ => "approved",
            };
            let back = return_url(order, status);
            let body = page::message(lang, Message::Completed, Some(order), back.as_ref());
            html(StatusCode::OK, body)
        }
        SessionView::Superseded => html(
            StatusCode::GONE,
            page::message(lang, Message::Superseded, None, None),
        ),
        SessionView::Unknown => html(
            StatusCode::NOT_FOUND,
            page::message(lang, Message::NotFound, None, None),
        ),
    }
}

/// An HTML response with the headers every hosted page carries.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // No `form-action`: the approve/cancel posts redirect to the merchant's own origin.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
             frame-ancestors 'none'",
        ),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
