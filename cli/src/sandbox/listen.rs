//! `points listen --forward-to URL`: registers a webhook on the sandbox that points at this
//! command, and forwards each delivery (body and Points' headers, unchanged) to a local server,
//! printing the event, the local server's answer and its latency. The local server's status
//! goes back to the sandbox, so a failing handler sees Points' retries, as in production.
//!
//! The registration is kept between runs and found again by its URL, so its secret is stable:
//! `points listen --print-secret` prints it for the local server's `POINTS_WEBHOOK_SECRET`.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use protocol::client::{CreateWebhook, ListWebhooks};
use protocol::{WebhookSecret, WebhookUuid};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::Sandbox;

/// Where `listen` receives deliveries unless told otherwise.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:4242";
/// The name the registration carries in the sandbox's webhook list.
pub const WEBHOOK_NAME: &str = "points listen";

/// The sandbox's webhook that points at this command.
#[derive(Debug, Clone)]
pub struct Registration {
    pub uuid: WebhookUuid,
    pub url: String,
    pub secret: WebhookSecret,
    /// Whether this run created it (`false`: found from an earlier run).
    pub created: bool,
}

/// Finds the webhook registered for `url`, or registers it.
pub async fn register(sandbox: &Sandbox, url: &str) -> Result<Registration> {
    let client = sandbox.client()?;
    let mut page = 1;
    loop {
        let listed = client
            .send(&ListWebhooks {
                per_page: Some(100),
                page: Some(page),
            })
            .await
            .context("listing the sandbox's webhooks")?;
        if let Some(found) = listed.items.into_iter().find(|w| w.url == url) {
            return Ok(Registration {
                uuid: found.uuid,
                url: found.url,
                secret: found.secret,
                created: false,
            });
        }
        if listed.meta.current_page >= listed.meta.last_page {
            break;
        }
        page += 1;
    }
    let created = client
        .send(&CreateWebhook {
            name: WEBHOOK_NAME.into(),
            url: url.into(),
        })
        .await
        .context("registering the webhook")?;
    Ok(Registration {
        uuid: created.uuid,
        url: created.url,
        secret: created.secret,
        created: true,
    })
}

/// The URL deliveries reach `listen` at.
pub fn listen_url(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

/// One delivery as it was forwarded.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub event: String,
    pub order_uuid: Option<String>,
    /// The local server's status; `None` when it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency: Duration,
    /// The delivery did not carry the registration's secret: answered 401, not forwarded.
    pub forged: bool,
}

impl fmt::Display for Forwarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = self.order_uuid.as_deref().unwrap_or("-");
        if self.forged {
            return write!(
                f,
                "{:<24} {order}  refused: wrong X-Webhook-Secret, not forwarded",
                self.event
            );
        }
        match (self.status, &self.error) {
            (Some(status), _) => write!(
                f,
                "{:<24} {order}  → {status} in {} ms",
                self.event,
                self.latency.as_millis()
            ),
            (None, error) => write!(
                f,
                "{:<24} {order}  → failed: {}",
                self.event,
                error.as_deref().unwrap_or("unknown error")
            ),
        }
    }
}

/// A running `listen`.
#[derive(Debug)]
pub struct Listening {
    pub registration: Registration,
    pub addr: SocketAddr,
    /// Each delivery, as it is forwarded.
    pub forwarded: mpsc::UnboundedReceiver<Forwarded>,
    task: JoinHandle<()>,
}

impl Listening {
    pub fn stop(self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Forwarder {
    target: Url,
    secret: WebhookSecret,
    http: reqwest::Client,
    report: mpsc::UnboundedSender<Forwarded>,
}

/// Binds `addr`, makes sure the sandbox's webhook points at it, and forwards to `forward_to`.
pub async fn start(sandbox: &Sandbox, addr: SocketAddr, forward_to: Url) -> Result<Listening> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr} (another `points listen`?)"))?;
    let addr = listener.local_addr()?;
    let registration = register(sandbox, &listen_url(addr)).await?;
    let (report, forwarded) = mpsc::unbounded_channel();
    let forwarder = Forwarder {
        target: forward_to,
        secret: registration.secret.clone(),
        // Points' own delivery timeout (API.md §6.2).
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
        report,
    };
    let router = Router::new().fallback(post(forward)).with_state(forwarder);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Listening {
        registration,
        addr,
        forwarded,
        task,
    })
}

async fn forward(
    State(forwarder): State<Forwarder>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let event = header("x-webhook-event").unwrap_or_else(|| "(no event header)".into());
    let order_uuid = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|b| b["order"]["id"].as_str().map(str::to_owned));
    let presented = header("x-webhook-secret").unwrap_or_default();
    if !forwarder.secret.verify(presented.as_bytes()) {
        let _ = forwarder.report.send(Forwarded {
            event,
            order_uuid,
            status: None,
            error: None,
            latency: Duration::ZERO,
            forged: true,
        });
        return StatusCode::UNAUTHORIZED;
    }
    let started = Instant::now();
    let mut request = forwarder
        .http
        .post(forwarder.target.clone())
        .header("content-type", "application/json")
        .header("x-webhook-secret", presented)
        .body(body);
    if let Some(event) = header("x-webhook-event") {
        request = request.header("x-webhook-event", event);
    }
    let (status, error, answer) = match request.send().await {
        Ok(response) => {
            let status = response.status();
            (Some(status.as_u16()), None, status)
        }
        Err(e) => (None, Some(e.to_string()), StatusCode::BAD_GATEWAY),
    };
    let _ = forwarder.report.send(Forwarded {
        event,
        order_uuid,
        status,
        error,
        latency: started.elapsed(),
        forged: false,
    });
    StatusCode::from_u16(answer.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
}
