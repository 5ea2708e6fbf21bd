//! Rate and concurrency limits of the public endpoints ([`crate::config::LimitsConfig`]), so
//! an anonymous flood of checkouts or status polls cannot take the database pool from webhook
//! intake and the worker (which are never limited here).
//!
//! - Per client address: a token bucket per route class (`checkout`, `status`), refilled at the
//!   configured rate per minute, holding a quarter of a minute's worth for bursts.
//! - Globally: one bucket for every public request, `public_per_second` deep.
//! - In flight: at most `public_in_flight` public requests are served at once; another waits up
//!   to [`IN_FLIGHT_WAIT`] for a turn, then gets 503. The pool is larger than this, so intake
//!   and the worker always find a connection.
//!
//! Over a rate: 429 with `Retry-After` (whole seconds until a token is back). Each refusal
//! counts in `pointskit_rate_limited_total{route,limit}`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::AppState;
use crate::config::LimitsConfig;

/// How long a public request waits for a turn when `public_in_flight` are being served.
pub const IN_FLIGHT_WAIT: Duration = Duration::from_secs(2);
/// Per-address buckets kept before refilled ones are dropped.
const MAX_TRACKED: usize = 10_000;
/// The least time between two sweeps of the per-address buckets.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Which limits a route is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `POST /api/checkout`: per address, global, in flight.
    Checkout,
    /// `GET /api/orders/{n}`: per address, global, in flight.
    Status,
    /// `/metrics`, `/openapi.json`: global, in flight.
    Other,
}

impl Class {
    fn route(self) -> &'static str {
        match self {
            Class::Checkout => "checkout",
            Class::Status => "status",
            Class::Other => "public",
        }
    }
}

/// The limiter shared by the public routes of one router.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
    state: AppState,
}

struct Inner {
    config: LimitsConfig,
    per_ip: Mutex<Tracked>,
    global: Mutex<Bucket>,
    in_flight: Option<Semaphore>,
}

/// The per-address buckets, and when idle ones were last dropped.
struct Tracked {
    buckets: HashMap<(Class, IpAddr), Bucket>,
    swept: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Self {
        Bucket {
            tokens: capacity,
            at: now,
        }
    }

    /// Takes a token, or says how long until one is back.
    fn take(&mut self, per_second: f64, capacity: f64, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / per_second))
        }
    }
}

impl Inner {
    /// The per-address rate of `class`, per minute (0: none).
    fn per_minute(&self, class: Class) -> u32 {
        match class {
            Class::Checkout => self.config.checkout_per_ip_per_minute,
            Class::Status => self.config.status_per_ip_per_minute,
            Class::Other => 0,
        }
    }

    fn check_rate(&self, class: Class, client: IpAddr) -> Result<(), (&'static str, Duration)> {
        let now = Instant::now();
        let per_minute = self.per_minute(class);
        if per_minute > 0 {
            let capacity = f64::from((per_minute / 4).max(1));
            let per_second = f64::from(per_minute) / 60.0;
            let mut tracked = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
            let key = (class, client);
            if !tracked.buckets.contains_key(&key) && tracked.buckets.len() >= MAX_TRACKED {
                // At most one sweep a second, whatever the flood: drop the buckets that have
                // refilled (they hold nothing worth remembering).
                if now.saturating_duration_since(tracked.swept) >= SWEEP_EVERY {
                    let limits = self;
                    tracked.buckets.retain(|(class, _), bucket| {
                        let rate = f64::from(limits.per_minute(*class)) / 60.0;
                        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
                        let full = f64::from((limits.per_minute(*class) / 4).max(1));
                        bucket.tokens + elapsed * rate < full
                    });
                    tracked.swept = now;
                }
            }
            if tracked.buckets.contains_key(&key) || tracked.buckets.len() < MAX_TRACKED {
                tracked
                    .buckets
                    .entry(key)
                    .or_insert_with(|| Bucket::full(capacity, now))
                    .take(per_second, capacity, now)
                    .map_err(|wait| ("per_ip", wait))?;
            }
            // Else more addresses are mid-burst than can be remembered (a distributed flood):
            // a new one is held by the global and in-flight limits only, and the check stays
            // O(1) for every request.
        }
        let per_second = self.config.public_per_second;
        if per_second > 0 {
            let capacity = f64::from(per_second);
            self.global
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(capacity, capacity, now)
                .map_err(|wait| ("global", wait))?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Limits {
    pub fn new(state: &AppState) -> Self {
        let config = state.config.limits.clone();
        let now = Instant::now();
        Limits {
            inner: Arc::new(Inner {
                global: Mutex::new(Bucket::full(f64::from(config.public_per_second), now)),
                in_flight: (config.public_in_flight > 0)
                    .then(|| Semaphore::new(config.public_in_flight as usize)),
                per_ip: Mutex::new(Tracked {
                    buckets: HashMap::new(),
                    swept: now,
                }),
                config,
            }),
            state: state.clone(),
        }
    }

    /// The client's address: the right-most address of the configured proxy header, else the
    /// connection's peer.
    fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
        let from_header = self
            .inner
            .config
            .client_ip_header
            .as_ref()
            .and_then(|name| {
                let value = headers.get(name.as_str())?.to_str().ok()?;
                let last = value.rsplit(',').next()?.trim();
                last.parse::<IpAddr>()
                    .ok()
                    .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
            });
        from_header
            .or(peer.map(|p| p.ip()))
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// The middleware: `from_fn_with_state((limits, class), limit)`.
pub async fn limit(
    State((limits, class)): State<(Limits, Class)>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client = limits.client(request.headers(), peer);
    if let Err((limit, wait)) = limits.inner.check_rate(class, client) {
        let route = if limit == "global" {
            "public"
        } else {
            class.route()
        };
        limits.state.metrics.rate_limited(route, limit);
        return too_many(wait);
    }
    let _turn = match &limits.inner.in_flight {
        None => None,
        Some(semaphore) => match tokio::time::timeout(IN_FLIGHT_WAIT, semaphore.acquire()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => {
                limits.state.metrics.rate_limited("public", "in_flight");
                return busy();
            }
        },
    };
    next.run(request).await
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "error": format!("too many requests: try again in {seconds} s"),
            "retry_after": seconds,
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn busy() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "busy: try again in a second", "retry_after": 1})),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(1));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_from_many_addresses_keeps_the_tracked_buckets_bounded() {
        let inner = Inner {
            config: LimitsConfig {
                status_per_ip_per_minute: 240,
                public_per_second: 0,
                ..LimitsConfig::default()
            },
            per_ip: Mutex::new(Tracked {
                buckets: HashMap::new(),
                swept: Instant::now(),
            }),
            global: Mutex::new(Bucket::full(0.0, Instant::now())),
            in_flight: None,
        };
        for n in 0..(3 * MAX_TRACKED as u32) {
            let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
            assert!(
                inner.check_rate(Class::Status, client).is_ok(),
                "a first request passes"
            );
        }
        let tracked = inner.per_ip.lock().expect("lock").buckets.len();
        assert!(tracked <= MAX_TRACKED, "{tracked} buckets");
        // An address already tracked is still limited: its burst runs out.
        let known = IpAddr::V4(Ipv4Addr::from(0x0a00_0000));
        let refused = (0..100)
            .filter(|_| inner.check_rate(Class::Status, known).is_err())
            .count();
        assert!(refused > 0, "a known address over its burst is refused");
    }

    #[test]
    fn a_bucket_refills_at_its_rate_and_says_how_long_to_wait() {
        let start = Instant::now();
        let mut bucket = Bucket::full(2.0, start);
        assert!(bucket.take(1.0, 2.0, start).is_ok());
        assert!(bucket.take(1.0, 2.0, start).is_ok());
        let wait = bucket.take(1.0, 2.0, start).expect_err("empty");
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-9, "{wait:?}");
        assert!(
            bucket
                .take(1.0, 2.0, start + Duration::from_millis(1_000))
                .is_ok()
        );
        // Refilling stops at the capacity.
        let later = start + Duration::from_secs(3_600);
        assert!(bucket.take(1.0, 2.0, later).is_ok());
        assert!(bucket.take(1.0, 2.0, later).is_ok());
        assert!(bucket.take(1.0, 2.0, later).is_err());
    }
}
