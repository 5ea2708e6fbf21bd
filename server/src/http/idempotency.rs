//! `Idempotency-Key` for `POST /api/checkout`: reading the header, hashing the request, and
//! holding the key in the database while one request does the work (see
//! [`crate::db::idempotency`] for the table and [`super::checkout`] for the flow).
//!
//! A retry that finds the key held waits without polling: it is woken when the holder in this
//! process finishes, and looks again at most every [`KEY_RECHECK`] for a holder in another
//! instance (it used to query the database three times every 25 ms per waiter).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::db::{self, idempotency};
use crate::{ApiError, AppState};

/// The header that makes a checkout safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// How long a request may hold a key before another may take it over (it outlives the request
/// timeout, so a live holder is never overtaken).
const KEY_LOCK: Duration = Duration::from_secs(35);
/// How long a retry waits for the holder before answering 409.
const KEY_WAIT: Duration = Duration::from_secs(20);
/// A waiter is woken the moment a holder in this process finishes ([`finished`]); this is how
/// often it looks anyway, for a holder in another instance on the same database.
const KEY_RECHECK: Duration = Duration::from_millis(500);

/// The retries waiting on each key in this process, woken when its holder finishes.
static WAITING: LazyLock<Mutex<HashMap<String, Arc<Notify>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A retry's place among the waiters on one key; leaving it (any way out of the wait loop)
/// removes the key's entry when no one else waits on it, since a holder in another instance
/// never calls [`finished`] here.
struct Waiting {
    key: String,
    notify: Arc<Notify>,
}

impl Waiting {
    fn on(key: &str) -> Self {
        let notify = WAITING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        Waiting {
            key: key.to_owned(),
            notify,
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut waiting = WAITING.lock().unwrap_or_else(|p| p.into_inner());
        // Ours and the map's: nobody else holds it.
        if Arc::strong_count(&self.notify) <= 2
            && waiting
                .get(&self.key)
                .is_some_and(|held| Arc::ptr_eq(held, &self.notify))
        {
            waiting.remove(&self.key);
        }
    }
}

/// The holder of `key` completed or released it: wakes every retry waiting on it here.
pub(crate) fn finished(key: &str) {
    let notify = WAITING
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(key);
    if let Some(notify) = notify {
        notify.notify_waiters();
    }
}

/// The outcome of [`hold`].
pub(crate) enum Held {
    /// The key was already completed with this body: answer the same again (the stored
    /// response, as the holder wrote it).
    Replay(String),
    /// This request holds the key; a previous attempt may have created the order already.
    Holding { order_number: Option<String> },
}

/// Creates or takes over the key, or waits for the request that holds it to finish.
pub(crate) async fn hold(
    state: &AppState,
    key: &str,
    request_hash: &str,
) -> Result<Held, ApiError> {
    let deadline = Instant::now() + KEY_WAIT;
    loop {
        // Registered before the key is read, so a holder finishing in between still wakes us.
        let waiting = Waiting::on(key);
        let woken = waiting.notify.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let lock = db::after_now(KEY_LOCK);
        if idempotency::insert(&*state.db, key, request_hash, &db::now(), &lock).await? {
            return Ok(Held::Holding { order_number: None });
        }
        if let Some(row) = idempotency::find(&*state.db, key).await? {
            if row.request_hash != request_hash {
                return Err(ApiError::Conflict(
                    "This Idempotency-Key was already used with a different request body.".into(),
                ));
            }
            if let Some(response) = row.response {
                return Ok(Held::Replay(response));
            }
            if idempotency::take_over(&*state.db, key, &db::now(), &lock).await? {
                // Read again: the order was recorded before the key was released.
                let order_number = idempotency::find(&*state.db, key)
                    .await?
                    .and_then(|row| row.order_number);
                return Ok(Held::Holding { order_number });
            }
        }
        if Instant::now() >= deadline {
            return Err(ApiError::Conflict(
                "A request with this Idempotency-Key is still in progress; retry shortly.".into(),
            ));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left.min(KEY_RECHECK), woken).await;
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters.
pub(crate) fn from_headers(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// SHA-256 of the body as canonical JSON (keys sorted, no whitespace), so a retry that
/// reorders keys or spacing still counts as the same request.
pub(crate) fn hash_request(body: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_hash_ignores_key_order_and_spacing_only() {
        let hash = |json: &str| hash_request(&serde_json::from_str(json).expect("json"));
        let a = hash(r#"{"items":[{"sku":"a","quantity":1}],"lang":"en"}"#);
        assert_eq!(
            a,
            hash(r#"{ "lang" : "en", "items" : [ {"quantity":1, "sku":"a"} ] }"#)
        );
        assert_ne!(
            a,
            hash(r#"{"items":[{"sku":"a","quantity":2}],"lang":"en"}"#)
        );
        assert_ne!(
            a,
            hash(r#"{"items":[{"sku":"a","quantity":1}],"lang":"ar"}"#)
        );
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn idempotency_keys_must_be_visible_ascii() {
        let check = |value: &str, ok: bool| {
            let mut headers = HeaderMap::new();
            headers.insert(IDEMPOTENCY_KEY, value.parse().expect("header"));
            assert_eq!(from_headers(&headers).is_ok(), ok, "{value:?}");
        };
        check("k-123_ABC", true);
        check("", false);
        check("has space", false);
        check(&"x".repeat(256), false);
        assert_eq!(from_headers(&HeaderMap::new()).ok(), Some(None));
    }
}
