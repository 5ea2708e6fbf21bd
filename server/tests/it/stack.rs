//! `OpsStack`: the real server wired to the real sandbox in this process, for the operations
//! tests (admin API, intake switch, logs, metrics, OpenAPI). The merchant is created through
//! the sandbox's `/_sandbox/…` control API with keys, a webhook secret and an admin token
//! generated per stack, and the sandbox delivers its webhooks to the server over HTTP.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use tokio::net::TcpListener;

use crate::helpers::{CATALOG, TempDir, eventually};

/// What differs between stacks.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// `webhooks_enabled` in the server's config.
    pub webhooks_enabled: bool,
    /// Whether the server gets an admin token (without one, `/admin/…` does not exist).
    pub admin: bool,
    /// The sandbox's webhook back-off scale: 0.02 makes its retries wait 0.2 s, 1.2 s and 6 s.
    pub backoff_scale: f64,
    /// More admin tokens, `(name, token)`, beside the stack's own (named `admin`).
    pub named_admin_tokens: Vec<(String, String)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            webhooks_enabled: true,
            admin: true,
            backoff_scale: 0.02,
            named_admin_tokens: Vec::new(),
        }
    }
}

/// A running sandbox + server pair.
pub struct OpsStack {
    /// `http://127.0.0.1:PORT` of the merchant server.
    pub server: String,
    /// `http://127.0.0.1:PORT` of the sandbox.
    pub sandbox: String,
    /// Follows no redirects, so the hosted page's `303` back to the store is not followed.
    pub http: reqwest::Client,
    pub private_key: String,
    pub webhook_secret: String,
    pub admin_token: String,
    /// A second pool on the server's database, for arranging and asserting.
    pub db: AnyPool,
    app: Option<server::App>,
    _dir: TempDir,
}

pub async fn spawn_stack(options: StackOptions) -> OpsStack {
    let sandbox_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sandbox");
    let sandbox_url = format!("http://{}", sandbox_listener.local_addr().expect("addr"));
    let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig {
        public_url: sandbox_url.clone(),
        merchants: Vec::new(),
        webhook_backoff_scale: options.backoff_scale,
        ..sandbox::SandboxConfig::demo(sandbox_url.clone())
    });
    tokio::spawn(sandbox::serve(sandbox_listener, sandbox));

    let token = || uuid::Uuid::new_v4().simple().to_string();
    let public_key = format!("pk_ops_{}", token());
    let private_key = format!("sk_ops_{}", token());
    let webhook_secret = sandbox::generate_secret();
    let admin_token = format!("adm_{}{}", token(), token());
    let dir = TempDir::new();
    let database_url = format!("sqlite://{}", dir.path().join("server.db").display());
    let config = server::Config {
        limits: server::config::LimitsConfig::unlimited(),
        ops: server::config::OpsConfig {
            admin_token: options
                .admin
                .then(|| server::config::AdminToken::new(admin_token.clone())),
            webhooks_enabled: options.webhooks_enabled,
            named_admin_tokens: options
                .named_admin_tokens
                .iter()
                .map(|(name, token)| (name.clone(), server::config::AdminToken::new(token.clone())))
                .collect(),
            ..server::config::OpsConfig::default()
        },
        ..server::Config::new(
            database_url.clone(),
            server::config::PointsAccount {
                base_url: format!("{sandbox_url}/api"),
                public_key: public_key.clone(),
                private_key: protocol::ApiKey::new(private_key.clone()),
            },
            protocol::WebhookSecret::new(webhook_secret.clone()),
            "https://shop.example",
            server::Catalog::from_json(CATALOG).expect("catalog"),
        )
    };
    let app = server::App::start(config).await.expect("server starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind server");
    let server_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(server::serve_until(
        listener,
        app.router(),
        std::future::pending(),
    ));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let created = http
        .post(format!("{sandbox_url}/_sandbox/merchants"))
        .json(&json!({"name": "Ops Shop", "public_key": public_key, "private_key": private_key}))
        .send()
        .await
        .expect("create merchant");
    assert_eq!(created.status(), 200, "create the sandbox merchant");
    let hooked = http
        .post(format!(
            "{sandbox_url}/_sandbox/merchants/{public_key}/webhooks"
        ))
        .json(&json!({"url": format!("{server_url}/webhooks/points"), "secret": webhook_secret}))
        .send()
        .await
        .expect("register webhook");
    assert_eq!(hooked.status(), 200, "register the server's webhook");

    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(2)
        .connect(&database_url)
        .await
        .expect("test pool");
    OpsStack {
        server: server_url,
        sandbox: sandbox_url,
        http,
        private_key,
        webhook_secret,
        admin_token,
        db,
        app: Some(app),
        _dir: dir,
    }
}

impl OpsStack {
    /// `POST /api/checkout` of one `oud-50`, optionally with a phone; the order number and the
    /// sandbox's checkout URL.
    pub async fn checkout(&self, phone: Option<&str>) -> (String, String) {
        let mut body = json!({"items": [{"sku": "oud-50", "quantity": 1}], "lang": "en"});
        if let Some(phone) = phone {
            body["phone_number"] = json!(phone);
        }
        let response = self.post_json("/api/checkout", &body).await;
        assert_eq!(response.status(), 200, "checkout");
        let created: Value = response.json().await.expect("json");
        let text = |key: &str| created[key].as_str().expect(key).to_owned();
        (text("order_number"), text("checkout_url"))
    }

    /// Approves the hosted checkout behind `checkout_url`, as the shopper's click does.
    pub async fn approve(&self, checkout_url: &str) {
        let response = self
            .http
            .post(format!("{checkout_url}/approve"))
            .form(&[("lang", "en")])
            .send()
            .await
            .expect("approve");
        assert_eq!(
            response.status(),
            303,
            "the hosted page returns to the store"
        );
    }

    /// The Points uuid the sandbox gave the order.
    pub async fn points_uuid(&self, order_number: &str) -> String {
        let orders = self
            .get_json(&format!("{}/_sandbox/orders", self.sandbox))
            .await;
        orders
            .as_array()
            .and_then(|all| all.iter().find(|o| o["order_number"] == order_number))
            .and_then(|o| o["uuid"].as_str())
            .unwrap_or_else(|| panic!("no order {order_number} at the sandbox: {orders}"))
            .to_owned()
    }

    /// The sandbox's delivery attempts about one order, oldest first.
    pub async fn deliveries_for(&self, uuid: &str) -> Vec<Value> {
        let log = self
            .get_json(&format!("{}/_sandbox/deliveries", self.sandbox))
            .await;
        log.as_array()
            .map(|all| {
                all.iter()
                    .filter(|d| d["order_uuid"] == uuid)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until the server reports `state` for the order.
    pub async fn wait_for_state(&self, order_number: &str, state: &str) -> Value {
        eventually(&format!("{order_number} to be {state}"), || async {
            let order = self.order(order_number, "").await;
            (order["state"] == state).then_some(order)
        })
        .await
    }

    /// `GET /api/orders/{order_number}?{query}`.
    pub async fn order(&self, order_number: &str, query: &str) -> Value {
        let url = format!("{}/api/orders/{order_number}?{query}", self.server);
        self.get_json(&url).await
    }

    /// A request to the server with the admin token.
    pub async fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.admin_with(method, path, Some(&self.admin_token)).await
    }

    /// A request to the server with this bearer token, or none.
    pub async fn admin_with(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.server));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("admin request")
    }

    /// Posts `body` to `/webhooks/points` with this secret, as Points would.
    pub async fn post_webhook(&self, secret: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/webhooks/points", self.server))
            .header("x-webhook-secret", secret)
            .header(
                "x-webhook-event",
                body["event"].as_str().unwrap_or_default(),
            )
            .json(body)
            .send()
            .await
            .expect("webhook request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.server))
            .json(body)
            .send()
            .await
            .expect("post")
    }

    /// `GET /metrics`, parsed.
    pub async fn scrape(&self) -> Exposition {
        let response = self
            .http
            .get(format!("{}/metrics", self.server))
            .send()
            .await
            .expect("scrape");
        assert_eq!(response.status(), 200, "scrape");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap_or_default();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        Exposition::parse(&response.text().await.expect("text"))
    }

    async fn get_json(&self, url: &str) -> Value {
        let response = self.http.get(url).send().await.expect("get");
        assert_eq!(response.status(), 200, "GET {url}");
        response.json().await.expect("json")
    }

    /// `SELECT COUNT(*) FROM {table}` on the server's database.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&self.db)
            .await
            .expect("count")
            .get("n")
    }

    /// The running server's state, for calling its library functions (the CLI's) in-process.
    pub fn state(&self) -> &server::AppState {
        self.app.as_ref().expect("the server is running").state()
    }

    /// Stops the worker and closes the database.
    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }
}

/// One sample of a scrape: its name, labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed Prometheus text exposition.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    pub series: Vec<Series>,
    /// Family name → type, from the `# TYPE` lines.
    pub types: BTreeMap<String, String>,
}

impl Exposition {
    /// Parses the text format strictly enough to fail on malformed output: every line is a
    /// comment or `name{labels} value`, every sample belongs to a declared family.
    pub fn parse(text: &str) -> Exposition {
        let mut out = Exposition::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                out.types.insert(name.to_owned(), kind.to_owned());
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (head, value) = line.rsplit_once(' ').expect("sample has a value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                other => other
                    .parse()
                    .unwrap_or_else(|_| panic!("value in {line:?}")),
            };
            let (name, labels) = match head.split_once('{') {
                None => (head.to_owned(), BTreeMap::new()),
                Some((name, rest)) => (
                    name.to_owned(),
                    parse_labels(rest.strip_suffix('}').expect("}")),
                ),
            };
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
                "metric name {name:?}"
            );
            assert!(out.family_of(&name).is_some(), "{name} has no # TYPE");
            out.series.push(Series {
                name,
                labels,
                value,
            });
        }
        out
    }

    /// The family a sample name belongs to (`x_bucket` → `x` for histograms).
    pub fn family_of(&self, name: &str) -> Option<&str> {
        if let Some((family, _)) = self.types.get_key_value(name) {
            return Some(family);
        }
        ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
            let base = name.strip_suffix(*suffix)?;
            (self.types.get(base).map(String::as_str) == Some("histogram"))
                .then(|| self.types.get_key_value(base).map(|(k, _)| k.as_str()))?
        })
    }

    /// The value of the one sample of `name` whose labels include all of `labels`; 0 if none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let matching: Vec<&Series> = self
            .series
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        assert!(
            matching.len() <= 1,
            "{name} {labels:?} matches {matching:?}"
        );
        matching.first().map_or(0.0, |s| s.value)
    }
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").expect("label=\"value\"");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => match chars.next().expect("escape").1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.to_owned(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}
