//! Webhook delivery (API.md §6.2, §12): every webhook of the merchant gets every event, as a
//! JSON `POST` with `X-Webhook-Secret` and `X-Webhook-Event`, retried on failure, logged.

mod delivery;

use std::sync::Arc;

use protocol::{OrderUuid, WebhookEvent, WebhookSecret};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{clock, order::Order, state::Webhook};

/// One event about one order, ready to send to each of the merchant's webhooks.
#[derive(Debug, Clone)]
pub struct Notification {
    pub event: WebhookEvent,
    pub order_uuid: OrderUuid,
    /// The JSON body, serialised once so every retry sends the same bytes (and `timestamp`).
    pub body: Arc<[u8]>,
    pub targets: Vec<Target>,
}

/// Where one copy of a notification goes.
#[derive(Debug, Clone)]
pub struct Target {
    pub webhook_uuid: Uuid,
    pub url: url::Url,
    pub secret: WebhookSecret,
}

/// One attempt at one delivery, as the control API lists it. Never holds the secret.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub webhook_uuid: Uuid,
    pub url: String,
    pub event: String,
    pub order_uuid: String,
    /// 1 for the first attempt, up to 4.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why there was no answer (timeout, connection refused, …).
    pub error: Option<String>,
    pub success: bool,
    pub latency_ms: u64,
    /// When the attempt started.
    pub at: String,
    /// The body that was sent.
    pub payload: serde_json::Value,
}

impl Notification {
    /// The payload of API.md §6.3; `timestamp` is the event time, `now`.
    pub fn new(event: WebhookEvent, order: &Order, hooks: &[Webhook], now: OffsetDateTime) -> Self {
        let payload = json!({
            "event": event.as_str(),
            "order": order.webhook_order(),
            "timestamp": clock::iso(now),
        });
        let targets = hooks
            .iter()
            .map(|hook| Target {
                webhook_uuid: hook.uuid,
                url: hook.url.clone(),
                secret: hook.secret.clone(),
            })
            .collect();
        Notification {
            event,
            order_uuid: order.uuid.clone(),
            body: payload.to_string().into_bytes().into(),
            targets,
        }
    }
}

/// Sends `notification` to each of its targets on its own task; returns at once.
pub fn dispatch(state: &crate::state::AppState, notification: Notification) {
    tracing::info!(
        event = %notification.event,
        order = %notification.order_uuid,
        webhooks = notification.targets.len(),
        "queueing webhook deliveries"
    );
    for target in notification.targets.iter().cloned() {
        let state = state.clone();
        let notification = notification.clone();
        tokio::spawn(async move { delivery::deliver(state, notification, target).await });
    }
}
