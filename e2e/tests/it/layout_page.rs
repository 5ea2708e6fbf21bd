//! The layout-shift test's pages and their page object: one page per widget type and language,
//! written into a fresh `www/` for the stack (so the storefront's strict CSP applies to them),
//! with the release (`cargo xtask dist`: versioned names, SRI) under `/release/`, the widget
//! auto-initialised from the manifest's script tag right after its container, as a merchant's
//! snippet does.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use playwright_rs::Page;
use serde_json::Value;

use crate::helpers::eventually;

pub const TYPES: [&str; 4] = ["points-card", "points-alert", "installments", "return"];
pub const LANGS: [&str; 2] = ["ar", "en"];

/// Installed before any page script: a buffered `layout-shift` observer, and the widget's
/// `points:ready` / `points:error` events, so nothing the loader does escapes it.
pub const OBSERVER: &str = r#"(() => {
  const pk = window.__pk = { shifts: [], ready: [], errors: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      pk.shifts.push({ value: e.value, recentInput: e.hadRecentInput,
        sources: (e.sources || []).map((s) => s.node ? (s.node.id || s.node.className || s.node.nodeName) : '?') });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  document.addEventListener('points:ready', (e) => pk.ready.push(e.detail && e.detail.type), true);
  document.addEventListener('points:error', (e) => pk.errors.push(e.detail && e.detail.code), true);
})();"#;

/// The release xtask wrote (`POINTS_KIT_RELEASE_DIR`, else `dist/release`).
pub fn release_dir() -> std::path::PathBuf {
    std::env::var_os("POINTS_KIT_RELEASE_DIR")
        .map(Into::into)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/release"))
}

/// Writes the test pages, their stylesheet and a copy of the release into `www`.
pub fn write_pages(www: &Path, release: &Path) -> Result<()> {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(release.join("manifest.json"))
            .with_context(|| format!("no release in {} (cargo xtask dist)", release.display()))?,
    )?;
    let loader = &manifest["files"]["widget-loader.js"];
    let script = format!(
        r#"src="/release/{}" integrity="{}" crossorigin="anonymous""#,
        loader["file"].as_str().context("loader file")?,
        loader["integrity"].as_str().context("loader integrity")?
    );
    std::fs::create_dir_all(www.join("release"))?;
    for entry in std::fs::read_dir(release)? {
        let entry = entry?;
        std::fs::copy(entry.path(), www.join("release").join(entry.file_name()))?;
    }
    std::fs::write(www.join("layout.css"), STYLE)?;
    for kind in TYPES {
        for lang in LANGS {
            std::fs::write(
                www.join(file_name(kind, lang)),
                page_html(kind, lang, &script),
            )?;
        }
    }
    Ok(())
}

pub fn file_name(kind: &str, lang: &str) -> String {
    format!("layout-{kind}-{lang}.html")
}

const STYLE: &str = "body{margin:0;font:16px/1.6 system-ui,sans-serif;color:#222}\
main{max-width:720px;margin:0 auto;padding:16px}h1{font-size:22px;margin:0 0 8px}\
.price{font-size:20px;font-weight:700;margin:0}#below{margin:16px 0;padding:12px;background:#f4f4f4}";

fn page_html(kind: &str, lang: &str, script: &str) -> String {
    let (dir, heading, below) = match lang {
        "ar" => (
            "rtl",
            "عطر العود الملكي",
            "وصف المنتج: عطر شرقي فاخر بزيت العود.",
        ),
        _ => (
            "ltr",
            "Royal oud perfume",
            "Product description: a rich oriental perfume.",
        ),
    };
    let extra = match kind {
        "return" => r#"data-order-param="ref""#,
        "installments" => r#"data-points="1507" data-callback-url="/cart""#,
        _ => r#"data-points="1507""#,
    };
    format!(
        r##"<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>layout {kind} {lang}</title>
  <link rel="stylesheet" href="/layout.css">
</head>
<body>
  <main>
    <h1>{heading}</h1>
    <p class="price">150.75 SAR</p>
    <div id="points-widget"></div>
    <script {script} data-type="{kind}" data-lang="{lang}" {extra}
            data-container="#points-widget"></script>
    <p id="below">{below}</p>
  </main>
</body>
</html>
"##
    )
}

/// What the observer saw once the widget was ready.
#[derive(Debug)]
pub struct Measured {
    /// Total layout shift (entries without recent input), the CLS of the page so far.
    pub cls: f64,
    /// Each entry, with the nodes it moved.
    pub shifts: Value,
    pub errors: Value,
    /// The names of the files the page downloaded.
    pub resources: Vec<String>,
    /// The container's height as rendered and the widget's own height without the reserved
    /// minimum (what the reservation must match).
    pub box_height: f64,
    pub natural_height: f64,
}

/// One layout page in the browser.
pub struct LayoutPage<'a>(pub &'a Page);

impl LayoutPage<'_> {
    // act
    pub async fn open(&self, storefront: &str, kind: &str, lang: &str, query: &str) -> Result<()> {
        let url = format!("{storefront}/{}{query}", file_name(kind, lang));
        self.0.goto(&url, None).await?;
        Ok(())
    }

    // check
    /// Waits for `points:ready` (or an error), lets two frames pass so a late shift would be
    /// recorded, and reads the observer.
    pub async fn measure_when_ready(&self) -> Result<Measured> {
        let page = self.0;
        eventually(Duration::from_secs(20), "points:ready", || async move {
            let done: bool = page
                .evaluate(
                    "() => window.__pk.ready.length + window.__pk.errors.length > 0",
                    None::<&()>,
                )
                .await?;
            Ok(done.then_some(()))
        })
        .await?;
        let seen: Value = page.evaluate(MEASURE, None::<&()>).await?;
        Ok(Measured {
            cls: seen["cls"].as_f64().context("cls")?,
            shifts: seen["shifts"].clone(),
            errors: seen["errors"].clone(),
            resources: serde_json::from_value(seen["resources"].clone())?,
            box_height: seen["box"].as_f64().context("box")?,
            natural_height: seen["natural"].as_f64().context("natural")?,
        })
    }

    /// A screenshot of the widget's container.
    pub async fn screenshot_widget(&self, file: &Path) -> Result<()> {
        let png = self.0.locator("#points-widget").screenshot(None).await?;
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(file, png)?;
        Ok(())
    }
}

const MEASURE: &str = r#"async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const pk = window.__pk, el = document.querySelector('#points-widget');
  const host = el.querySelector(':scope > .pk-host');
  const box = el.getBoundingClientRect().height;
  let natural = box;
  if (host) {
    host.style.minHeight = '0px';
    natural = el.getBoundingClientRect().height;
    host.style.minHeight = '';
  }
  const cls = pk.shifts.filter((s) => !s.recentInput).reduce((sum, s) => sum + s.value, 0);
  const resources = performance.getEntriesByType('resource').map((e) => e.name.split('/').pop());
  return { cls, shifts: pk.shifts, errors: pk.errors, box, natural, resources };
}"#;
