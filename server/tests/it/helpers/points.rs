//! Points for the server's tests: the real sandbox, in-process on port 0, with a merchant
//! created per test through its control API. The server reaches it through a transparent
//! recording relay, so tests can also see what the server sent (which key, which body) and how
//! often: the sandbox answers everything itself, faults included (`/_sandbox/faults`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the server sent on one checkout call.
#[derive(Debug, Clone)]
pub struct ReceivedCheckout {
    pub public_key: String,
    pub api_key_header: Option<String>,
    pub body: Value,
}

/// What the server sent on one `GET /v1/orders/{uuid}`.
#[derive(Debug, Clone)]
pub struct ReceivedLookup {
    pub uuid: String,
    pub api_key_header: Option<String>,
}

#[derive(Debug, Default)]
struct Tap {
    checkouts: Vec<ReceivedCheckout>,
    lookups: Vec<ReceivedLookup>,
}

/// A sandbox, one merchant on it, and the relay the server is configured with.
#[derive(Debug, Clone)]
pub struct TestPoints {
    /// The sandbox itself, `http://127.0.0.1:PORT`.
    pub sandbox_url: String,
    /// What the server uses as its Points base URL: the relay's `/api`.
    pub base_url: String,
    pub public_key: String,
    pub private_key: String,
    /// Follows no redirects (the hosted pages answer 303s).
    http: reqwest::Client,
    tap: Arc<Mutex<Tap>>,
}

impl TestPoints {
    pub async fn spawn() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the sandbox");
        let sandbox_url = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = sandbox::SandboxConfig::demo(sandbox_url.clone());
        // Webhook retries after 10 ms, 60 ms, 300 ms.
        config.webhook_backoff_scale = 0.001;
        let sandbox = sandbox::Sandbox::new(config);
        tokio::spawn(async move { sandbox::serve(listener, sandbox).await });

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        let tap = Arc::new(Mutex::new(Tap::default()));
        let relay = Router::new().fallback(relay).with_state(RelayState {
            target: sandbox_url.clone(),
            http: http.clone(),
            tap: tap.clone(),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the relay");
        let base_url = format!("http://{}/api", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, relay).await });

        let id = uuid::Uuid::new_v4().simple().to_string();
        let points = TestPoints {
            sandbox_url,
            base_url,
            public_key: format!("pk_test_{id}"),
            private_key: format!("sk_test_{id}"),
            http,
            tap,
        };
        points
            .control(
                Method::POST,
                "/_sandbox/merchants",
                &json!({"name": "Server test shop", "public_key": points.public_key, "private_key": points.private_key}),
            )
            .await;
        points
    }

    /// A typed client for this merchant straight at the sandbox (not through the relay), for
    /// acting as the merchant's back office would: refunds, cancellations, shipping.
    pub fn client(&self) -> protocol::client::PointsClient {
        protocol::client::PointsClient::new(protocol::client::ClientConfig {
            base_url: format!("{}/api", self.sandbox_url),
            public_key: self.public_key.clone(),
            private_key: protocol::ApiKey::new(self.private_key.clone()),
            timeout: std::time::Duration::from_secs(5),
            https_only: false,
            retry: protocol::client::RetryPolicy::none(),
        })
        .expect("client")
    }

    /// Every checkout call that reached Points, retries included.
    pub fn received(&self) -> Vec<ReceivedCheckout> {
        self.tap.lock().expect("tap").checkouts.clone()
    }

    /// Every order lookup that reached Points.
    pub fn lookups(&self) -> Vec<ReceivedLookup> {
        self.tap.lock().expect("tap").lookups.clone()
    }

    /// A control-API call that must succeed; its JSON.
    pub async fn control(&self, method: Method, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .request(method.clone(), format!("{}{path}", self.sandbox_url))
            .json(body)
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

    /// The next `count` checkout calls answer `status` (and change nothing at Points).
    pub async fn fail_checkouts(&self, status: u16, count: u32) {
        self.fault(json!({"fault": "status", "status": status, "count": count}))
            .await;
    }

    /// The next checkout call waits `ms` at Points before it is handled.
    pub async fn slow_checkout(&self, ms: u64) {
        self.fault(json!({"fault": "hang", "ms": ms, "count": 1}))
            .await;
    }

    async fn fault(&self, mut fault: Value) {
        fault["route"] = json!("/api/v1/orders/checkout/{public_key}");
        fault["method"] = json!("POST");
        self.control(Method::POST, "/_sandbox/faults", &fault).await;
    }

    /// Removes every pending fault.
    pub async fn clear_faults(&self) {
        self.control(Method::DELETE, "/_sandbox/faults", &Value::Null)
            .await;
    }

    /// Points delivers this merchant's events to `url` with `secret`.
    pub async fn register_webhook(&self, url: &str, secret: &str) {
        self.control(
            Method::POST,
            &format!("/_sandbox/merchants/{}/webhooks", self.public_key),
            &json!({"url": url, "secret": secret}),
        )
        .await;
    }

    /// The sandbox's view of this merchant's order `order_number`.
    pub async fn order(&self, order_number: &str) -> Value {
        let orders = self
            .control(Method::GET, "/_sandbox/orders", &Value::Null)
            .await;
        orders
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|o| {
                        o["order_number"] == order_number
                            && o["merchant"] == self.public_key.as_str()
                    })
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no order {order_number} at Points"))
    }

    /// The Points uuid of `order_number`.
    pub async fn uuid_of(&self, order_number: &str) -> String {
        self.order(order_number).await["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned()
    }

    /// The shopper approves the latest checkout session of `order_number` on the hosted page.
    pub async fn approve(&self, order_number: &str) {
        let order = self.order(order_number).await;
        let session = order["sessions"]
            .as_array()
            .and_then(|s| s.last())
            .and_then(|s| s["id"].as_str())
            .expect("a checkout session")
            .to_owned();
        let response = self
            .http
            .post(format!("{}/checkout/{session}/approve", self.sandbox_url))
            .form(&[("lang", "en")])
            .send()
            .await
            .expect("approve");
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "the hosted page approves"
        );
    }

    /// The shopper pays every one of `order_numbers` on the hosted page, a few at a time; their
    /// Points uuids, in order. One listing of the sandbox's orders serves them all, so a storm
    /// test can pay a thousand orders.
    pub async fn approve_all(&self, order_numbers: &[String]) -> Vec<String> {
        use futures::StreamExt;
        let orders = self
            .control(Method::GET, "/_sandbox/orders", &Value::Null)
            .await;
        let mine: std::collections::HashMap<&str, &Value> = orders
            .as_array()
            .expect("orders")
            .iter()
            .filter(|o| o["merchant"] == self.public_key.as_str())
            .filter_map(|o| Some((o["order_number"].as_str()?, o)))
            .collect();
        let found: Vec<(String, String)> = order_numbers
            .iter()
            .map(|number| {
                let order = mine
                    .get(number.as_str())
                    .unwrap_or_else(|| panic!("no order {number} at Points"));
                let session = order["sessions"]
                    .as_array()
                    .and_then(|s| s.last())
                    .and_then(|s| s["id"].as_str())
                    .expect("a checkout session");
                let uuid = order["uuid"].as_str().expect("uuid");
                (session.to_owned(), uuid.to_owned())
            })
            .collect();
        futures::stream::iter(&found)
            .map(|(session, _)| async move {
                let response = self
                    .http
                    .post(format!("{}/checkout/{session}/approve", self.sandbox_url))
                    .form(&[("lang", "en")])
                    .send()
                    .await
                    .expect("approve");
                assert_eq!(response.status(), StatusCode::SEE_OTHER, "approved");
            })
            .buffer_unordered(8)
            .collect::<Vec<()>>()
            .await;
        found.into_iter().map(|(_, uuid)| uuid).collect()
    }

    /// An earning order at Points under `order_number`; its uuid.
    pub async fn earning(&self, order_number: &str) -> String {
        let response = self
            .http
            .post(format!("{}/api/v1/orders/earning", self.sandbox_url))
            .header("x-api-key", &self.private_key)
            .json(&json!({
                "phone_number": "0512345678", "total_price": 150.75, "order_number": order_number,
                "products": [{"product_name": "Oud", "product_price": 150.75, "quantity": 1}],
            }))
            .send()
            .await
            .expect("earning");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        body["data"]["uuid"].as_str().expect("uuid").to_owned()
    }
}

#[derive(Debug, Clone)]
struct RelayState {
    target: String,
    http: reqwest::Client,
    tap: Arc<Mutex<Tap>>,
}

/// Records the request, forwards it to the sandbox unchanged, answers what the sandbox answered.
async fn relay(
    State(relay): State<RelayState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api_key_header = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = uri.path();
    {
        let mut tap = relay.tap.lock().expect("tap");
        if let Some(public_key) = path.strip_prefix("/api/v1/orders/checkout/") {
            tap.checkouts.push(ReceivedCheckout {
                public_key: public_key.to_owned(),
                api_key_header: api_key_header.clone(),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
        } else if let Some(uuid) = path.strip_prefix("/api/v1/orders/")
            && method == Method::GET
            && !uuid.contains('/')
        {
            tap.lookups.push(ReceivedLookup {
                uuid: uuid.to_owned(),
                api_key_header: api_key_header.clone(),
            });
        }
    }
    let target = format!(
        "{}{}",
        relay.target,
        uri.path_and_query().map_or(path, |p| p.as_str())
    );
    let mut request = relay.http.request(method, target).body(body);
    for name in ["x-api-key", "content-type", "accept"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let Ok(response) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = response.bytes().await.unwrap_or_default();
    let mut answer = (status, bytes).into_response();
    if let Some(content_type) = content_type {
        answer
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    answer
}
