//! A webhook gate: a tiny HTTP relay between the sandbox and the merchant server that holds
//! deliveries until the test opens it. It lets a test observe the return page *before* the
//! webhook has landed, then let it through, over real HTTP.

use std::sync::Arc;

use anyhow::Result;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Holds webhook deliveries while closed; forwards them, headers and body unchanged, when open.
#[derive(Debug, Clone)]
pub struct WebhookGate {
    /// Where the sandbox delivers.
    pub url: String,
    open: Arc<watch::Sender<bool>>,
    held: Arc<watch::Sender<usize>>,
}

#[derive(Clone)]
struct Relay {
    target: String,
    http: reqwest::Client,
    open: watch::Receiver<bool>,
    held: Arc<watch::Sender<usize>>,
}

impl WebhookGate {
    pub(crate) async fn start(target: String) -> Result<(WebhookGate, JoinHandle<()>)> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/", listener.local_addr()?);
        let (open, open_rx) = watch::channel(false);
        let held = Arc::new(watch::channel(0usize).0);
        let relay = Relay {
            target,
            http: reqwest::Client::new(),
            open: open_rx,
            held: held.clone(),
        };
        let app = Router::new()
            .route("/", post(relay_delivery))
            .with_state(relay);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((
            WebhookGate {
                url,
                open: Arc::new(open),
                held,
            },
            task,
        ))
    }

    /// Lets held and future deliveries through.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    /// Holds deliveries again from now on (one in flight through the relay is not recalled).
    pub fn close(&self) {
        self.open.send_replace(false);
    }

    /// Waits until at least `count` deliveries are being held (or have been).
    pub async fn wait_for_held(&self, count: usize) {
        let mut seen = self.held.subscribe();
        let _ = seen.wait_for(|held| *held >= count).await;
    }
}

async fn relay_delivery(State(relay): State<Relay>, headers: HeaderMap, body: Bytes) -> StatusCode {
    relay.held.send_modify(|held| *held += 1);
    let mut open = relay.open.clone();
    if open.wait_for(|is_open| *is_open).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut request = relay.http.post(&relay.target).body(body);
    for name in ["content-type", "x-webhook-secret", "x-webhook-event"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(response) => {
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}
