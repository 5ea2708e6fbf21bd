//! Webhooks and callbacks: an HTTPS webhook URL whose certificate validates, the secret checked
//! (in constant time, by the running server: wrong and missing secrets refused), idempotency on
//! `(order.id, event)` (the same signed test event twice, one row), the callback page.
//!
//! The wrong- and missing-secret deliveries carry a probe mark made with the real secret, so
//! the server counts them as `reason="probe"` and the production alert on wrong secrets stays
//! quiet; a mark without the secret counts as a real failure (`server::inbox::delivery::probe`).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::inbox::delivery::probe;
use url::Url;

use super::{Group, Inputs, Items, fail, pass};

/// The merchant server's webhook route.
pub const WEBHOOK_PATH: &str = "/webhooks/points";

pub(super) async fn check(
    inputs: &Inputs,
    config: Option<&server::Config>,
    config_error: Option<&str>,
    items: &mut Items,
) {
    let Some(config) = config else {
        let why = format!(
            "no configuration loaded: {}",
            config_error.unwrap_or("unknown error")
        );
        for (id, title) in ITEMS {
            items.push(Group::Webhooks, id, title, fail(why.clone()));
        }
        return;
    };
    let webhook_url = Url::parse(&config.public_url).and_then(|u| u.join(WEBHOOK_PATH));
    let (https, certificate) = match &webhook_url {
        Err(e) => {
            let why = format!(
                "POINTS_PUBLIC_URL {:?} is not a URL: {e}",
                config.public_url
            );
            (fail(why.clone()), fail(why))
        }
        Ok(url) if url.scheme() != "https" => (
            fail(format!(
                "the webhook URL {url} is not HTTPS: Points delivers to HTTPS only"
            )),
            fail(format!("{url} has no certificate to validate")),
        ),
        Ok(url) => (
            pass(format!("{url}")),
            certificate(url, &inputs.extra_roots).await,
        ),
    };
    items.push(Group::Webhooks, ITEMS[0].0, ITEMS[0].1, https);
    items.push(Group::Webhooks, ITEMS[1].0, ITEMS[1].1, certificate);

    let server = inputs
        .server
        .clone()
        .or_else(|| Url::parse(&config.public_url).ok());
    let selftest = match (&server, client(inputs)) {
        (None, _) => Err("no server URL: give --server".to_owned()),
        (_, Err(e)) => Err(e),
        (Some(server), Ok(http)) => Ok(SelfTest {
            http,
            server: server.clone(),
            config,
        }),
    };
    match selftest {
        Err(why) => {
            for (id, title) in &ITEMS[2..] {
                items.push(Group::Webhooks, id, title, fail(why.clone()));
            }
        }
        Ok(selftest) => {
            items.push(
                Group::Webhooks,
                ITEMS[2].0,
                ITEMS[2].1,
                selftest.secret().await,
            );
            items.push(
                Group::Webhooks,
                ITEMS[3].0,
                ITEMS[3].1,
                selftest.idempotency().await,
            );
            items.push(
                Group::Webhooks,
                ITEMS[4].0,
                ITEMS[4].1,
                selftest.callback_page().await,
            );
        }
    }
}

const ITEMS: [(&str, &str); 5] = [
    ("webhooks.https", "Webhook endpoint is HTTPS"),
    (
        "webhooks.certificate",
        "Webhook endpoint's certificate validates",
    ),
    (
        "webhooks.secret",
        "X-Webhook-Secret set and compared in constant time; missing or wrong refused",
    ),
    (
        "webhooks.idempotency",
        "Fast 2xx and idempotent on (order.id, event)",
    ),
    (
        "webhooks.callback-page",
        "Callback page implemented (not the source of truth)",
    ),
];

async fn certificate(url: &Url, extra_roots: &[std::path::PathBuf]) -> (super::Status, String) {
    let Some(host) = url.host_str() else {
        return fail(format!("{url} has no host"));
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let roots = match crate::tls::roots(extra_roots) {
        Ok(roots) => roots,
        Err(e) => return fail(format!("{e:#}")),
    };
    match crate::tls::handshake(host, port, roots).await {
        Ok(done) => pass(format!(
            "{host}:{port}: {} handshake, certificate chain valid ({} bytes leaf)",
            done.version, done.leaf_bytes
        )),
        Err(e) => fail(format!("{host}:{port}: {e:#}")),
    }
}

/// An HTTP client trusting the system's roots and `--ca-file`'s.
pub(super) fn client(inputs: &Inputs) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none());
    for path in &inputs.extra_roots {
        let pem = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("parsing {}: {e}", path.display()))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))
}

struct SelfTest<'a> {
    http: reqwest::Client,
    server: Url,
    config: &'a server::Config,
}

impl SelfTest<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_str().trim_end_matches('/'))
    }

    /// `GET /admin/selftest` with the configured admin token.
    pub(super) async fn admin(&self, path: &str) -> Result<Value, String> {
        admin_get(&self.http, &self.server, self.config, path).await
    }

    /// A delivery signed as Points signs it.
    async fn deliver(&self, secret: &str, body: &Value) -> Result<StatusCode, String> {
        self.post_webhook(Some(secret), body, |_| None).await
    }

    /// A delivery with a missing or wrong secret, marked as this probe with the real secret
    /// (`server::inbox::delivery::probe`): the server refuses it all the same, but counts it
    /// as `reason="probe"`, so running preflight does not fire
    /// `WebhookSecretVerificationFailures`.
    async fn probe(&self, presented: Option<&str>, body: &Value) -> Result<StatusCode, String> {
        let secret = &self.config.webhook_secret;
        self.post_webhook(presented, body, |bytes| {
            Some(probe::marker(secret, SystemTime::now(), presented, bytes))
        })
        .await
    }

    async fn post_webhook(
        &self,
        secret: Option<&str>,
        body: &Value,
        mark: impl FnOnce(&[u8]) -> Option<String>,
    ) -> Result<StatusCode, String> {
        // Serialized here, since a probe's mark covers the exact bytes sent.
        let bytes = serde_json::to_vec(body).map_err(|e| format!("test event: {e}"))?;
        let mut request = self
            .http
            .post(self.url(WEBHOOK_PATH))
            .header("x-webhook-event", "approved")
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(secret) = secret {
            request = request.header("x-webhook-secret", secret);
        }
        if let Some(mark) = mark(&bytes) {
            request = request.header(probe::PROBE_HEADER, mark);
        }
        request
            .body(bytes)
            .send()
            .await
            .map(|r| r.status())
            .map_err(|e| format!("POST {WEBHOOK_PATH}: {e}"))
    }

    async fn secret(&self) -> (super::Status, String) {
        let event = test_event();
        let expected = self.config.webhook_secret.expose();
        // Same length as the real one, different bytes: a length check alone would not refuse it.
        let wrong: String = expected
            .chars()
            .map(|c| if c == 'x' { 'y' } else { 'x' })
            .collect();
        let mut evidence = Vec::new();
        for (name, secret) in [("missing", None), ("wrong", Some(wrong.as_str()))] {
            match self.probe(secret, &event).await {
                Ok(StatusCode::UNAUTHORIZED) => evidence.push(format!("{name} secret → 401")),
                Ok(status) => {
                    return fail(format!(
                        "a delivery with a {name} secret was answered {status}, not 401"
                    ));
                }
                Err(e) => return fail(e),
            }
        }
        match self.admin("/admin/selftest").await {
            Err(e) => fail(e),
            Ok(report) => {
                let secret = &report["webhook_secret"];
                if secret["configured"] != true {
                    return fail("the running server has no webhook secret");
                }
                let comparison = secret["comparison"].as_str().unwrap_or_default();
                if !comparison.starts_with("constant-time") {
                    return fail(format!(
                        "the running server compares secrets with {comparison:?}"
                    ));
                }
                evidence.push(format!(
                    "{} accepted secret(s), compared {comparison}",
                    secret["accepted_secrets"]
                ));
                pass(evidence.join("; "))
            }
        }
    }

    async fn idempotency(&self) -> (super::Status, String) {
        let event = test_event();
        let uuid = event["order"]["id"].as_str().unwrap_or_default().to_owned();
        let secret = self.config.webhook_secret.expose();
        let mut timings = Vec::new();
        for _ in 0..2 {
            let started = std::time::Instant::now();
            match self.deliver(secret, &event).await {
                Ok(status) if status.is_success() => timings.push(started.elapsed()),
                Ok(status) => {
                    return fail(format!(
                        "a signed test delivery was answered {status}, not 2xx"
                    ));
                }
                Err(e) => return fail(e),
            }
        }
        let slowest = timings.iter().max().copied().unwrap_or_default();
        if slowest > Duration::from_secs(2) {
            return fail(format!(
                "a delivery took {slowest:?} to acknowledge; Points expects under 2 s"
            ));
        }
        match self.admin(&format!("/admin/selftest/inbox/{uuid}")).await {
            Err(e) => fail(e),
            Ok(rows) => match rows["rows"].as_array().map(Vec::len) {
                Some(1) => pass(format!(
                    "the same signed event twice → both 2xx (slowest {slowest:?}), one inbox row for test order {uuid}"
                )),
                Some(n) => fail(format!(
                    "the same signed event twice left {n} inbox rows for test order {uuid}, not 1"
                )),
                None => fail(format!("unexpected self-test answer: {rows}")),
            },
        }
    }

    async fn callback_page(&self) -> (super::Status, String) {
        let probe = match protocol::OrderNumber::parse("PK-000000-PREFLGHT") {
            Ok(n) => n,
            Err(e) => return fail(format!("probe order number: {e}")),
        };
        let url = match self.config.callback_url(&probe) {
            Ok(url) => url,
            Err(e) => return fail(format!("no callback URL: {e:#}")),
        };
        let response = match self.http.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) => return fail(format!("GET {url}: {e}")),
        };
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return fail(format!("GET {url} → {status}"));
        }
        let tags = super::storefront::loader_tags(&body);
        if tags.is_empty() {
            return fail(format!(
                "GET {url} → {status}, but the page loads no widget loader to ask the server"
            ));
        }
        pass(format!(
            "GET {url} → {status}, loads the widget loader; the order state comes from the server"
        ))
    }
}

/// `GET path` on the running server's admin API with the configured token.
pub(super) async fn admin_get(
    http: &reqwest::Client,
    server: &Url,
    config: &server::Config,
    path: &str,
) -> Result<Value, String> {
    let Some(token) = &config.ops.admin_token else {
        return Err("the self-tests need the admin API: set POINTS_ADMIN_TOKEN(_FILE)".into());
    };
    let url = format!("{}{path}", server.as_str().trim_end_matches('/'));
    let response = http
        .get(&url)
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| format!("GET {path} on the running server: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET {path} on the running server → {status}"));
    }
    response
        .json()
        .await
        .map_err(|e| format!("GET {path}: not JSON: {e}"))
}

/// A well-formed `approved` event for an order no shop has: stored, then noted by the worker as
/// unknown, changing nothing.
fn test_event() -> Value {
    let now = "2026-01-01T00:00:00Z";
    json!({
        "event": "approved",
        "order": {
            "id": uuid::Uuid::new_v4().to_string(),
            "reference_number": "PREFLIGHT",
            "order_number": "PK-000000-PREFLGHT",
            "type": "replacing",
            "total_price": 1.0,
            "total_points": 0,
            "payment_status": "fully_paid",
            "order_status": "approved",
            "metadata": null,
            "created_at": now,
            "updated_at": now
        },
        "timestamp": now
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::http::HeaderMap;
    use protocol::{ApiKey, WebhookSecret};

    use super::*;

    type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

    /// A webhook route that records each delivery and refuses it, as a server would a probe.
    async fn recording_server() -> (Url, Seen) {
        let seen = Seen::default();
        let record = seen.clone();
        let app = axum::Router::new().route(
            WEBHOOK_PATH,
            axum::routing::post(
                move |headers: HeaderMap, body: axum::body::Bytes| async move {
                    record.lock().expect("seen").push((headers, body.to_vec()));
                    StatusCode::UNAUTHORIZED
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url =
            Url::parse(&format!("http://{}", listener.local_addr().expect("addr"))).expect("url");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    fn config(secret: &str) -> server::Config {
        server::Config::new(
            "sqlite::memory:",
            server::config::PointsAccount {
                base_url: "https://sandbox.papp.sa/api".into(),
                public_key: "pk_test".into(),
                private_key: ApiKey::new("sk_test"),
            },
            WebhookSecret::new(secret),
            "https://shop.example",
            server::Catalog::from_json(r#"{"products":[{"sku":"oud-50","name":{"ar":"عود","en":"Oud"},"price":"150.75"}]}"#).expect("catalog"),
        )
    }

    #[tokio::test]
    async fn the_wrong_secret_probes_carry_a_mark_only_the_real_secret_makes() {
        // Arrange
        let (server, seen) = recording_server().await;
        let config = config("whsec_the_real_secret_of_this_shop");
        let selftest = SelfTest {
            http: reqwest::Client::new(),
            server,
            config: &config,
        };
        let event = test_event();

        // Act
        let wrong = selftest.probe(Some("whsec_wrong"), &event).await;
        let missing = selftest.probe(None, &event).await;
        let signed = selftest
            .deliver(config.webhook_secret.expose(), &event)
            .await;

        // Assert: the server's own check takes both probes as marked with the real secret and
        // not with another; the signed delivery carries no mark.
        assert_eq!(
            (wrong, missing),
            (Ok(StatusCode::UNAUTHORIZED), Ok(StatusCode::UNAUTHORIZED))
        );
        assert!(signed.is_ok());
        let seen = seen.lock().expect("seen");
        assert_eq!(seen.len(), 3);
        let other = WebhookSecret::new("whsec_someone_else");
        for (headers, body) in &seen[..2] {
            let now = SystemTime::now();
            assert!(probe::is_signed_probe(
                headers,
                body,
                &[&config.webhook_secret],
                now
            ));
            assert!(!probe::is_signed_probe(headers, body, &[&other], now));
        }
        assert!(seen[1].0.get("x-webhook-secret").is_none());
        assert!(seen[2].0.get(probe::PROBE_HEADER).is_none());
    }
}
