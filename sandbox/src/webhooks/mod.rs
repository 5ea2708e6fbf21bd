//! Webhook delivery (API.md §6.2, §12): every webhook of the merchant gets every event, as a
//! JSON `POST` with `X-Webhook-Secret` and `X-Webhook-Event`, retried on failure, logged.
//!
//! The payload is written in the merchant's [`WebhookStyle`] (`style`): the sandbox's own by
//! default (microsecond times, every refund field), or as real Points may send it (times to
//! the second, no `left_amount`).

mod delivery;
mod style;

use std::sync::Arc;

use protocol::{OrderUuid, WebhookEvent, WebhookSecret};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

pub use style::{WebhookStyle, WebhookTimestamps};

use crate::{order::Order, state::Webhook};

/// One event about one order, ready to send to each of the merchant's webhooks.
#[derive(Debug, Clone)]
pub struct Notification {
    pub event: WebhookEvent,
    /// `None` for the merchant-level events (`debt_exceeded`, `low_balance_warning`).
    pub order_uuid: Option<OrderUuid>,
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
    /// Position in the log + 1; `POST /_sandbox/deliveries/{id}/replay` resends it.
    pub id: u64,
    pub webhook_uuid: Uuid,
    pub url: String,
    pub event: String,
    /// Empty for merchant-level events.
    pub order_uuid: String,
    /// 1 for the first attempt, up to 4; 0 when a fault dropped the delivery.
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
    /// The payload of API.md §6.3 with the event's extras (§6.3) merged into `order`, written
    /// in `style`; `timestamp` is the event time, `now`.
    pub fn new(
        event: WebhookEvent,
        order: &Order,
        extras: Map<String, Value>,
        hooks: &[Webhook],
        style: WebhookStyle,
        now: OffsetDateTime,
    ) -> Self {
        let mut body = order.webhook_order();
        if let Value::Object(fields) = &mut body {
            fields.extend(extras);
            style.restyle_order(fields, order);
        }
        let payload = json!({
            "event": event.as_str(),
            "order": body,
            "timestamp": style.timestamps.stamp(now),
        });
        Notification {
            event,
            order_uuid: Some(order.uuid.clone()),
            body: payload.to_string().into_bytes().into(),
            targets: targets(hooks),
        }
    }

    /// A merchant-level event (API.md §6.1): `merchant` and `data` instead of `order`;
    /// `timestamp` written in `timestamps`.
    pub fn merchant_event(
        event: WebhookEvent,
        merchant: Value,
        data: Value,
        hooks: &[Webhook],
        timestamps: WebhookTimestamps,
        now: OffsetDateTime,
    ) -> Self {
        let payload = json!({
            "event": event.as_str(),
            "merchant": merchant,
            "data": data,
            "timestamp": timestamps.stamp(now),
        });
        Notification {
            event,
            order_uuid: None,
            body: payload.to_string().into_bytes().into(),
            targets: targets(hooks),
        }
    }

    /// The same bytes again, to one webhook (replay from the log), whatever the merchant's style
    /// is now: a redelivery carries the original payload.
    pub fn replay(record: &DeliveryRecord, hook: &Webhook) -> Self {
        Notification {
            event: WebhookEvent::parse(&record.event),
            order_uuid: OrderUuid::parse(&record.order_uuid),
            body: record.payload.to_string().into_bytes().into(),
            targets: targets(std::slice::from_ref(hook)),
        }
    }

    /// `order_uuid` as the log writes it.
    pub fn subject(&self) -> String {
        self.order_uuid
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default()
    }
}

impl DeliveryRecord {
    /// The log entry of a delivery a fault swallowed.
    pub fn dropped(id: u64, notification: &Notification, target: &Target, at: String) -> Self {
        DeliveryRecord {
            id,
            webhook_uuid: target.webhook_uuid,
            url: target.url.to_string(),
            event: notification.event.as_str().to_owned(),
            order_uuid: notification.subject(),
            attempt: 0,
            status: None,
            error: Some("dropped by fault injection".to_owned()),
            success: false,
            latency_ms: 0,
            at,
            payload: serde_json::from_slice(&notification.body).unwrap_or_default(),
        }
    }
}

fn targets(hooks: &[Webhook]) -> Vec<Target> {
    hooks
        .iter()
        .map(|hook| Target {
            webhook_uuid: hook.uuid,
            url: hook.url.clone(),
            secret: hook.secret.clone(),
        })
        .collect()
}

/// Sends `notification` to each of its targets on its own task; returns at once.
pub fn dispatch(state: &crate::state::AppState, notification: Notification) {
    tracing::info!(
        event = %notification.event,
        order = %notification.subject(),
        webhooks = notification.targets.len(),
        "queueing webhook deliveries"
    );
    for target in notification.targets.iter().cloned() {
        let state = state.clone();
        let notification = notification.clone();
        tokio::spawn(async move { delivery::deliver(state, notification, target).await });
    }
}
