//! The server's Prometheus metrics, in a registry small enough to read: a few labelled
//! counters and one latency histogram, rendered in the text exposition format (version 0.0.4)
//! by `GET /metrics`. Gauges that describe the database (inbox depth and age) are not kept
//! here but sampled at scrape time, so every instance sharing a database reports the truth.
//!
//! Every name is listed in [`FAMILIES`]; `server/alerts/points.rules.yml` uses only these.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use protocol::client::{ClientError, Endpoint, PointsClient};

/// Calls to Points by endpoint and status (`2xx`, an HTTP code, or a transport failure).
pub const POINTS_REQUESTS: &str = "pointskit_points_requests_total";
/// Latency of calls to Points, retries included, by endpoint.
pub const POINTS_DURATION: &str = "pointskit_points_request_duration_seconds";
/// Webhook deliveries received, by outcome, reason and the status answered.
pub const WEBHOOK_DELIVERIES: &str = "pointskit_webhook_deliveries_total";
/// 1 while webhook intake accepts deliveries, 0 while it is switched off.
pub const WEBHOOK_INTAKE_ENABLED: &str = "pointskit_webhook_intake_enabled";
/// Inbox rows not yet applied and not held (sampled from the database at scrape).
pub const INBOX_DEPTH: &str = "pointskit_inbox_depth";
/// Inbox rows held unapplied, by `state`: `attention` (meaning not certain) or `dead` (failed
/// too often); sampled at scrape.
pub const INBOX_HELD: &str = "pointskit_inbox_held";
/// Age of the oldest unapplied inbox row, 0 when there is none (sampled at scrape).
pub const INBOX_OLDEST_AGE: &str = "pointskit_inbox_oldest_age_seconds";
/// Differences reconciliation found between an order here and at Points, by kind.
pub const RECONCILIATION_DRIFT: &str = "pointskit_reconciliation_drift_total";

/// Deliveries that would have made an order paid but that Points contradicted, by reason (see
/// [`crate::inbox::verify`]); none of them was applied.
pub const WEBHOOKS_UNVERIFIED: &str = "pointskit_webhooks_unverified_total";
/// The `reason` labels of [`WEBHOOKS_UNVERIFIED`], each always rendered (at 0 before the first).
pub const UNVERIFIED_REASONS: [&str; 3] = ["unknown_at_points", "mismatch", "not_paid_at_points"];

/// Public requests refused by a limit (see `http::limits`), by route and limit.
pub const RATE_LIMITED: &str = "pointskit_rate_limited_total";
/// The `route` and `limit` labels of [`RATE_LIMITED`], each pair always rendered.
pub const RATE_LIMITED_LABELS: [(&str, &str); 5] = [
    ("checkout", "per_ip"),
    ("status", "per_ip"),
    ("public", "global"),
    ("public", "in_flight"),
    ("metrics", "global"),
];

/// Every metric family `/metrics` exposes, with its type and help text.
pub const FAMILIES: [(&str, &str, &str); 10] = [
    (
        RATE_LIMITED,
        "counter",
        "Public requests refused by a rate or concurrency limit (429 or 503), by route and limit.",
    ),
    (
        POINTS_REQUESTS,
        "counter",
        "Calls to the Points API by endpoint and status.",
    ),
    (
        POINTS_DURATION,
        "histogram",
        "Latency of calls to the Points API, retries included.",
    ),
    (
        WEBHOOK_DELIVERIES,
        "counter",
        "Webhook deliveries by outcome, reason and status answered.",
    ),
    (
        WEBHOOK_INTAKE_ENABLED,
        "gauge",
        "1 while webhook intake accepts deliveries, else 0.",
    ),
    (INBOX_DEPTH, "gauge", "Webhook inbox rows not yet applied."),
    (
        INBOX_HELD,
        "gauge",
        "Webhook inbox rows held unapplied: attention (meaning not certain) or dead (failed too often).",
    ),
    (
        INBOX_OLDEST_AGE,
        "gauge",
        "Age in seconds of the oldest unapplied inbox row (0: none).",
    ),
    (
        RECONCILIATION_DRIFT,
        "counter",
        "Differences reconciliation found, by kind.",
    ),
    (
        WEBHOOKS_UNVERIFIED,
        "counter",
        "Webhook deliveries Points contradicted, not applied, by reason.",
    ),
];

/// Upper bounds of the latency buckets, in seconds (a Points call has an 8 s timeout).
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// What became of one webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WebhookOutcome {
    /// Stored in the inbox for the first time.
    Accepted,
    /// Already in the inbox: acknowledged, nothing stored.
    Duplicate,
    /// Refused for good (4xx); Points will not succeed by retrying.
    Rejected(RejectReason),
    /// Answered 503 because intake is switched off; Points retries later.
    Disabled,
    /// A failure of ours (5xx): Points retries, but someone should look.
    Failed,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RejectReason {
    /// `X-Webhook-Secret` missing or wrong.
    Secret,
    /// The same, from `points preflight`'s probe, marked with the real secret
    /// ([`crate::inbox::delivery::probe`]); kept apart so it pages no one.
    Probe,
    /// Right secret, unreadable body (kept in `webhook_rejected`).
    Malformed,
    TooLarge,
    Other,
}

/// A kind of difference between an order here and at Points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    /// Points' `order_status` differs from ours (typically a missed webhook); applied.
    Status,
    /// Points does not know an order we hold a uuid for.
    UnknownAtPoints,
    /// Points' order has another `order_number` or total than ours; not applied.
    Mismatch,
}

/// The values sampled from the database and the switch when `/metrics` is scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub webhooks_enabled: bool,
    pub inbox_depth: i64,
    pub inbox_oldest_age: Duration,
    pub inbox_held_attention: i64,
    pub inbox_held_dead: i64,
}

/// The registry. One per [`crate::App`]; cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    points: Mutex<BTreeMap<(String, String), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    webhooks: Mutex<BTreeMap<WebhookOutcome, BTreeMap<u16, u64>>>,
    drift: Mutex<BTreeMap<DriftKind, u64>>,
    unverified: Mutex<BTreeMap<&'static str, u64>>,
    rate_limited: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Per bucket of [`BUCKETS`], not cumulative; rendering accumulates.
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    /// Sends `endpoint` with `client` and records the answer's status and the latency.
    pub async fn call<E: Endpoint>(
        &self,
        client: &PointsClient,
        endpoint: &E,
    ) -> Result<E::Output, ClientError> {
        let started = Instant::now();
        let result = client.send(endpoint).await;
        let status = match &result {
            Ok(_) => "2xx".to_owned(),
            Err(error) => status_label(error),
        };
        self.points_call(&endpoint_name::<E>(), &status, started.elapsed());
        result
    }

    /// Records one call to Points (for callers that do not go through [`Metrics::call`]).
    pub fn points_call(&self, endpoint: &str, status: &str, took: Duration) {
        *lock(&self.points)
            .entry((endpoint.to_owned(), status.to_owned()))
            .or_default() += 1;
        let seconds = took.as_secs_f64();
        let mut latency = lock(&self.latency);
        let histogram = latency.entry(endpoint.to_owned()).or_default();
        if let Some(bucket) = BUCKETS.iter().position(|le| seconds <= *le) {
            histogram.counts[bucket] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    pub fn webhook(&self, outcome: WebhookOutcome, status: u16) {
        *lock(&self.webhooks)
            .entry(outcome)
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    pub fn drift(&self, kind: DriftKind) {
        *lock(&self.drift).entry(kind).or_default() += 1;
    }

    /// One delivery stored unapplied because Points contradicted it; `reason` is one of
    /// [`UNVERIFIED_REASONS`].
    pub fn unverified(&self, reason: &'static str) {
        *lock(&self.unverified).entry(reason).or_default() += 1;
    }

    /// One public request refused by `limit` on `route` (a pair of [`RATE_LIMITED_LABELS`]).
    pub fn rate_limited(&self, route: &'static str, limit: &'static str) {
        *lock(&self.rate_limited).entry((route, limit)).or_default() += 1;
    }

    /// The whole exposition, counters first, then the sampled gauges.
    pub fn render(&self, sample: &Sample) -> String {
        let mut out = String::new();
        let help = |out: &mut String, name: &str| {
            if let Some((_, kind, text)) = FAMILIES.iter().find(|(n, ..)| *n == name) {
                let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} {kind}");
            }
        };
        help(&mut out, POINTS_REQUESTS);
        for ((endpoint, status), n) in lock(&self.points).iter() {
            line(
                &mut out,
                POINTS_REQUESTS,
                &[("endpoint", endpoint.as_str()), ("status", status.as_str())],
                *n as f64,
            );
        }
        help(&mut out, POINTS_DURATION);
        for (endpoint, h) in lock(&self.latency).iter() {
            let bucket = format!("{POINTS_DURATION}_bucket");
            let mut cumulative = 0;
            for (le, n) in BUCKETS.iter().zip(h.counts) {
                cumulative += n;
                let le = le.to_string();
                line(
                    &mut out,
                    &bucket,
                    &[("endpoint", endpoint.as_str()), ("le", le.as_str())],
                    cumulative as f64,
                );
            }
            line(
                &mut out,
                &bucket,
                &[("endpoint", endpoint.as_str()), ("le", "+Inf")],
                h.count as f64,
            );
            line(
                &mut out,
                &format!("{POINTS_DURATION}_sum"),
                &[("endpoint", endpoint.as_str())],
                h.sum,
            );
            let count = format!("{POINTS_DURATION}_count");
            line(
                &mut out,
                &count,
                &[("endpoint", endpoint.as_str())],
                h.count as f64,
            );
        }
        help(&mut out, WEBHOOK_DELIVERIES);
        let webhooks = lock(&self.webhooks);
        // The common outcomes are always present (at 0), so `rate()` works from the first scrape.
        let always = [
            (WebhookOutcome::Accepted, 200),
            (WebhookOutcome::Rejected(RejectReason::Secret), 401),
        ];
        for (outcome, status) in always {
            if !webhooks
                .get(&outcome)
                .is_some_and(|s| s.contains_key(&status))
            {
                webhook_line(&mut out, outcome, status, 0);
            }
        }
        for (outcome, statuses) in webhooks.iter() {
            for (status, n) in statuses {
                webhook_line(&mut out, *outcome, *status, *n);
            }
        }
        drop(webhooks);
        help(&mut out, RECONCILIATION_DRIFT);
        let drift = lock(&self.drift);
        for kind in [
            DriftKind::Status,
            DriftKind::UnknownAtPoints,
            DriftKind::Mismatch,
        ] {
            let n = drift.get(&kind).copied().unwrap_or(0);
            line(
                &mut out,
                RECONCILIATION_DRIFT,
                &[("kind", kind.label())],
                n as f64,
            );
        }
        drop(drift);
        help(&mut out, WEBHOOKS_UNVERIFIED);
        let unverified = lock(&self.unverified);
        for reason in UNVERIFIED_REASONS {
            let n = unverified.get(reason).copied().unwrap_or(0);
            line(
                &mut out,
                WEBHOOKS_UNVERIFIED,
                &[("reason", reason)],
                n as f64,
            );
        }
        drop(unverified);
        help(&mut out, RATE_LIMITED);
        let limited = lock(&self.rate_limited);
        for (route, limit) in RATE_LIMITED_LABELS {
            let n = limited.get(&(route, limit)).copied().unwrap_or(0);
            line(
                &mut out,
                RATE_LIMITED,
                &[("route", route), ("limit", limit)],
                n as f64,
            );
        }
        drop(limited);
        help(&mut out, WEBHOOK_INTAKE_ENABLED);
        line(
            &mut out,
            WEBHOOK_INTAKE_ENABLED,
            &[],
            f64::from(u8::from(sample.webhooks_enabled)),
        );
        help(&mut out, INBOX_DEPTH);
        line(&mut out, INBOX_DEPTH, &[], sample.inbox_depth as f64);
        help(&mut out, INBOX_HELD);
        for (state, n) in [
            ("attention", sample.inbox_held_attention),
            ("dead", sample.inbox_held_dead),
        ] {
            line(&mut out, INBOX_HELD, &[("state", state)], n as f64);
        }
        help(&mut out, INBOX_OLDEST_AGE);
        line(
            &mut out,
            INBOX_OLDEST_AGE,
            &[],
            sample.inbox_oldest_age.as_secs_f64(),
        );
        out
    }
}

impl WebhookOutcome {
    /// The `outcome` and `reason` labels.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            WebhookOutcome::Accepted => ("accepted", ""),
            WebhookOutcome::Duplicate => ("duplicate", ""),
            WebhookOutcome::Rejected(RejectReason::Secret) => ("rejected", "secret"),
            WebhookOutcome::Rejected(RejectReason::Probe) => ("rejected", "probe"),
            WebhookOutcome::Rejected(RejectReason::Malformed) => ("rejected", "malformed"),
            WebhookOutcome::Rejected(RejectReason::TooLarge) => ("rejected", "too_large"),
            WebhookOutcome::Rejected(RejectReason::Other) => ("rejected", "other"),
            WebhookOutcome::Disabled => ("unavailable", "disabled"),
            WebhookOutcome::Failed => ("failed", "error"),
        }
    }
}

impl DriftKind {
    pub fn label(self) -> &'static str {
        match self {
            DriftKind::Status => "status",
            DriftKind::UnknownAtPoints => "unknown_at_points",
            DriftKind::Mismatch => "mismatch",
        }
    }
}

/// The `status` label of a failed call: the HTTP status Points answered where the error
/// implies one (an invalid key is Points' 400), else what went wrong on the way.
pub fn status_label(error: &ClientError) -> String {
    let text = match error {
        ClientError::Auth(_) | ClientError::BadRequest(_) => "400",
        ClientError::Forbidden(_) => "403",
        ClientError::NotFound(_) => "404",
        ClientError::Validation { .. } => "422",
        ClientError::RateLimited { .. } => "429",
        ClientError::Server { status, .. } => return status.to_string(),
        ClientError::Network(_) => "network",
        ClientError::Connect(_) => "connect",
        ClientError::Timeout => "timeout",
        ClientError::Decode(_) => "decode",
        ClientError::Config(_) => "config",
    };
    text.to_owned()
}

/// `create_checkout` for `protocol::client::CreateCheckout`: bounded label values, and every
/// endpoint added to the client is named without touching this module.
pub fn endpoint_name<E>() -> String {
    let full = std::any::type_name::<E>();
    let base = full.split('<').next().unwrap_or(full);
    let short = base.rsplit("::").next().unwrap_or(base);
    let mut name = String::with_capacity(short.len() + 4);
    for (i, c) in short.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

fn webhook_line(out: &mut String, outcome: WebhookOutcome, status: u16, n: u64) {
    let (name, reason) = outcome.labels();
    let status = status.to_string();
    let labels = [
        ("outcome", name),
        ("reason", reason),
        ("status", status.as_str()),
    ];
    line(out, WEBHOOK_DELIVERIES, &labels, n as f64);
}

fn line(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape `\`, `"` and newlines (exposition format).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A poisoned lock only means another thread panicked mid-increment: the counts are still
/// worth reporting.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_are_snake_case_type_names() {
        assert_eq!(
            endpoint_name::<protocol::client::CreateCheckout>(),
            "create_checkout"
        );
        assert_eq!(endpoint_name::<protocol::client::GetOrder>(), "get_order");
    }

    #[test]
    fn renders_cumulative_buckets_and_escaped_labels() {
        let metrics = Metrics::default();
        metrics.points_call("get_order", "2xx", Duration::from_millis(30));
        metrics.points_call("get_order", "2xx", Duration::from_secs(20));
        metrics.points_call("we\"ird", "429", Duration::from_millis(1));
        metrics.webhook(WebhookOutcome::Rejected(RejectReason::Secret), 401);
        let text = metrics.render(&Sample {
            webhooks_enabled: true,
            inbox_depth: 3,
            inbox_oldest_age: Duration::from_millis(1500),
            inbox_held_attention: 0,
            inbox_held_dead: 2,
        });
        let has = |line: &str| assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        has(r#"pointskit_points_requests_total{endpoint="get_order",status="2xx"} 2"#);
        has(r#"pointskit_points_requests_total{endpoint="we\"ird",status="429"} 1"#);
        has(
            r#"pointskit_points_request_duration_seconds_bucket{endpoint="get_order",le="0.025"} 0"#,
        );
        has(
            r#"pointskit_points_request_duration_seconds_bucket{endpoint="get_order",le="0.05"} 1"#,
        );
        has(r#"pointskit_points_request_duration_seconds_bucket{endpoint="get_order",le="10"} 1"#);
        has(
            r#"pointskit_points_request_duration_seconds_bucket{endpoint="get_order",le="+Inf"} 2"#,
        );
        has(r#"pointskit_points_request_duration_seconds_count{endpoint="get_order"} 2"#);
        has(
            r#"pointskit_webhook_deliveries_total{outcome="rejected",reason="secret",status="401"} 1"#,
        );
        has(r#"pointskit_webhook_deliveries_total{outcome="accepted",reason="",status="200"} 0"#);
        has(r#"pointskit_reconciliation_drift_total{kind="status"} 0"#);
        has("pointskit_inbox_depth 3");
        has(r#"pointskit_inbox_held{state="attention"} 0"#);
        has(r#"pointskit_inbox_held{state="dead"} 2"#);
        has("pointskit_inbox_oldest_age_seconds 1.5");
        has("pointskit_webhook_intake_enabled 1");
    }
}
