//! `spawn_app()` and friends: a real server on 127.0.0.1 port 0 over a fresh SQLite file, a fake
//! Points that records what it receives, and typed helpers per endpoint.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
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
    /// A separate pool on the server's own database, for assertions.
    pub db: AnyPool,
    pub database_url: String,
    pub points: FakePoints,
    pub webhook_secret: String,
    _app: server::App,
    _dir: TempDir,
    _postgres: Option<FreshDatabase>,
}

/// What differs between test servers.
#[derive(Debug, Default)]
pub struct Options {
    /// Defaults to a fresh SQLite file.
    pub database_url: Option<String>,
    /// A second accepted webhook secret (rotation).
    pub previous_webhook_secret: Option<String>,
    /// Another test server's fake Points, to share it.
    pub points: Option<FakePoints>,
    /// Another test server's webhook secret, to share it.
    pub webhook_secret: Option<String>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let points = match options.points {
        Some(points) => points,
        None => FakePoints::spawn().await,
    };
    let dir = TempDir::new();
    let mut postgres = None;
    let database_url = match options.database_url {
        Some(url) => url,
        None if std::env::var("POINTS_TEST_DATABASE").is_ok_and(|v| v == "postgres") => {
            let fresh = FreshDatabase::create()
                .await
                .expect("POINTS_TEST_DATABASE=postgres needs a reachable Postgres");
            let url = fresh.url.clone();
            postgres = Some(fresh);
            url
        }
        None => format!("sqlite://{}", dir.path.join("server.db").display()),
    };
    let webhook_secret = options
        .webhook_secret
        .unwrap_or_else(|| format!("whsec{}", uuid::Uuid::new_v4().simple()));
    let config = server::Config {
        database_url: database_url.clone(),
        points_base_url: points.base_url.clone(),
        public_key: PUBLIC_KEY.into(),
        private_key: protocol::ApiKey::new(PRIVATE_KEY),
        webhook_secret: protocol::WebhookSecret::new(webhook_secret.clone()),
        previous_webhook_secret: options
            .previous_webhook_secret
            .map(protocol::WebhookSecret::new),
        public_url: PUBLIC_URL.into(),
        return_path: "/return.html".into(),
        catalog: server::Catalog::from_json(CATALOG).expect("test catalog"),
        mode: server::config::Mode::Development,
        ops: server::config::OpsConfig::default(),
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
    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(2)
        .connect(&database_url)
        .await
        .expect("test pool on the server's database");
    TestApp {
        address,
        http: reqwest::Client::new(),
        db,
        database_url,
        points,
        webhook_secret,
        _app: app,
        _dir: dir,
        _postgres: postgres,
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

    /// A checkout with an `Idempotency-Key`.
    pub async fn post_checkout_with_key(&self, key: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/api/checkout", self.address))
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("checkout request")
    }

    /// `GET /api/orders/{order_number}?{query}`.
    pub async fn get_order_with(&self, order_number: &str, query: &str) -> Value {
        let response = self
            .http
            .get(format!(
                "{}/api/orders/{order_number}?{query}",
                self.address
            ))
            .send()
            .await
            .expect("order request");
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }

    /// `SELECT COUNT(*)` of whatever `from_where` says (`orders`, `webhook_rejected WHERE …`).
    pub async fn count(&self, from_where: &str) -> i64 {
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {from_where}"))
            .fetch_one(&self.db)
            .await
            .expect("count")
            .get("n")
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

/// What the fake Points saw on one `GET /v1/orders/{uuid}`.
#[derive(Debug, Clone)]
pub struct ReceivedLookup {
    pub uuid: String,
    pub api_key_header: Option<String>,
}

/// How the fake Points answers checkout.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Session,
    Status(u16),
}

/// A minimal stand-in for Points: `POST /api/v1/orders/checkout/{publicKey}` and
/// `GET /api/v1/orders/{uuid}` (answering what [`FakePoints::put_order`] stored, else 404).
#[derive(Debug, Clone)]
pub struct FakePoints {
    /// `http://127.0.0.1:PORT/api`
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
}

#[derive(Debug)]
struct FakeState {
    received: Vec<ReceivedCheckout>,
    lookups: Vec<ReceivedLookup>,
    orders: std::collections::HashMap<String, Value>,
    answer: Answer,
    delay: Duration,
}

impl FakePoints {
    pub async fn spawn() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            received: Vec::new(),
            lookups: Vec::new(),
            orders: std::collections::HashMap::new(),
            answer: Answer::Session,
            delay: Duration::ZERO,
        }));
        let router = Router::new()
            .route("/api/v1/orders/checkout/{public_key}", post(fake_checkout))
            .route("/api/v1/orders/{uuid}", get(fake_get_order))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake");
        let base_url = format!("http://{}/api", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakePoints { base_url, state }
    }

    pub fn answer_with(&self, answer: Answer) {
        self.state.lock().expect("lock").answer = answer;
    }

    /// Makes checkout answer only after `delay`, so concurrent requests overlap.
    pub fn delay_checkout(&self, delay: Duration) {
        self.state.lock().expect("lock").delay = delay;
    }

    pub fn received(&self) -> Vec<ReceivedCheckout> {
        self.state.lock().expect("lock").received.clone()
    }

    /// Makes `GET /v1/orders/{uuid}` answer this order resource (keyed by its `uuid`).
    pub fn put_order(&self, resource: Value) {
        let uuid = resource["uuid"].as_str().expect("resource uuid").to_owned();
        self.state
            .lock()
            .expect("lock")
            .orders
            .insert(uuid, resource);
    }

    pub fn lookups(&self) -> Vec<ReceivedLookup> {
        self.state.lock().expect("lock").lookups.clone()
    }
}

/// An order as `GET /v1/orders/{uuid}` returns it (API.md §3.1); `order_type` 1 earning,
/// 2 replacing.
pub fn order_resource(uuid: &str, order_number: &str, status: &str, order_type: u8) -> Value {
    json!({
        "id": 42,
        "uuid": uuid,
        "reference_number": "REF-2026-000042",
        "order_status": status,
        "status_label": "New",
        "custom_status": null,
        "order_number": order_number,
        "type": order_type,
        "total_price": 150.75,
        "total_points": 5025,
        "metadata": null,
        "date": "2026-04-18",
        "time": "10:00:00",
        "since": "1 minute ago",
        "settlement_status": null,
        "status": 1,
        "created_at": "2026-04-18T10:00:00.000Z",
        "updated_at": "2026-04-18T10:05:12.000Z",
        "items": null
    })
}

async fn fake_checkout(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(public_key): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let (count, answer, delay) = {
        let mut state = state.lock().expect("lock");
        state.received.push(ReceivedCheckout {
            public_key,
            api_key_header: headers
                .get("x-api-key")
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
            body: body.clone(),
        });
        (state.received.len(), state.answer, state.delay)
    };
    tokio::time::sleep(delay).await;
    match answer {
        Answer::Session => (
            StatusCode::OK,
            Json(json!({
                "status": true, "message": "", "appended_data": {},
                "data": { "checkout_url": format!("https://pay.example/session/{count}") }
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

async fn fake_get_order(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let mut state = state.lock().expect("lock");
    let api_key_header = headers
        .get("x-api-key")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    state.lookups.push(ReceivedLookup {
        uuid: uuid.clone(),
        api_key_header: api_key_header.clone(),
    });
    if api_key_header.as_deref() != Some(PRIVATE_KEY) {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"status": false, "message": "Invalid or inactive API key", "appended_data": {}}),
            ),
        );
    }
    match state.orders.get(&uuid) {
        Some(resource) => (
            StatusCode::OK,
            Json(json!({"status": true, "message": "", "appended_data": {}, "data": resource})),
        ),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"status": false, "message": "Order not found", "appended_data": {}})),
        ),
    }
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A Postgres database created for one test and dropped (with its connections) on drop.
pub struct FreshDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    /// A new database on `POINTS_TEST_POSTGRES_URL` (default
    /// `postgres://postgres@127.0.0.1:5432/test`); `None`, after printing why, when Postgres is
    /// not reachable.
    pub async fn create() -> Option<FreshDatabase> {
        let admin_url = std::env::var("POINTS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        sqlx::any::install_default_drivers();
        let connect = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect(&admin_url);
        let admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok(pool)) => pool,
            Ok(Err(e)) => {
                println!("skipping Postgres tests: cannot connect to {admin_url}: {e}");
                return None;
            }
            Err(_) => {
                println!("skipping Postgres tests: {admin_url} did not answer in 5 s");
                return None;
            }
        };
        let name = format!("points_kit_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("CREATE DATABASE (the test role needs CREATEDB)");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Some(FreshDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be shutting down: use a runtime of its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// A directory removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("points-kit-server-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }
}

impl TempDir {
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
