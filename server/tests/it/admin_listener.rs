//! `admin_addr`: the binary serves `/admin/…` on its own listener and the public one has no
//! admin routes at all, so the admin API can be reachable only from where operators are.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::crash::database_url;
use crate::helpers::{CATALOG, PUBLIC_URL, TempDir, TestPoints};

const TOKEN: &str = "3f9a1c0e7b2d4a6f8e1b0c3d5a7f9e2b4c6d8a0f1e3b5d7c9a2e4f6b8d0c1a3e";

#[tokio::test]
async fn with_an_admin_address_the_admin_api_is_only_there() {
    let points = TestPoints::spawn().await;
    let dir = TempDir::new();
    std::fs::write(dir.path().join("catalog.json"), CATALOG).expect("catalog");
    let mut child = Command::new(env!("CARGO_BIN_EXE_points-server"))
        .env_clear()
        .env("RUST_LOG", "info")
        .env("POINTS_BASE_URL", &points.base_url)
        .env("POINTS_PUBLIC_KEY", &points.public_key)
        .env("POINTS_PRIVATE_KEY", &points.private_key)
        .env("POINTS_WEBHOOK_SECRET", "whsec_admin_listener_0123456789")
        .env("POINTS_PUBLIC_URL", PUBLIC_URL)
        .env("POINTS_CATALOG", dir.path().join("catalog.json"))
        .env("POINTS_SERVER_ADDR", "127.0.0.1:0")
        .env("POINTS_ADMIN_ADDR", "127.0.0.1:0")
        .env("POINTS_ADMIN_TOKEN", TOKEN)
        .env("DATABASE_URL", database_url(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn points-server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (mut public, mut admin) = (None, None);
    let started = tokio::time::timeout(Duration::from_secs(30), async {
        while public.is_none() || admin.is_none() {
            let line = lines
                .next_line()
                .await
                .expect("read")
                .expect("the server logs");
            let Ok(log) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let fields = &log["fields"];
            match fields["message"].as_str() {
                Some("points-server listening") => {
                    public = fields["addr"].as_str().map(str::to_owned)
                }
                Some("points-server admin listening") => {
                    admin = fields["admin_addr"].as_str().map(str::to_owned)
                }
                _ => {}
            }
        }
    })
    .await;
    assert!(started.is_ok(), "both listeners announced within 30 s");
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let (public, admin) = (public.expect("public"), admin.expect("admin"));
    assert_ne!(public, admin);

    let http = reqwest::Client::new();
    let get = |base: &str| {
        http.get(format!("http://{base}/admin/webhooks"))
            .bearer_auth(TOKEN)
            .send()
    };
    assert_eq!(
        get(&public).await.expect("public").status(),
        404,
        "no admin routes here"
    );
    let there = get(&admin).await.expect("admin");
    assert_eq!(there.status(), 200);
    let body: Value = there.json().await.expect("json");
    assert_eq!(body["webhooks_enabled"], true, "{body}");
    // The token still guards the admin listener; the public routes are not on it.
    let anonymous = http
        .get(format!("http://{admin}/admin/webhooks"))
        .send()
        .await
        .expect("admin");
    assert_eq!(anonymous.status(), 401);
    let checkout_there = http
        .get(format!("http://{admin}/healthz"))
        .send()
        .await
        .expect("admin");
    assert_eq!(
        checkout_there.status(),
        404,
        "only /admin on the admin listener"
    );
    let healthz = http
        .get(format!("http://{public}/healthz"))
        .send()
        .await
        .expect("public");
    assert_eq!(healthz.status(), 200);
    let _ = child.kill().await;
}
