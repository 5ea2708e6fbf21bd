//! Fault injection for tests (control API): the next N calls of an endpoint answer 429 / 500 or
//! hang, and the next N webhook notifications are delayed, duplicated, dropped or reordered.

use std::{collections::VecDeque, time::Duration};

use axum::{
    Json,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use protocol::ErrorEnvelope;
use serde::{Deserialize, Serialize};

use crate::{
    clock,
    state::AppState,
    webhooks::{self, DeliveryRecord, Notification},
};

/// Faults waiting for the API calls they match.
#[derive(Debug, Default)]
pub struct Faults {
    pub pending: Vec<ApiFault>,
}

/// "The next `count` calls of `method route` fail this way."
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiFault {
    /// A route template as the router knows it (`/api/v1/orders/{order_uuid}/capture`) or `*`.
    pub route: String,
    /// `None`: any method.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(flatten)]
    pub kind: ApiFaultKind,
    pub count: u32,
    /// Only every `every`-th matching call meets the fault (absent: each one), so 429s can be
    /// spread through a long run instead of coming in one burst. Calls in between pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// Matching calls seen so far, for `every`.
    #[serde(default, skip)]
    pub seen: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum ApiFaultKind {
    /// Answer with this status in Points' error envelope, changing nothing.
    Status { status: u16 },
    /// Wait `ms` milliseconds (past the client's timeout), then handle the call normally.
    Hang { ms: u64 },
}

/// Faults waiting for the next webhook notifications, first one first.
#[derive(Debug, Default)]
pub struct DeliveryFaults {
    pub pending: VecDeque<DeliveryFault>,
    /// Notifications held back by `reorder`, sent after the next one.
    pub held: Vec<Notification>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryFault {
    #[serde(flatten)]
    pub kind: DeliveryFaultKind,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum DeliveryFaultKind {
    Delay {
        ms: u64,
    },
    Duplicate,
    Drop,
    /// Hold the notification back until the next one has been sent.
    Reorder,
}

/// How long held notifications wait behind the one that overtakes them.
const OVERTAKE: Duration = Duration::from_millis(100);

impl Faults {
    /// The fault the call `method route` meets, if any; uses one of its `count`.
    fn take(&mut self, method: &Method, route: &str) -> Option<ApiFaultKind> {
        let index = self.pending.iter().position(|f| {
            (f.route == "*" || f.route == route)
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
        })?;
        let fault = &mut self.pending[index];
        if let Some(every) = fault.every.filter(|&n| n > 1) {
            fault.seen += 1;
            if !fault.seen.is_multiple_of(every) {
                return None;
            }
        }
        fault.count = fault.count.saturating_sub(1);
        let kind = fault.kind.clone();
        if fault.count == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

/// Middleware on the API routes: applies the first matching injected fault.
pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let fault = state.store().faults.take(request.method(), &route);
    match fault {
        Some(ApiFaultKind::Status { status }) => {
            tracing::info!(route, status, "injected fault");
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = match status {
                StatusCode::TOO_MANY_REQUESTS => "Too Many Attempts.",
                s if s.is_server_error() => "Server Error",
                _ => "Injected fault",
            };
            (status, Json(ErrorEnvelope::new(message))).into_response()
        }
        Some(ApiFaultKind::Hang { ms }) => {
            tracing::info!(route, ms, "injected hang");
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        None => next.run(request).await,
    }
}

/// Sends what a change queued, through whatever delivery faults are pending.
pub fn dispatch_all(state: &AppState, outbox: Vec<Notification>) {
    if outbox.is_empty() {
        return;
    }
    let mut released = Vec::new();
    for notification in outbox {
        let fault = {
            let mut store = state.store();
            let faults = &mut store.delivery_faults;
            let fault = faults.pending.front_mut().map(|f| {
                f.count = f.count.saturating_sub(1);
                (f.kind.clone(), f.count == 0)
            });
            if let Some((_, true)) = fault {
                faults.pending.pop_front();
            }
            fault.map(|(kind, _)| kind)
        };
        match fault {
            None => {
                webhooks::dispatch(state, notification);
                released.append(&mut std::mem::take(&mut state.store().delivery_faults.held));
            }
            Some(DeliveryFaultKind::Duplicate) => {
                webhooks::dispatch(state, notification.clone());
                webhooks::dispatch(state, notification);
            }
            Some(DeliveryFaultKind::Drop) => {
                let mut store = state.store();
                for target in &notification.targets {
                    let id = store.deliveries.len() as u64 + 1;
                    store.deliveries.push(DeliveryRecord::dropped(
                        id,
                        &notification,
                        target,
                        clock::iso(clock::now()),
                    ));
                }
            }
            Some(DeliveryFaultKind::Delay { ms }) => {
                let state = state.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    webhooks::dispatch(&state, notification);
                });
            }
            Some(DeliveryFaultKind::Reorder) => {
                state.store().delivery_faults.held.push(notification);
            }
        }
    }
    if !released.is_empty() {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(OVERTAKE).await;
            for notification in released {
                webhooks::dispatch(&state, notification);
            }
        });
    }
}
