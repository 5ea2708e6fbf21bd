//! `spawn_app()` and friends: a real server on 127.0.0.1 port 0 over a fresh SQLite file, a fake
//! Points that records what it receives, and typed helpers per endpoint.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{Row, SqlitePool};
use tokio::net::TcpListener;

pub const PUBLIC_KEY: &str = "pk_test_public";
pub const PRIVATE_KEY: &str = "sk_test_private";
pub const PUBLIC_URL: &str = "https://shop.example";
pub const CATALOG: &str = r#"{"products":[
  {"sku":"oud-50","name":{"ar":"عطر عود ٥٠ مل","en":"Oud perfume 50 ml"},"price":"150.75"},
  {"sku":"musk-10","name":{"ar":"مسك ١٠ مل","en":"Musk 10 ml"},"price":"39.50"}
]}"#;

/// The server under test plus what it talks to.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub http: reqwest::Client,
    /// A separate pool on the server's own SQLite file, for assertions.
    pub db: SqlitePool,
    pub points: FakePoints,
    pub webhook_secret: String,
    _app: server::App,
    _dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    let points = FakePoints::spawn().await;
    let dir = TempDir::new();
    let database_url = format!("sqlite://{}", dir.path.join("server.db").display());
    let webhook_secret = format!("whsec{}", uuid::Uuid::new_v4().simple());
    let config = server::Config {
        database_url: database_url.clone(),
        points_base_url: points.base_url.clone(),
        public_key: PUBLIC_KEY.into(),
        private_key: protocol::ApiKey::new(PRIVATE_KEY),
        webhook_secret: protocol::WebhookSecret::new(webhook_secret.clone()),
        public_url: PUBLIC_URL.into(),
        return_path: "/return.html".into(),
        catalog: server::Catalog::from_json(CATALOG).expect("test catalog"),
    };
    let app = server::App::start(config).await.expect("app starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app.router();
    tokio::spawn(server::serve_until(
        listener,
        router,
        std::future::pending(),
    ));
    let db = SqlitePoolOptions::new()
        .max_connections(2)
        .connect(&database_url)
        .await
        .expect("test pool on the server's database");
    TestApp {
        address,
        http: reqwest::Client::new(),
        db,
        points,
        webhook_secret,
        _app: app,
        _dir: dir,
    }
}

impl TestApp {
    pub async fn post_checkout(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/api/checkout", self.address))
            .json(body)
            .send()
            .await
            .expect("checkout request")
    }

    /// A successful checkout of one `oud-50`; returns the order number.
    pub async fn checkout_one_oud(&self) -> String {
        let response = self
            .post_checkout(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["order_number"]
            .as_str()
            .expect("order_number")
            .to_owned()
    }

    pub async fn get_order(&self, order_number: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api/orders/{order_number}", self.address))
            .send()
            .await
            .expect("order request")
    }

    /// The `state` the status endpoint reports.
    pub async fn order_state(&self, order_number: &str) -> String {
        let body: Value = self
            .get_order(order_number)
            .await
            .json()
            .await
            .expect("json");
        body["state"].as_str().unwrap_or_default().to_owned()
    }

    /// Posts raw bytes to the webhook endpoint with the given headers.
    pub async fn post_webhook_raw(
        &self,
        secret: Option<&str>,
        event_header: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/webhooks/points", self.address))
            .header("content-type", "application/json");
        if let Some(secret) = secret {
            request = request.header("x-webhook-secret", secret);
        }
        if let Some(event) = event_header {
            request = request.header("x-webhook-event", event);
        }
        request.body(body).send().await.expect("webhook request")
    }

    /// Delivers `payload` as Points does: right secret, matching event header.
    pub async fn deliver(&self, payload: &Value) -> reqwest::Response {
        self.post_webhook_raw(
            Some(&self.webhook_secret),
            payload["event"].as_str(),
            payload.to_string(),
        )
        .await
    }

    pub async fn inbox_count(&self) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox")
            .fetch_one(&self.db)
            .await
            .expect("count")
            .get("n")
    }

    pub async fn unprocessed_count(&self) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM webhook_inbox WHERE processed_at IS NULL")
            .fetch_one(&self.db)
            .await
            .expect("count")
            .get("n")
    }

    /// Waits until the worker has processed every stored delivery.
    pub async fn wait_for_inbox_drained(&self) {
        eventually("the inbox to drain", || async {
            (self.unprocessed_count().await == 0).then_some(())
        })
        .await;
    }

    /// `last_error` of the inbox row for `event`, once it is processed.
    pub async fn processed_note(&self, event: &str) -> Option<String> {
        eventually("the delivery to be processed", || async {
            let row =
                sqlx::query("SELECT processed_at, last_error FROM webhook_inbox WHERE event = $1")
                    .bind(event)
                    .fetch_optional(&self.db)
                    .await
                    .expect("query")?;
            let processed: Option<String> = row.get("processed_at");
            processed.map(|_| row.get::<Option<String>, _>("last_error"))
        })
        .await
    }
}

/// Builds an order webhook the way Points sends it (API.md §6.3).
pub fn order_event(event: &str, order_number: &str, uuid: &str, status: &str) -> Value {
    json!({
        "event": event,
        "order": {
            "id": uuid,
            "reference_number": "REF-2026-000042",
            "order_number": order_number,
            "type": "replacing",
            "total_price": 150.75,
            "total_points": 5025,
            "payment_status": "fully_paid",
            "order_status": status,
            "metadata": null,
            "created_at": "2026-04-18T10:00:00Z",
            "updated_at": "2026-04-18T10:05:12Z"
        },
        "timestamp": "2026-04-18T10:05:12Z"
    })
}

pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Polls `probe` until it yields a value, for at most five seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    const ATTEMPTS: u32 = 250;
    for _ in 0..ATTEMPTS {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// What the fake Points saw on one checkout call.
#[derive(Debug, Clone)]
pub struct ReceivedCheckout {
    pub public_key: String,
    pub api_key_header: Option<String>,
    pub body: Value,
}

/// How the fake Points answers checkout.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Session,
    Status(u16),
}

/// A minimal stand-in for Points: `POST /api/v1/orders/checkout/{publicKey}` only.
#[derive(Debug, Clone)]
pub struct FakePoints {
    /// `http://127.0.0.1:PORT/api`
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
}

#[derive(Debug)]
struct FakeState {
    received: Vec<ReceivedCheckout>,
    answer: Answer,
}

impl FakePoints {
    async fn spawn() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            received: Vec::new(),
            answer: Answer::Session,
        }));
        let router = Router::new()
            .route("/api/v1/orders/checkout/{public_key}", post(fake_checkout))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake");
        let base_url = format!("http://{}/api", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakePoints { base_url, state }
    }

    pub fn answer_with(&self, answer: Answer) {
        self.state.lock().expect("lock").answer = answer;
    }

    pub fn received(&self) -> Vec<ReceivedCheckout> {
        self.state.lock().expect("lock").received.clone()
    }
}

async fn fake_checkout(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(public_key): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut state = state.lock().expect("lock");
    state.received.push(ReceivedCheckout {
        public_key,
        api_key_header: headers
            .get("x-api-key")
            .map(|v| v.to_str().unwrap_or_default().to_owned()),
        body: body.clone(),
    });
    match state.answer {
        Answer::Session => (
            StatusCode::OK,
            Json(json!({
                "status": true, "message": "", "appended_data": {},
                "data": { "checkout_url": format!("https://pay.example/session/{}", state.received.len()) }
            })),
        ),
        Answer::Status(code) => (
            StatusCode::from_u16(code).expect("status"),
            Json(json!({
                "status": false,
                "message": "fake Points failure with internal details",
                "appended_data": {},
                "errors": { "total_price": ["The total price field is required."] }
            })),
        ),
    }
}

/// A directory removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("points-kit-server-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
