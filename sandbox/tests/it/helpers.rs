//! `spawn_sandbox()` and a recording webhook receiver.

use std::{
    collections::VecDeque,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use sandbox::{MerchantConfig, Sandbox, SandboxConfig, WebhookConfig};

use crate::conformance::layer::Checked;
use serde_json::{Value, json};

pub const PUBLIC_KEY: &str = "pk_test_shop";
pub const PRIVATE_KEY: &str = "sk_test_shop";
pub const OTHER_PUBLIC_KEY: &str = "pk_test_other";
pub const OTHER_PRIVATE_KEY: &str = "sk_test_other";
/// Markup on purpose: the hosted page must escape it.
pub const MERCHANT_NAME: &str = r#"Café <Test> & "Co""#;

/// A sandbox on a random port whose main merchant delivers webhooks to `receiver`.
#[derive(Debug)]
pub struct TestSandbox {
    pub url: String,
    pub receiver: Receiver,
    pub webhook_secret: String,
    /// Follows no redirects, so tests see the hosted pages' `303`s.
    pub http: reqwest::Client,
    /// Every API response this sandbox gave, checked against the OpenAPI spec.
    pub checked: Checked,
}

pub async fn spawn_sandbox() -> TestSandbox {
    spawn_sandbox_with(|_| {}).await
}

/// [`spawn_sandbox`] with the config changed by `adjust` first.
pub async fn spawn_sandbox_with(adjust: impl FnOnce(&mut SandboxConfig)) -> TestSandbox {
    let receiver = Receiver::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the sandbox");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let webhook = WebhookConfig::new(receiver.url.clone());
    let webhook_secret = webhook.secret.clone();
    let mut shop = MerchantConfig::new(MERCHANT_NAME, PUBLIC_KEY, PRIVATE_KEY);
    shop.webhooks.push(webhook);
    let mut config = SandboxConfig {
        public_url: url.clone(),
        merchants: vec![
            shop,
            MerchantConfig::new("Other Shop", OTHER_PUBLIC_KEY, OTHER_PRIVATE_KEY),
        ],
        // 10 ms, 60 ms, 300 ms.
        webhook_backoff_scale: 0.001,
        // Points' 10 s: no receiver here is slow unless a test makes it so.
        webhook_timeout: sandbox::config::DEFAULT_WEBHOOK_TIMEOUT,
        otp_resend_after: sandbox::config::DEFAULT_OTP_RESEND_AFTER,
    };
    adjust(&mut config);
    let checked = Checked::default();
    serve_checked(listener, Sandbox::new(config), checked.clone());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestSandbox {
        url,
        receiver,
        webhook_secret,
        http,
        checked,
    }
}

/// Serves `sandbox` on `listener` with every API response validated into `checked`.
pub fn serve_checked(listener: tokio::net::TcpListener, sandbox: Sandbox, checked: Checked) {
    let app = crate::conformance::layer::wrap(sandbox.router(), checked);
    tokio::spawn(async move { sandbox::serve_app(listener, sandbox, app).await });
}

/// A test passes only if every API answer it provoked matches the spec.
impl Drop for TestSandbox {
    fn drop(&mut self) {
        let violations = self.checked.violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "{} API response(s) do not match Points' OpenAPI spec (sandbox/spec/points-openapi-v1.yaml):\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
    }
}

impl TestSandbox {
    /// `POST /api/v1/orders/checkout/{PUBLIC_KEY}`.
    pub async fn checkout(&self, body: &Value) -> reqwest::Response {
        self.checkout_as(PUBLIC_KEY, body).await
    }

    pub async fn checkout_as(&self, public_key: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/orders/checkout/{public_key}", self.url))
            .json(body)
            .send()
            .await
            .expect("checkout request")
    }

    /// A successful checkout's session id.
    pub async fn start_checkout(&self, body: &Value) -> String {
        let response = self.checkout(body).await;
        assert_eq!(response.status(), 200, "checkout should succeed");
        let envelope: Value = response.json().await.expect("json");
        let url = envelope["data"]["checkout_url"]
            .as_str()
            .expect("checkout_url");
        session_id(&self.url, url)
    }

    /// `GET /api/v1/orders/{uuid}` with `x-api-key: key` (if any).
    pub async fn get_order(&self, uuid: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}/api/v1/orders/{uuid}", self.url));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        request.send().await.expect("get order")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("get")
    }

    /// A hosted-page form post (`approve` or `cancel`).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .form(form)
            .send()
            .await
            .expect("form post")
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn control_post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .expect("control post")
    }

    /// `method path` on the API with `x-api-key: key` and an optional JSON body.
    pub async fn call_as(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.url))
            .header("x-api-key", key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("api call");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// `POST /api/v1{path}` as the main merchant.
    pub async fn post_api(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call_as(PRIVATE_KEY, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// `GET /api/v1{path}` as the main merchant.
    pub async fn get_api(&self, path: &str) -> (u16, Value) {
        self.call_as(PRIVATE_KEY, reqwest::Method::GET, path, None)
            .await
    }

    /// `POST /api/v1/orders/earning` as the main merchant.
    pub async fn earn(&self, body: &Value) -> (u16, Value) {
        self.post_api("/orders/earning", body).await
    }

    /// An approved earning order's uuid.
    pub async fn earned(&self, order_number: &str, total: f64) -> String {
        let (status, body) = self.earn(&earning_body(order_number, total)).await;
        assert_eq!(status, 200, "earning: {body}");
        body["data"]["uuid"].as_str().expect("uuid").to_owned()
    }

    /// A replacing order in `new` (checkout created, nobody paid yet); its uuid.
    pub async fn new_checkout_order(&self, order_number: &str) -> String {
        self.start_checkout(&checkout_body(order_number)).await;
        self.order(order_number).await["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned()
    }

    /// `PATCH /_sandbox/merchants/{public_key}`.
    pub async fn switch(&self, public_key: &str, patch: &Value) {
        let response = self
            .http
            .patch(format!("{}/_sandbox/merchants/{public_key}", self.url))
            .json(patch)
            .send()
            .await
            .expect("control patch");
        assert_eq!(response.status(), 200, "PATCH merchant {patch}");
    }

    /// The order the sandbox holds under `order_number` (from `/_sandbox/orders`).
    pub async fn order(&self, order_number: &str) -> Value {
        let orders = self.control_get("/_sandbox/orders").await;
        orders
            .as_array()
            .and_then(|all| all.iter().find(|o| o["order_number"] == order_number))
            .cloned()
            .unwrap_or_else(|| panic!("no order {order_number} in {orders}"))
    }

    /// The delivery log entries about one order.
    pub async fn deliveries_for(&self, order_uuid: &str) -> Vec<Value> {
        let log = self.control_get("/_sandbox/deliveries").await;
        log.as_array()
            .map(|all| {
                all.iter()
                    .filter(|d| d["order_uuid"] == order_uuid)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The session id at the end of a `checkout_url` on this sandbox.
pub fn session_id(base: &str, checkout_url: &str) -> String {
    let id = checkout_url
        .strip_prefix(&format!("{base}/checkout/"))
        .unwrap_or_else(|| panic!("{checkout_url} is not a checkout URL of {base}"));
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "session id {id:?}"
    );
    id.to_owned()
}

/// A minimal valid checkout body.
pub fn checkout_body(order_number: &str) -> Value {
    json!({
        "total_price": 1224.5,
        "order_number": order_number,
        "phone_number": "0512345678",
        "products": [{ "product_name": "Cappuccino", "product_price": 18.5, "quantity": 2 }],
        "metadata": { "source": "web" },
        "callback_url": "https://shop.example/points/return?ref=abc",
    })
}

/// A minimal valid earning body.
pub fn earning_body(order_number: &str, total: f64) -> Value {
    json!({
        "phone_number": "0512345678",
        "total_price": total,
        "order_number": order_number,
        "products": [{ "product_name": "Cappuccino", "product_price": total, "quantity": 1 }],
        "metadata": { "channel": "web" },
    })
}

/// Polls `check` until it yields a value; fails after 10 s. For eventual assertions only.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..500 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Value,
}

/// A webhook endpoint that records every request and answers scripted statuses (then 200).
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<ReceiverState>>,
}

#[derive(Debug, Default)]
struct ReceiverState {
    requests: Vec<Recorded>,
    script: VecDeque<u16>,
    default_status: Option<u16>,
    /// The next this many requests are answered only after `hang`.
    hangs: usize,
    hang: Duration,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!(
            "http://{}/points/webhook",
            listener.local_addr().expect("addr")
        );
        let inner = Arc::new(Mutex::new(ReceiverState::default()));
        let app = Router::new()
            .route("/points/webhook", post(record))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inner }
    }

    /// The next requests get these statuses, in order; after that, `200`.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.state().script.extend(statuses);
    }

    /// The next `count` requests are recorded at once but answered only after `wait`.
    pub fn hang_next(&self, count: usize, wait: Duration) {
        let mut state = self.state();
        state.hangs = count;
        state.hang = wait;
    }

    /// Every request gets `status` (after any scripted ones).
    pub fn always_answer(&self, status: u16) {
        self.state().default_status = Some(status);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The requests about one order.
    pub fn requests_for(&self, order_uuid: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.body["order"]["id"] == order_uuid)
            .collect()
    }

    /// Waits until `count` requests about `order_uuid` arrived, and returns them.
    pub async fn wait_for(&self, order_uuid: &str, count: usize) -> Vec<Recorded> {
        eventually(&format!("{count} webhook(s) for {order_uuid}"), || async {
            let got = self.requests_for(order_uuid);
            (got.len() >= count).then_some(got)
        })
        .await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ReceiverState> {
        self.inner.lock().expect("receiver lock")
    }
}

async fn record(
    State(inner): State<Arc<Mutex<ReceiverState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let (status, hang) = {
        let mut state = inner.lock().expect("receiver lock");
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        state.requests.push(Recorded { headers, body });
        let hang = (state.hangs > 0).then_some(state.hang);
        state.hangs = state.hangs.saturating_sub(1);
        let status = state
            .script
            .pop_front()
            .or(state.default_status)
            .unwrap_or(200);
        (status, hang)
    };
    if let Some(wait) = hang {
        tokio::time::sleep(wait).await;
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}
