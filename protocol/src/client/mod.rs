//! The typed Points client (feature `client`).
//!
//! One request type per endpoint implements [`Endpoint`]; [`PointsClient::send`] adds the
//! credentials the endpoint needs (the public key in the path for checkout, the private key in
//! `x-api-key` for everything else, never both), reads the envelope and maps failures to
//! [`ClientError`]. Retries follow an explicit [`RetryPolicy`].

mod endpoints;
mod error;
mod retry;

use std::time::Duration;

use serde::de::DeserializeOwned;

pub use endpoints::{CreateCheckout, GetOrder};
pub use error::ClientError;
pub use retry::RetryPolicy;

use crate::{ApiKey, Envelope, ErrorEnvelope};

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

/// A Points endpoint: its method, path, body and the type of its `data`.
pub trait Endpoint {
    type Output: DeserializeOwned;
    const METHOD: Method;
    const AUTH: Auth;

    /// The path after the base URL, starting with `/v1/`. For [`Auth::PublicKeyInPath`]
    /// endpoints it receives the public key.
    fn path(&self, public_key: &str) -> String;

    /// The JSON body, if any.
    fn body(&self) -> Option<serde_json::Value> {
        None
    }

    /// Whether sending the request twice is harmless. Non-idempotent requests are retried only
    /// when the first attempt certainly did not reach Points (connect errors) or Points says so
    /// (429 from the lock).
    fn idempotent(&self) -> bool {
        matches!(Self::METHOD, Method::Get | Method::Put | Method::Delete)
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
}

/// A client for one merchant's keys.
#[derive(Debug, Clone)]
pub struct PointsClient {
    http: reqwest::Client,
    base_url: String,
    public_key: String,
    private_key: ApiKey,
    retry: RetryPolicy,
}

impl PointsClient {
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let base = config.base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base).to_owned();
        url::Url::parse(&base).map_err(|e| ClientError::Config(format!("base_url: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("points-kit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(PointsClient {
            http,
            base_url: base,
            public_key: config.public_key,
            private_key: config.private_key,
            retry: config.retry,
        })
    }

    /// Sends `endpoint`, retrying as the policy allows, and returns its `data`.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, ClientError> {
        let mut attempt = 0;
        loop {
            let result = self.send_once(endpoint).await;
            let retry = match &result {
                Err(error) => self.retry.delay_for(attempt, error, endpoint.idempotent()),
                Ok(_) => None,
            };
            match retry {
                Some(delay) => {
                    tracing::debug!(attempt, ?delay, path = %endpoint.path("{publicKey}"), "retrying Points call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return result,
            }
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
        let bytes = response
            .bytes()
            .await
            .map_err(ClientError::from_transport)?;
        if status.is_success() {
            let envelope: Envelope<E::Output> =
                serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(format!("{e}")))?;
            return Ok(envelope.data);
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

/// Reads the envelope's `data` from a raw success body; for callers holding bytes already.
pub fn decode_data<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice::<Envelope<T>>(bytes)
        .map(|e| e.data)
        .map_err(|e| ClientError::Decode(e.to_string()))
}
