//! `points listen` and `points trigger` against the sandbox in-process, forwarding to the real
//! merchant server: each event the trigger fires reaches the server once, verified and stored;
//! a forged delivery is refused by `listen` itself; the secret is stable across runs.

use std::time::Duration;

use points_cli::sandbox::{self, Sandbox, listen, trigger};
use serde_json::Value;
use tokio::net::TcpListener;

struct World {
    server: String,
    admin_token: String,
    app: server::App,
}

async fn start_sandbox() -> Sandbox {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = ::sandbox::SandboxConfig {
        webhook_backoff_scale: 0.01,
        ..::sandbox::SandboxConfig::demo(url.clone())
    };
    tokio::spawn(async move {
        let _ = ::sandbox::serve(listener, ::sandbox::Sandbox::new(config)).await;
    });
    Sandbox::demo(url.parse().expect("url"))
}

/// The merchant server, expecting `secret` on its webhooks.
async fn start_server(sandbox: &Sandbox, secret: &str) -> World {
    let dir = std::env::temp_dir().join(format!("pk-listen-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let admin_token = format!("adm_{}", uuid::Uuid::new_v4().simple()).repeat(2);
    let config = server::Config {
        ops: server::config::OpsConfig {
            admin_token: Some(server::config::AdminToken::new(admin_token.clone())),
            ..server::config::OpsConfig::default()
        },
        ..server::Config::new(
            format!("sqlite://{}", dir.join("server.db").display()),
            server::config::PointsAccount {
                base_url: format!("{}api", sandbox.url),
                public_key: sandbox::DEMO_PUBLIC_KEY.into(),
                private_key: protocol::ApiKey::new(sandbox::DEMO_PRIVATE_KEY),
            },
            protocol::WebhookSecret::new(secret),
            "http://127.0.0.1:1",
            server::Catalog::from_json(include_str!("../../../www/catalog.json")).expect("catalog"),
        )
    };
    let app = server::App::start(config).await.expect("server starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let server = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    World {
        server,
        admin_token,
        app,
    }
}

impl World {
    async fn inbox(&self, uuid: &str) -> Vec<Value> {
        let rows: Value = reqwest::Client::new()
            .get(format!("{}/admin/selftest/inbox/{uuid}", self.server))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("inbox")
            .json()
            .await
            .expect("json");
        rows["rows"].as_array().cloned().unwrap_or_default()
    }
}

async fn next(listening: &mut listen::Listening) -> listen::Forwarded {
    tokio::time::timeout(Duration::from_secs(20), listening.forwarded.recv())
        .await
        .expect("a delivery within 20 s")
        .expect("listen is running")
}

#[tokio::test]
async fn triggered_events_are_forwarded_to_the_server_once_each() {
    let sandbox = start_sandbox().await;
    let listening = listen::start(
        &sandbox,
        "127.0.0.1:0".parse().expect("addr"),
        "http://127.0.0.1:9/unused".parse().expect("url"),
    )
    .await
    .expect("listen starts");
    assert!(listening.registration.created);
    let secret = listening.registration.secret.expose().to_owned();
    listening.stop();

    // `--print-secret` on the same address finds the same registration: the secret is stable.
    let port = listening_port(&sandbox).await;
    let again = listen::register(&sandbox, &listen::listen_url(port))
        .await
        .expect("register");
    assert!(!again.created);
    assert_eq!(again.secret.expose(), secret);

    let world = start_server(&sandbox, &secret).await;
    let mut listening = listen::start(
        &sandbox,
        port,
        format!("{}/webhooks/points", world.server)
            .parse()
            .expect("url"),
    )
    .await
    .expect("listen restarts on the same port");
    assert!(!listening.registration.created);

    let mut out = Vec::new();
    let fired = trigger::trigger(&sandbox, "refunded", &mut out)
        .await
        .expect("trigger");
    assert_eq!(fired.fired, ["approved", "refunded"]);
    let printed = String::from_utf8(out).expect("utf-8");
    assert!(printed.contains(&fired.order_number), "{printed}");

    let mut seen = Vec::new();
    for _ in 0..2 {
        let forwarded = next(&mut listening).await;
        assert_eq!(forwarded.status, Some(200), "{forwarded}");
        assert_eq!(forwarded.order_uuid.as_deref(), Some(fired.uuid.as_str()));
        assert!(forwarded.to_string().contains("→ 200"), "{forwarded}");
        seen.push(forwarded.event);
    }
    seen.sort();
    assert_eq!(seen, ["approved", "refunded"]);
    let rows = world.inbox(fired.uuid.as_str()).await;
    assert_eq!(rows.len(), 2, "one stored row per event: {rows:?}");

    // A replayed delivery is forwarded again and deduplicated by the server.
    let log = trigger::deliveries_of(&sandbox, &fired.uuid)
        .await
        .expect("log");
    let first = log
        .iter()
        .find(|d| d["event"] == "approved")
        .expect("approved delivered");
    let id = first["id"].as_u64().expect("id");
    sandbox::replay(&sandbox, id, &mut Vec::new())
        .await
        .expect("replay");
    let replayed = next(&mut listening).await;
    assert_eq!(
        (replayed.event.as_str(), replayed.status),
        ("approved", Some(200))
    );
    assert_eq!(
        world.inbox(fired.uuid.as_str()).await.len(),
        2,
        "a duplicate is no new row"
    );

    // Search finds the order by its number.
    let mut out = Vec::new();
    let found = sandbox::search(&sandbox, &fired.order_number, &mut out)
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert!(
        String::from_utf8(out)
            .expect("utf-8")
            .contains(fired.uuid.as_str())
    );

    // A delivery without the registration's secret is refused by listen and never forwarded.
    let forged = reqwest::Client::new()
        .post(listen::listen_url(listening.addr))
        .header("x-webhook-secret", "not-the-secret")
        .header("x-webhook-event", "approved")
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 401);
    assert!(next(&mut listening).await.forged);

    listening.stop();
    world.app.shutdown().await;
}

#[tokio::test]
async fn every_event_can_be_triggered_and_unknown_ones_are_refused() {
    let sandbox = start_sandbox().await;
    for (event, _) in trigger::EVENTS {
        let fired = trigger::trigger(&sandbox, event, &mut Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{event}: {e:#}"));
        assert_eq!(fired.fired.last(), Some(&event), "{event}");
        // Points logged a delivery attempt of the event (no webhook: none, so check the order).
        let order = sandbox
            .orders()
            .await
            .expect("orders")
            .into_iter()
            .find(|o| o["uuid"] == fired.uuid.as_str())
            .expect("the order");
        assert_ne!(order["order_status"], "new", "{event}: {order}");
    }
    let error = trigger::trigger(&sandbox, "paid", &mut Vec::new())
        .await
        .expect_err("unknown event");
    assert!(
        format!("{error}").contains("shipping_status_updated"),
        "{error}"
    );
}

/// The port of the listen URL registered on the sandbox (the first run bound port 0).
async fn listening_port(sandbox: &Sandbox) -> std::net::SocketAddr {
    let client = sandbox.client().expect("client");
    let listed = client
        .send(&protocol::client::ListWebhooks::default())
        .await
        .expect("list");
    let url = &listed
        .items
        .iter()
        .find(|w| w.name == listen::WEBHOOK_NAME)
        .expect("registered")
        .url;
    let parsed: url::Url = url.parse().expect("url");
    format!("127.0.0.1:{}", parsed.port().expect("port"))
        .parse()
        .expect("addr")
}
