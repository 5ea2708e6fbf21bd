//! One delivery: an attempt plus up to three retries with back-off, each attempt logged.

use std::time::{Duration, Instant};

use axum::http::header::CONTENT_TYPE;

use super::{DeliveryRecord, Notification, Target};
use crate::{clock, state::AppState};

/// Waits before the 2nd, 3rd and 4th attempts, before scaling (API.md §12).
pub const BACKOFF: [Duration; 3] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
];

/// Posts until the receiver answers 2xx or the retries run out.
pub(super) async fn deliver(state: AppState, notification: Notification, target: Target) {
    let attempts = BACKOFF.len() as u32 + 1;
    for attempt in 1..=attempts {
        let record = attempt_once(&state, &notification, &target, attempt).await;
        let success = record.success;
        tracing::info!(
            event = %notification.event,
            order = %notification.subject(),
            webhook = %target.webhook_uuid,
            attempt,
            status = record.status,
            error = record.error.as_deref(),
            latency_ms = record.latency_ms,
            "webhook attempt"
        );
        {
            let mut store = state.store();
            let mut record = record;
            record.id = store.deliveries.len() as u64 + 1;
            store.deliveries.push(record);
        }
        if success {
            return;
        }
        if let Some(wait) = BACKOFF.get(attempt as usize - 1) {
            tokio::time::sleep(scaled(*wait, state.backoff_scale())).await;
        }
    }
    tracing::warn!(
        event = %notification.event,
        order = %notification.subject(),
        webhook = %target.webhook_uuid,
        "webhook delivery gave up after {attempts} attempts"
    );
}

async fn attempt_once(
    state: &AppState,
    notification: &Notification,
    target: &Target,
    attempt: u32,
) -> DeliveryRecord {
    let at = clock::now();
    let started = Instant::now();
    let result = state
        .http()
        .post(target.url.clone())
        .timeout(state.webhook_timeout())
        .header(CONTENT_TYPE, "application/json")
        .header("X-Webhook-Secret", target.secret.expose())
        .header("X-Webhook-Event", notification.event.as_str())
        .body(notification.body.to_vec())
        .send()
        .await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (status, error) = match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(err) => (None, Some(describe(&err))),
    };
    DeliveryRecord {
        id: 0,
        webhook_uuid: target.webhook_uuid,
        url: target.url.to_string(),
        event: notification.event.as_str().to_owned(),
        order_uuid: notification.subject(),
        attempt,
        success: status.is_some_and(|s| (200..300).contains(&s)),
        status,
        error,
        latency_ms,
        at: clock::iso(at),
        payload: serde_json::from_slice(&notification.body).unwrap_or_default(),
    }
}

/// A short reason for the log, without the URL (already recorded beside it).
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

/// `wait × scale`, tolerating a nonsensical scale (negative or NaN means no wait).
fn scaled(wait: Duration, scale: f64) -> Duration {
    let scale = if scale.is_nan() { 0.0 } else { scale.max(0.0) };
    Duration::try_from_secs_f64(wait.as_secs_f64() * scale).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_scales_and_survives_nonsense() {
        assert_eq!(scaled(BACKOFF[0], 1.0), Duration::from_secs(10));
        assert_eq!(scaled(BACKOFF[1], 0.01), Duration::from_millis(600));
        assert_eq!(scaled(BACKOFF[2], 0.0), Duration::ZERO);
        assert_eq!(scaled(BACKOFF[2], -1.0), Duration::ZERO);
        assert_eq!(scaled(BACKOFF[2], f64::NAN), Duration::ZERO);
        assert_eq!(scaled(BACKOFF[2], f64::INFINITY), Duration::MAX);
    }
}
