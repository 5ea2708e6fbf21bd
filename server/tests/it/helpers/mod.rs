//! `spawn_app()` and friends: a real server on 127.0.0.1 port 0 over a fresh SQLite file (or a
//! fresh Postgres database), the real sandbox in-process as Points with a merchant per test
//! ([`points`]), and typed helpers per endpoint.

mod points;
mod postgres;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use tokio::net::TcpListener;

pub use points::TestPoints;
pub use postgres::FreshDatabase;

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
    pub points: TestPoints,
    pub webhook_secret: String,
    /// `None` once [`TestApp::shut_down`] ran.
    app: Option<server::App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    serving: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
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
    /// The end of that rotation; `None`: no end.
    pub previous_webhook_secret_until: Option<time::OffsetDateTime>,
    /// Another test server's Points (same sandbox, same merchant), to share it.
    pub points: Option<TestPoints>,
    /// Another test server's webhook secret, to share it.
    pub webhook_secret: Option<String>,
    /// Register this server's `/webhooks/points` at the sandbox with this secret, so Points
    /// delivers the merchant's events to it.
    pub points_delivers_with: Option<WebhookSecretChoice>,
    /// How long rejected deliveries and idempotency keys are kept (default: the config's).
    pub retention: Option<server::config::Retention>,
    /// The earning sender's timeout and back-off (default: the config's).
    pub earning: Option<server::config::EarningConfig>,
    /// Reconciliation's schedule and pacing (default: the config's, nightly).
    pub reconcile: Option<server::config::ReconcileConfig>,
    /// `verify_webhooks` (default: the config's, on).
    pub verify_webhooks: Option<bool>,
    /// `inbox_max_attempts` (default: the config's).
    pub inbox_max_attempts: Option<u32>,
    /// The public endpoints' limits (default: none, so tests may check out and poll freely;
    /// `limits::…` tests set them).
    pub limits: Option<server::config::LimitsConfig>,
}

/// Which of the server's secrets the sandbox's webhook carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookSecretChoice {
    Current,
    Previous,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let points = match options.points {
        Some(points) => points,
        None => TestPoints::spawn().await,
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
    let previous_webhook_secret = options.previous_webhook_secret;
    let mut config = server::Config {
        previous_webhook_secret: previous_webhook_secret
            .clone()
            .map(protocol::WebhookSecret::new),
        previous_webhook_secret_until: options.previous_webhook_secret_until,
        retention: options.retention.unwrap_or_default(),
        earning: options.earning.unwrap_or_default(),
        reconcile: options.reconcile.unwrap_or_default(),
        limits: options
            .limits
            .unwrap_or_else(server::config::LimitsConfig::unlimited),
        ..server::Config::new(
            database_url.clone(),
            server::config::PointsAccount {
                base_url: points.base_url.clone(),
                public_key: points.public_key.clone(),
                private_key: protocol::ApiKey::new(points.private_key.clone()),
            },
            protocol::WebhookSecret::new(webhook_secret.clone()),
            PUBLIC_URL,
            server::Catalog::from_json(CATALOG).expect("test catalog"),
        )
    };
    if let Some(verify) = options.verify_webhooks {
        config.ops.verify_webhooks = verify;
    }
    if let Some(attempts) = options.inbox_max_attempts {
        config.ops.inbox_max_attempts = attempts;
    }
    let app = server::App::start(config).await.expect("app starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server::serve_until(listener, app.router(), async {
        let _ = stop.await;
    }));
    if let Some(choice) = options.points_delivers_with {
        let secret = match choice {
            WebhookSecretChoice::Current => webhook_secret.clone(),
            WebhookSecretChoice::Previous => previous_webhook_secret
                .clone()
                .expect("a previous secret to deliver with"),
        };
        points
            .register_webhook(&format!("{address}/webhooks/points"), &secret)
            .await;
    }
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
        app: Some(app),
        shutdown: Some(shutdown),
        serving: Some(serving),
        _dir: dir,
        _postgres: postgres,
    }
}

impl TestApp {
    /// The running server, for tests that call its library directly (the earning outbox).
    pub fn server(&self) -> &server::App {
        self.app.as_ref().expect("the server is running")
    }

    /// The running server's state, to run operations (reconciliation, …) in-process.
    pub fn state(&self) -> &server::AppState {
        self.app.as_ref().expect("the server is running").state()
    }

    /// Stops the server as the binary does on SIGTERM: no new connections, open requests
    /// finish, then the worker finishes its row and the database closes.
    pub async fn shut_down(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(serving) = self.serving.take() {
            serving
                .await
                .expect("serve task")
                .expect("served without error");
        }
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }

    /// A checkout whose Points call fails (an injected 422): the order exists here, pending,
    /// and Points has never heard of it. Returns its order number.
    pub async fn checkout_unknown_to_points(&self) -> String {
        self.points.fail_checkouts(422, 1).await;
        let response = self
            .post_checkout(&json!({"items":[{"sku":"oud-50","quantity":1}]}))
            .await;
        assert_eq!(response.status(), 502);
        sqlx::query("SELECT order_number FROM orders ORDER BY id DESC LIMIT 1")
            .fetch_one(&self.db)
            .await
            .expect("the pending order")
            .get("order_number")
    }

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

    /// The shopper pays `order_number` on Points' hosted page; returns its Points uuid, for
    /// deliveries Points would send (and the worker can verify).
    pub async fn paid_at_points(&self, order_number: &str) -> String {
        self.points.approve(order_number).await;
        self.points.uuid_of(order_number).await
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

    /// `GET /metrics`: the exposition text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("scrape /metrics")
            .text()
            .await
            .expect("metrics text")
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

/// Polls `probe` until it yields a value, for at most ten seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    const ATTEMPTS: u32 = 500;
    for _ in 0..ATTEMPTS {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
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
