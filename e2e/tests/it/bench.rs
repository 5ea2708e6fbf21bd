//! The widget half of `cargo xtask bench` (issue 9), ignored by the normal suite: cold loads of
//! a product page (`points-card`), a cart page (`points-alert`) and a checkout page
//! (`installments`) in headless Chromium, each with points-kit's widget from the release and
//! with the reference iframe-style loader the sandbox serves on the official paths
//! (`/widget-loader.js`, `/widget/embed`), alternating so both meet the same noise.
//!
//! Per load, in a fresh browser context (empty cache), an init script records, relative to the
//! navigation start (`performance.now()`): `box`, the first animation frame in which the
//! widget's container has a box (its reserved skeleton), and `ready`, the `points:ready` event
//! (the reference loader sends it on the iframe's first `resize` message, i.e. once the card is
//! laid out inside the iframe). Medians and p90 of `POINTS_KIT_BENCH_LOADS` loads (default 20)
//! are written as JSON to `POINTS_KIT_BENCH_OUT` (default `artifacts/bench-widget.json`), with
//! the reference's files (loader and embed documents) beside it so xtask can weigh them.
//!
//! `cargo xtask bench` runs it; by hand: `cargo test -p e2e --test it bench:: -- --ignored`
//! with the environment `cargo xtask e2e` sets.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use playwright_rs::api::LaunchOptions;
use playwright_rs::protocol::{BrowserContextOptions, Viewport};
use playwright_rs::{Browser, Playwright};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::layout_page::release_dir;

const TYPES: [&str; 3] = ["points-card", "points-alert", "installments"];

/// Installed before any page script.
const PROBE: &str = r#"(() => {
  const b = window.__bench = { box: null, ready: null, error: null };
  document.addEventListener('points:ready', () => { if (b.ready === null) b.ready = performance.now(); }, true);
  document.addEventListener('points:error', (e) => { b.error = (e.detail && e.detail.code) || 'error'; }, true);
  const tick = () => {
    const el = document.getElementById('points-widget');
    if (el && el.getBoundingClientRect().height > 0) { b.box = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo xtask bench"]
async fn widget_load_times_against_the_iframe_reference() -> Result<()> {
    let loads: usize = std::env::var("POINTS_KIT_BENCH_LOADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let out = std::env::var_os("POINTS_KIT_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::report::artifacts_dir().join("bench-widget.json"));

    // The reference: the sandbox, on its own origin as the official widget is.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let sandbox_url = format!("http://{}", listener.local_addr()?);
    let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::demo(sandbox_url.clone()));
    tokio::spawn(async move { sandbox::serve(listener, sandbox).await });
    // Ours: the release, served from the shop's own origin next to its pages.
    let www = std::env::temp_dir().join(format!("points-kit-bench-{}", std::process::id()));
    write_pages(&www, &release_dir(), &sandbox_url)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let shop_url = format!("http://{}", listener.local_addr()?);
    let files = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(&www));
    tokio::spawn(async move { axum::serve(listener, files).await });

    let playwright = Playwright::launch()
        .await
        .context("the Playwright driver")?;
    let executable =
        std::env::var("POINTS_KIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let browser = playwright
        .chromium()
        .launch_with_options(
            LaunchOptions::new()
                .headless(true)
                .executable_path(executable)
                .args(args.iter().map(|a| (*a).to_owned()).collect()),
        )
        .await
        .context("launching Chromium")?;

    let mut results = serde_json::Map::new();
    for kind in TYPES {
        let mut ours = Samples::default();
        let mut reference = Samples::default();
        // One warm-up of each, not counted: the first navigation of a browser pays for its
        // own start-up.
        load(&browser, &format!("{shop_url}/ours-{kind}.html")).await?;
        load(&browser, &format!("{shop_url}/reference-{kind}.html")).await?;
        for _ in 0..loads {
            ours.push(load(&browser, &format!("{shop_url}/ours-{kind}.html")).await?);
            reference.push(load(&browser, &format!("{shop_url}/reference-{kind}.html")).await?);
        }
        println!(
            "{kind:<13} ready: ours {:.1} ms, reference {:.1} ms; box: ours {:.1} ms, reference {:.1} ms",
            median(&ours.ready),
            median(&reference.ready),
            median(&ours.boxed),
            median(&reference.boxed)
        );
        results.insert(
            kind.to_owned(),
            json!({ "ours": ours.summary(), "reference": reference.summary() }),
        );
    }
    browser.close().await?;

    // The reference's bytes, for xtask to compress: the loader and each type's document.
    let http = reqwest::Client::new();
    let files_dir = out.with_extension("reference");
    std::fs::create_dir_all(&files_dir)?;
    let loader = http
        .get(format!("{sandbox_url}/widget-loader.js"))
        .send()
        .await?
        .bytes()
        .await?;
    std::fs::write(files_dir.join("widget-loader.js"), &loader)?;
    for kind in TYPES {
        let embed = http
            .get(format!(
                "{sandbox_url}/widget/embed?type={kind}&lang=ar&points=1507&parentOrigin={shop_url}"
            ))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        std::fs::write(files_dir.join(format!("embed-{kind}.html")), &embed)?;
    }

    let report = json!({
        "loads": loads,
        "chromium": "headless, fresh context per load (cold cache), 1280x800",
        "types": results,
        "reference_files": files_dir,
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&report)?)?;
    println!("wrote {}", out.display());
    let _ = std::fs::remove_dir_all(&www);
    Ok(())
}

#[derive(Debug, Default)]
struct Samples {
    ready: Vec<f64>,
    boxed: Vec<f64>,
}

impl Samples {
    fn push(&mut self, (boxed, ready): (f64, f64)) {
        self.boxed.push(boxed);
        self.ready.push(ready);
    }

    fn summary(&self) -> Value {
        json!({
            "ready_ms": { "median": median(&self.ready), "p90": percentile(&self.ready, 0.9) },
            "box_ms": { "median": median(&self.boxed), "p90": percentile(&self.boxed, 0.9) },
            "samples": self.ready.len(),
        })
    }
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

/// Nearest-rank percentile.
fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One cold load: `(box, ready)` in ms since navigation start.
async fn load(browser: &Browser, url: &str) -> Result<(f64, f64)> {
    let context = browser
        .new_context_with_options(
            BrowserContextOptions::builder()
                .viewport(Viewport {
                    width: 1280,
                    height: 800,
                })
                .build(),
        )
        .await?;
    let page = context.new_page().await?;
    page.add_init_script(PROBE).await?;
    page.goto(url, None).await?;
    let started = Instant::now();
    let seen = loop {
        let seen: Value = page
            .evaluate("() => window.__bench", None::<&()>)
            .await
            .unwrap_or(Value::Null);
        if let Some(error) = seen["error"].as_str() {
            bail!("{url}: the widget failed: {error}");
        }
        if seen["ready"].is_number() && seen["box"].is_number() {
            break seen;
        }
        if started.elapsed() > Duration::from_secs(20) {
            bail!("{url}: no points:ready within 20 s ({seen})");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    context.close().await?;
    Ok((
        seen["box"].as_f64().context("box")?,
        seen["ready"].as_f64().context("ready")?,
    ))
}

/// A product-like page per type and variant, the widget auto-initialised from its script tag
/// right after its container, as a merchant's snippet does.
fn write_pages(www: &Path, release: &Path, sandbox_url: &str) -> Result<()> {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(release.join("manifest.json"))
            .with_context(|| format!("no release in {} (cargo xtask dist)", release.display()))?,
    )?;
    let loader = &manifest["files"]["widget-loader.js"];
    let ours = format!(
        r#"src="/release/{}" integrity="{}" crossorigin="anonymous""#,
        loader["file"].as_str().context("loader file")?,
        loader["integrity"].as_str().context("loader integrity")?
    );
    let reference = format!(r#"src="{sandbox_url}/widget-loader.js""#);
    std::fs::create_dir_all(www.join("release"))?;
    for entry in std::fs::read_dir(release)? {
        let entry = entry?;
        std::fs::copy(entry.path(), www.join("release").join(entry.file_name()))?;
    }
    for kind in TYPES {
        for (variant, script) in [("ours", &ours), ("reference", &reference)] {
            let extra = match kind {
                "installments" => r#"data-points="1507" data-callback-url="/cart""#,
                _ => r#"data-points="1507""#,
            };
            let html = format!(
                r##"<!doctype html>
<html lang="ar" dir="rtl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bench {variant} {kind}</title>
<style>body{{margin:0;font:16px/1.6 system-ui,sans-serif}}main{{max-width:720px;margin:0 auto;padding:16px}}</style>
</head>
<body><main>
  <h1>عطر العود الملكي</h1>
  <p>150.75 SAR</p>
  <div id="points-widget"></div>
  <script {script} data-type="{kind}" data-lang="ar" {extra} data-container="#points-widget"></script>
  <p>وصف المنتج: عطر شرقي فاخر بزيت العود.</p>
</main></body>
</html>
"##
            );
            std::fs::write(www.join(format!("{variant}-{kind}.html")), html)?;
        }
    }
    Ok(())
}
