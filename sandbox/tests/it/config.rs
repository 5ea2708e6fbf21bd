//! The binary's path from a config file to a serving sandbox: `Settings::load` (as `main`
//! calls it), the bound port, then two merchants that each see only their own orders.

use sandbox::{Sandbox, Settings};
use serde_json::{Value, json};

use crate::{
    conformance::layer::Checked,
    helpers::{Receiver, earning_body, serve_checked},
};

async fn call(
    http: &reqwest::Client,
    key: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url).header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("call");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_config_file_serves_both_merchants_each_scoped_to_its_own() {
    let receiver = Receiver::start().await;
    let text = format!(
        r#"
host = "127.0.0.1"
port = 0
[delivery]
backoff_scale = 0.001
[[merchants]]
name = "First"
public_key = "pk_first"
private_key = "sk_first"
[[merchants.webhooks]]
url = "{}"
secret = "first-secret"
[[merchants]]
name = "Second"
public_key = "pk_second"
private_key = "sk_second"
multiplier = 2
earning_enabled = false
"#,
        receiver.url
    );
    let path = std::env::temp_dir().join(format!("sandbox-it-{}.toml", rand::random::<u64>()));
    std::fs::write(&path, text).expect("write config");
    let settings = Settings::load(["--config".to_owned(), path.display().to_string()], |_| {
        None
    })
    .expect("valid config");
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .expect("bind");
    let bound = listener.local_addr().expect("addr");
    assert_ne!(bound.port(), 0, "port 0 picked a free port");
    let config = settings.sandbox_config(bound);
    let base = config.public_url.clone();
    let checked = Checked::default();
    serve_checked(listener, Sandbox::new(config), checked.clone());
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{base}/api/v1{path}");

    // The first merchant earns; its webhook, with the configured secret, hears of it.
    let (status, body) = call(
        &http,
        "sk_first",
        reqwest::Method::POST,
        api("/orders/earning"),
        Some(earning_body("CFG-1", 100.0)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["data"]["uuid"].as_str().expect("uuid").to_owned();
    assert_eq!(body["data"]["total_points"], 1000);
    let delivered = receiver.wait_for(&uuid, 1).await;
    assert_eq!(delivered[0].headers["x-webhook-secret"], "first-secret");

    // Scoped: the second merchant's key cannot see it; the first's can.
    let order = api(&format!("/orders/{uuid}"));
    let (status, _) = call(
        &http,
        "sk_second",
        reqwest::Method::GET,
        order.clone(),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&http, "sk_first", reqwest::Method::GET, order, None).await;
    assert_eq!(status, 200);

    // The second merchant's switch from the file holds; its checkout works with its own key.
    let (status, body) = call(
        &http,
        "sk_second",
        reqwest::Method::POST,
        api("/orders/earning"),
        Some(earning_body("CFG-2", 100.0)),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["message"],
        "Merchant is not allowed to create earning orders"
    );
    let response = http
        .post(api("/orders/checkout/pk_second"))
        .json(&json!({ "total_price": 50.0, "order_number": "CFG-3",
                       "products": [{ "product_name": "Tea", "product_price": 50.0, "quantity": 1 }] }))
        .send()
        .await
        .expect("checkout");
    assert_eq!(response.status(), 200);
    let (status, _) = call(
        &http,
        "sk_first",
        reqwest::Method::GET,
        api("/webhooks"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let merchants: Value = http
        .get(format!("{base}/_sandbox/state"))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    let listed: Vec<&str> = merchants["merchants"]
        .as_array()
        .expect("merchants")
        .iter()
        .filter_map(|m| m["public_key"].as_str())
        .collect();
    assert_eq!(listed, ["pk_first", "pk_second"]);
    assert_eq!(merchants["merchants"][1]["earning_enabled"], false);
    assert_eq!(merchants["merchants"][1]["multiplier"], 2);
    assert!(checked.validated() >= 6);
    assert!(
        checked.violations().is_empty(),
        "{:#?}",
        checked.violations()
    );
}
