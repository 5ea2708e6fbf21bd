//! Commands for developing against the Points sandbox, in the spirit of Stripe's CLI:
//! [`listen`] (register a webhook, forward each delivery to a local server, print it),
//! [`trigger`] (create the order state that fires an event), [`replay`] and [`search`].
//!
//! They talk to the sandbox's Points API with the merchant's keys (the demo merchant's by
//! default, which are public: API.md §12) and to its `/_sandbox/…` control routes.

pub mod listen;
pub mod trigger;

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use protocol::ApiKey;
use protocol::client::{ClientConfig, PointsClient, RetryPolicy};
use serde_json::Value;
use url::Url;

/// Where the demo sandbox listens (`cargo xtask demo`).
pub const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8090";
/// The demo merchant's keys (API.md §12): published, sandbox-only.
pub use ::sandbox::{DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY};

/// A sandbox and the merchant keys to use on it.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The sandbox's origin: API under `/api`, control under `/_sandbox`.
    pub url: Url,
    pub public_key: String,
    pub private_key: ApiKey,
}

impl Sandbox {
    /// The demo sandbox with the demo merchant's keys.
    pub fn demo(url: Url) -> Sandbox {
        Sandbox {
            url,
            public_key: DEMO_PUBLIC_KEY.into(),
            private_key: ApiKey::new(DEMO_PRIVATE_KEY),
        }
    }

    /// The typed client for its Points API.
    pub fn client(&self) -> Result<PointsClient> {
        PointsClient::new(ClientConfig {
            base_url: self.endpoint("/api"),
            public_key: self.public_key.clone(),
            private_key: self.private_key.clone(),
            timeout: Duration::from_secs(10),
            https_only: false,
            retry: RetryPolicy::default(),
        })
        .context("building the Points client")
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url.as_str().trim_end_matches('/'))
    }

    /// `GET /_sandbox/{path}` as JSON.
    pub async fn control_get(&self, path: &str) -> Result<Value> {
        let url = self.endpoint(&format!("/_sandbox{path}"));
        let response = reqwest::get(&url)
            .await
            .with_context(|| format!("GET {url}: is the sandbox running?"))?;
        json_or_error(response, &url).await
    }

    /// `POST /_sandbox/{path}` with an optional JSON body.
    pub async fn control_post(&self, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = self.endpoint(&format!("/_sandbox{path}"));
        let mut request = reqwest::Client::new().post(&url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {url}: is the sandbox running?"))?;
        json_or_error(response, &url).await
    }

    /// Every order the sandbox holds for any merchant (`GET /_sandbox/orders`).
    pub async fn orders(&self) -> Result<Vec<Value>> {
        let orders = self.control_get("/orders").await?;
        Ok(orders.as_array().cloned().unwrap_or_default())
    }
}

async fn json_or_error(response: reqwest::Response, url: &str) -> Result<Value> {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{url} answered {status}: {}", text.trim());
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("{url}: not JSON"))
}

/// `points replay ID`: Points sends delivery `id` again, to the same webhook.
pub async fn replay(sandbox: &Sandbox, id: u64, out: &mut impl Write) -> Result<Value> {
    let answer = sandbox
        .control_post(&format!("/deliveries/{id}/replay"), None)
        .await?;
    writeln!(out, "replayed delivery {id}: {answer}")?;
    Ok(answer)
}

/// `points orders search Q`: the sandbox's orders whose uuid, order number or reference number
/// contains `query` (case-insensitive).
pub async fn search(sandbox: &Sandbox, query: &str, out: &mut impl Write) -> Result<Vec<Value>> {
    let needle = query.trim().to_lowercase();
    if needle.is_empty() {
        bail!("give a uuid, order number or reference number to search for");
    }
    let found: Vec<Value> = sandbox
        .orders()
        .await?
        .into_iter()
        .filter(|order| {
            ["uuid", "order_number", "reference_number"]
                .iter()
                .any(|field| {
                    order[field]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(&needle))
                })
        })
        .collect();
    writeln!(
        out,
        "{:<38} {:<24} {:<14} {:<12} {:>10}",
        "UUID", "ORDER NUMBER", "REFERENCE", "STATUS", "TOTAL"
    )?;
    for order in &found {
        writeln!(
            out,
            "{:<38} {:<24} {:<14} {:<12} {:>10}",
            order["uuid"].as_str().unwrap_or("-"),
            order["order_number"].as_str().unwrap_or("-"),
            order["reference_number"].as_str().unwrap_or("-"),
            order["order_status"].as_str().unwrap_or("-"),
            order["total_price"]
        )?;
    }
    writeln!(out, "{} order(s)", found.len())?;
    Ok(found)
}
