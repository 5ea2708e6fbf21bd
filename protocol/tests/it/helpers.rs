//! `spawn_points()`: a sandbox with a fresh merchant, a client for it, and control helpers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use protocol::client::{ClientConfig, CreateCheckout, PointsClient, RetryPolicy};
use protocol::{ApiKey, CheckoutRequest, OrderNumber, OrderUuid, PhoneNumber, ProductLine, Sar};
use serde_json::{Value, json};

/// A running sandbox and one merchant on it.
#[derive(Debug)]
pub struct TestPoints {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub public_key: String,
    pub private_key: String,
    /// Follows no redirects (the hosted pages answer 303s).
    pub http: reqwest::Client,
}

pub async fn spawn_points() -> TestPoints {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the sandbox");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = sandbox::SandboxConfig::demo(url.clone());
    config.webhook_backoff_scale = 0.001;
    let sandbox = sandbox::Sandbox::new(config);
    tokio::spawn(async move { sandbox::serve(listener, sandbox).await });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let id = uuid::Uuid::new_v4().simple().to_string();
    let points = TestPoints {
        url,
        public_key: format!("pk_{id}"),
        private_key: format!("sk_{id}"),
        http,
    };
    let created = points
        .control(
            reqwest::Method::POST,
            "/_sandbox/merchants",
            json!({"name": "Client test shop", "public_key": points.public_key, "private_key": points.private_key}),
        )
        .await;
    assert_eq!(created["public_key"], points.public_key.as_str());
    points
}

/// Quick retries, so tests that exercise them stay short.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    }
}

impl TestPoints {
    /// A client for this merchant: `/api` base, 5 s per attempt, three fast retries.
    pub fn client(&self) -> PointsClient {
        self.client_for(&self.public_key, &self.private_key)
    }

    pub fn client_for(&self, public_key: &str, private_key: &str) -> PointsClient {
        client(&format!("{}/api", self.url), public_key, private_key)
    }

    /// A client for this merchant at another base URL (a relay in front of the sandbox).
    pub fn client_at(&self, base_url: &str) -> PointsClient {
        client(base_url, &self.public_key, &self.private_key).with_retry(fast_retries(3))
    }

    /// A relay to the sandbox that forwards every call, but answers the first `lose` earning
    /// calls with a 502 once the sandbox has handled them: the answer is lost, the effect is
    /// not. Its base URL (`…/api`).
    pub async fn lossy_relay(&self, lose: u32) -> String {
        let target = self.url.clone();
        let http = self.http.clone();
        let left = Arc::new(AtomicU32::new(lose));
        let relay = move |method: axum::http::Method,
                          uri: axum::http::Uri,
                          headers: axum::http::HeaderMap,
                          body: axum::body::Bytes| {
            let (target, http, left) = (target.clone(), http.clone(), left.clone());
            async move {
                let mut request = http.request(method, format!("{target}{uri}")).body(body);
                for name in ["x-api-key", "content-type", "accept"] {
                    if let Some(value) = headers.get(name) {
                        request = request.header(name, value);
                    }
                }
                let response = request.send().await.expect("the sandbox answers");
                let status = response.status();
                let bytes = response.bytes().await.unwrap_or_default();
                let lost = uri.path().starts_with("/api/v1/orders/earning")
                    && left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if lost {
                    return (axum::http::StatusCode::BAD_GATEWAY, Vec::new());
                }
                (status, bytes.to_vec())
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the relay");
        let base = format!("http://{}/api", listener.local_addr().expect("addr"));
        let app = axum::Router::new().fallback(relay);
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    /// A control-API call that must succeed; its JSON.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method.clone(), format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// The next `count` calls of `method route` answer `status`.
    pub async fn fail_next(&self, method: &str, route: &str, status: u16, count: u32) {
        self.control(
            reqwest::Method::POST,
            "/_sandbox/faults",
            json!({"route": route, "method": method, "fault": "status", "status": status, "count": count}),
        )
        .await;
    }

    /// How many injected faults are still waiting (summing their counts).
    pub async fn faults_left(&self) -> u64 {
        let faults = self
            .control(reqwest::Method::GET, "/_sandbox/faults", Value::Null)
            .await;
        faults
            .as_array()
            .map(|all| all.iter().filter_map(|f| f["count"].as_u64()).sum())
            .unwrap_or_default()
    }

    /// `PATCH /_sandbox/merchants/{public_key}`.
    pub async fn switch(&self, patch: Value) {
        self.control(
            reqwest::Method::PATCH,
            &format!("/_sandbox/merchants/{}", self.public_key),
            patch,
        )
        .await;
    }

    /// The sandbox's view of this merchant's order `order_number`.
    pub async fn order(&self, order_number: &str) -> Option<Value> {
        let orders = self
            .control(reqwest::Method::GET, "/_sandbox/orders", Value::Null)
            .await;
        orders.as_array().and_then(|all| {
            all.iter()
                .find(|o| {
                    o["order_number"] == order_number && o["merchant"] == self.public_key.as_str()
                })
                .cloned()
        })
    }

    /// Opens a checkout for `order_number` through the client; the Points uuid of its order.
    pub async fn checkout(&self, order_number: &str, total: Sar) -> OrderUuid {
        self.client()
            .send(&CreateCheckout(checkout_request(order_number, total)))
            .await
            .expect("checkout");
        let order = self
            .order(order_number)
            .await
            .expect("the sandbox has the order");
        OrderUuid::parse(order["uuid"].as_str().expect("uuid")).expect("a uuid")
    }

    /// A checkout the shopper approved on the hosted page: `approved`.
    pub async fn approved_checkout(&self, order_number: &str, total: Sar) -> OrderUuid {
        let uuid = self.checkout(order_number, total).await;
        let order = self.order(order_number).await.expect("order");
        let session = order["sessions"][0]["id"].as_str().expect("session id");
        let response = self
            .http
            .post(format!("{}/checkout/{session}/approve", self.url))
            .form(&[("lang", "en")])
            .send()
            .await
            .expect("approve");
        assert_eq!(response.status(), 303, "the hosted page approves");
        uuid
    }
}

fn client(base_url: &str, public_key: &str, private_key: &str) -> PointsClient {
    PointsClient::new(ClientConfig {
        base_url: base_url.to_owned(),
        public_key: public_key.to_owned(),
        private_key: ApiKey::new(private_key),
        timeout: Duration::from_secs(5),
        https_only: false,
        retry: fast_retries(3),
    })
    .expect("client")
}

pub fn number(text: &str) -> OrderNumber {
    OrderNumber::parse(text).expect("order number")
}

pub fn phone() -> PhoneNumber {
    PhoneNumber::parse("0512345678").expect("phone")
}

pub fn line(name: &str, price: Sar, quantity: u32) -> ProductLine {
    ProductLine {
        product_name: name.to_owned(),
        product_price: price,
        quantity,
    }
}

pub fn checkout_request(order_number: &str, total: Sar) -> CheckoutRequest {
    CheckoutRequest {
        total_price: total,
        order_number: number(order_number),
        phone_number: Some(phone()),
        name: None,
        shipping_amount: None,
        tax_amount: None,
        discount_amount: None,
        shipping_address: None,
        products: Some(vec![line("Oud", total, 1)]),
        metadata: Some(json!({"source": "client-test"})),
        callback_url: Some("https://shop.example/return.html?ref=x".into()),
    }
}
