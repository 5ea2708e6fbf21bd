//! The typed Points client (feature `client`).
//!
//! One request type per endpoint of API.md §3.0 implements [`Endpoint`];
//! [`PointsClient::send`] adds the credentials the endpoint needs (the public key in the path
//! for checkout, the private key in `x-api-key` for everything else, never both), reads the
//! envelope and maps failures to [`ClientError`]. Retries follow an explicit [`RetryPolicy`].
//!
//! ```no_run
//! # async fn run(client: protocol::client::PointsClient, uuid: protocol::OrderUuid) -> Result<(), protocol::client::ClientError> {
//! use protocol::{Sar, client::Refund};
//! let order = client.send(&Refund::partial(uuid, Sar::from_halalas(2500)).reason("One line returned")).await?;
//! # Ok(()) }
//! ```
//!
//! Earning calls (the three [`Endpoint::EARNING`] endpoints) are serialised per client: Points
//! answers a concurrent earning for the same merchant with 429, so a client lets one through at
//! a time. Clones of a client, and clients made with [`PointsClient::with_retry`] or
//! [`PointsClient::with_timeout`], share that lock and the connection pool; use one client (or
//! its clones) per merchant.

mod endpoints;
mod error;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use endpoints::{
    Authorize, Cancel, Capture, Complete, CreateCheckout, CreateWebhook, DeleteWebhook, Earning,
    GetOrder, GetWebhook, ListWebhooks, ProductRating, Refund, ReplaceWebhook,
    SetIntegrationStatus, StoreRating, UpdateShipping, UpdateWebhook,
};
pub use error::ClientError;
pub use retry::RetryPolicy;

use crate::{ApiKey, ErrorEnvelope};

/// Which credential an endpoint authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The public key is part of the path; `x-api-key` must not be sent.
    PublicKeyInPath,
    /// `x-api-key: <private key>`.
    PrivateKey,
}

/// HTTP methods the Points API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// A Points endpoint: its method, path, body and what its answer decodes to.
pub trait Endpoint {
    type Output: DeserializeOwned;
    const METHOD: Method;
    const AUTH: Auth;
    /// The earning endpoints: one in flight per merchant (API.md §2).
    const EARNING: bool = false;

    /// The path after the base URL, starting with `/v1/`. For [`Auth::PublicKeyInPath`]
    /// endpoints it receives the public key.
    fn path(&self, public_key: &str) -> String;

    /// The JSON body, if any.
    fn body(&self) -> Option<Value> {
        None
    }

    /// Whether sending the request twice is harmless. Other requests are retried only when the
    /// first attempt certainly did not take effect: the connection never opened, or 429.
    fn idempotent(&self) -> bool {
        matches!(Self::METHOD, Method::Get | Method::Put | Method::Delete)
    }

    /// The success envelope to the output; by default its `data` (absent reads as `null`).
    fn decode(envelope: Value) -> Result<Self::Output, ClientError> {
        let data = match envelope {
            Value::Object(mut fields) => fields.remove("data").unwrap_or(Value::Null),
            _ => Value::Null,
        };
        serde_json::from_value(data).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// A failure that means success for this endpoint; `retried` says an earlier attempt of
    /// the same request may have reached Points (earning: "already taken" = already recorded).
    fn recover(&self, _error: &ClientError, _retried: bool) -> Option<Self::Output> {
        None
    }
}

/// Where Points is and who we are there.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://business.papp.sa/api`; a trailing `/v1` (as the docs' env var has it) is
    /// accepted and dropped.
    pub base_url: String,
    pub public_key: String,
    pub private_key: ApiKey,
    /// Per attempt.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Refuse to speak anything but HTTPS (the server sets it in production mode): an
    /// `http://` base URL is a configuration error, and no request ever leaves in plain text.
    pub https_only: bool,
}

/// A client for one merchant's keys. Cheap to clone; clones share connections and the
/// earning lock.
#[derive(Debug, Clone)]
pub struct PointsClient {
    http: reqwest::Client,
    base_url: String,
    public_key: String,
    private_key: ApiKey,
    timeout: Duration,
    retry: RetryPolicy,
    earning_lock: Arc<tokio::sync::Mutex<()>>,
}

impl PointsClient {
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let base = config.base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base).to_owned();
        let parsed =
            url::Url::parse(&base).map_err(|e| ClientError::Config(format!("base_url: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::Config("base_url must be http(s)".into()));
        }
        if config.https_only && parsed.scheme() != "https" {
            return Err(ClientError::Config(
                "base_url must be https:// (https only, as in production)".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .https_only(config.https_only)
            .user_agent(concat!("points-kit/", env!("CARGO_PKG_VERSION")))
            // A redirect would re-send `x-api-key` to wherever it points (another host, or
            // https → http). Points' API never redirects, so none is followed.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(PointsClient {
            http,
            base_url: base,
            public_key: config.public_key,
            private_key: config.private_key,
            timeout: config.timeout,
            retry: config.retry,
            earning_lock: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The same client with another retry policy (sharing connections and the earning lock).
    pub fn with_retry(&self, retry: RetryPolicy) -> Self {
        PointsClient {
            retry,
            ..self.clone()
        }
    }

    /// The same client with another per-attempt timeout.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        PointsClient {
            timeout,
            ..self.clone()
        }
    }

    /// Sends `endpoint`, retrying as the policy allows, and returns its output.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, ClientError> {
        self.send_inner(endpoint, false).await
    }

    /// [`send`](Self::send) for a request that may have reached Points before (an outbox
    /// retrying after a crash or a lost answer): the endpoint's "already done" answer counts
    /// as success from the first attempt, e.g. [`crate::Earned::AlreadyRecorded`].
    pub async fn resend<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, ClientError> {
        self.send_inner(endpoint, true).await
    }

    async fn send_inner<E: Endpoint>(
        &self,
        endpoint: &E,
        sent_before: bool,
    ) -> Result<E::Output, ClientError> {
        // Held across the retries too: one earning call in flight per merchant.
        let _earning = match E::EARNING {
            true => Some(self.earning_lock.lock().await),
            false => None,
        };
        let mut attempt = 0;
        loop {
            let error = match self.send_once(endpoint).await {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            if let Some(output) = endpoint.recover(&error, sent_before || attempt > 0) {
                return Ok(output);
            }
            let Some(delay) = self.retry.delay_for(attempt, &error, endpoint.idempotent()) else {
                return Err(error);
            };
            tracing::debug!(attempt, ?delay, %error, path = %endpoint.path("{publicKey}"), "retrying Points call");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, ClientError> {
        let url = format!("{}{}", self.base_url, endpoint.path(&self.public_key));
        let method = match E::METHOD {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut request = self
            .http
            .request(method, url)
            .timeout(self.timeout)
            .header("accept", "application/json");
        if E::AUTH == Auth::PrivateKey {
            request = request.header("x-api-key", self.private_key.expose());
        }
        if let Some(body) = endpoint.body() {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(ClientError::from_transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status.is_redirection() {
            return Err(ClientError::Decode(format!(
                "Points answered a redirect (HTTP {}); redirects are not followed",
                status.as_u16()
            )));
        }
        let bytes = read_capped(response).await?;
        if status.is_success() {
            let envelope: Value =
                serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(format!("{e}")))?;
            return E::decode(envelope);
        }
        let error: ErrorEnvelope = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            ErrorEnvelope::new(
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            )
        });
        Err(ClientError::from_status(
            status.as_u16(),
            error,
            retry_after,
        ))
    }
}

/// The most of one answer the client reads: Points' envelopes are a few KiB, so a larger body
/// is refused as it arrives rather than buffered whole.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let too_large = || ClientError::Decode(format!("answer over {MAX_ANSWER_BYTES} bytes"));
    if response
        .content_length()
        .is_some_and(|length| length > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(ClientError::from_transport)?
    {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the envelope's `data` from a raw success body; for callers holding bytes already.
pub fn decode_data<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice::<crate::Envelope<T>>(bytes)
        .map(|e| e.data)
        .map_err(|e| ClientError::Decode(e.to_string()))
}
