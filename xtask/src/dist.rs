//! `cargo xtask dist`: the widget as a merchant serves it. Into `dist/release/`:
//!
//! - every file under a versioned, immutable name (`{stem}-{version}-{hash}.{ext}`, the hash
//!   being the first 12 hex digits of the file's SHA-256), the loader rewritten to know its
//!   bundles' versioned names and SRI hashes (so it checks what it loads);
//! - `manifest.json`: each file's name, `integrity` (sha384, base64), bytes and gzip bytes, the
//!   bytes each page type downloads, the CSP a merchant must allow, the snippets;
//! - `csp.txt` and `snippet.html`, the same text ready to copy.
//!
//! The loader's `FILES` object sits between two `/*pk-files*/` markers; it is replaced whole.

use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha384};

use crate::build::{BUNDLES, Bundle, LOADER, TYPES, build_widget};
use crate::tools::{Need, Project, Tools};

/// The build's production origin, as the widget is compiled with it (widget/src/origin.rs).
pub const DEFAULT_ORIGIN: &str = "https://business.papp.sa";
/// Issue 6's budgets, loader + glue + wasm, gzip.
pub const PRODUCT_BUDGET: u64 = 45 * 1024;
pub const RETURN_BUDGET: u64 = 90 * 1024;
const MARKER: &str = "/*pk-files*/";

/// Builds the widget and writes `dist/release/`.
pub fn dist(project: &Project) -> Result<()> {
    let tools = Tools::ensure(project, Need::Widget)?;
    let built = build_widget(project, &tools)?;
    let out = release(project, &built)?;
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json"))?)?;
    for (page, budget) in [("product", PRODUCT_BUDGET), ("return", RETURN_BUDGET)] {
        let bytes = manifest["pages"][page]["gzip"].as_u64().unwrap_or(u64::MAX);
        eprintln!("xtask:   {page:<8} page {bytes:>6} bytes gzip (budget {budget})");
        if bytes > budget {
            bail!("the {page} page downloads {bytes} bytes gzip, over its {budget} budget");
        }
    }
    eprintln!("xtask: release written to {}", out.display());
    Ok(())
}

/// The release of the widget just built into `built`, for the production origin, verified.
pub fn release(project: &Project, built: &Path) -> Result<std::path::PathBuf> {
    let origin = std::env::var("POINTS_WIDGET_ORIGIN").unwrap_or_else(|_| DEFAULT_ORIGIN.into());
    let out = project.root.join("dist").join("release");
    write_release(built, &out, &origin, env!("CARGO_PKG_VERSION"))?;
    crate::verify::verify_release(&out)?;
    Ok(out)
}

/// Writes the release of the widget built in `built` into `out` (emptied first); returns the
/// manifest.
pub fn write_release(built: &Path, out: &Path, origin: &str, version: &str) -> Result<Value> {
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(out)?;
    let origin = origin.trim_end_matches('/');
    let mut files = serde_json::Map::new();
    let mut loader_files = serde_json::Map::new();
    for bundle in BUNDLES {
        let glue = publish(built, out, &bundle.glue(), version)?;
        let wasm = publish(built, out, &bundle.wasm(), version)?;
        loader_files.insert(bundle.key.into(), loader_entry(&glue, &wasm));
        files.insert(bundle.glue(), glue);
        files.insert(bundle.wasm(), wasm);
    }
    let source = std::fs::read_to_string(built.join(LOADER))?;
    let loader = rewrite_loader(&source, &Value::Object(loader_files))?;
    std::fs::write(built.join("widget-loader.release.js"), &loader)?;
    let loader_entry = publish_bytes(out, LOADER, loader.as_bytes(), version)?;
    std::fs::remove_file(built.join("widget-loader.release.js"))?;
    files.insert(LOADER.into(), loader_entry);
    let types = std::fs::read(built.join(TYPES))?;
    files.insert(TYPES.into(), publish_bytes(out, TYPES, &types, version)?);

    let pages = json!({
        "product": page(&files, &BUNDLES[0]),
        "return": page(&files, &BUNDLES[1]),
    });
    let csp = json!({
        "product": csp(origin, false),
        "return": csp(origin, true),
    });
    let loader_file = &files[LOADER];
    let src = format!(
        "{origin}/{}",
        loader_file["file"].as_str().unwrap_or_default()
    );
    let integrity = loader_file["integrity"].as_str().unwrap_or_default();
    let snippets: serde_json::Map<String, Value> =
        ["points-card", "points-alert", "installments", "return"]
            .into_iter()
            .map(|kind| {
                (
                    kind.to_owned(),
                    Value::String(snippet(&src, integrity, kind)),
                )
            })
            .collect();
    let manifest = json!({
        "name": "points-kit widget",
        "version": version,
        "origin": origin,
        "files": files,
        "pages": pages,
        "csp": csp,
        "snippets": snippets,
        "serve": {
            "directory": "all files in one directory of the origin, next to each other",
            "headers": {
                "Cache-Control": "public, max-age=31536000, immutable",
                "Access-Control-Allow-Origin": "*",
                "Content-Type (.wasm)": "application/wasm",
                "Content-Type (.js)": "text/javascript"
            }
        }
    });
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    std::fs::write(out.join("csp.txt"), csp_text(&manifest))?;
    let mut html = String::from(
        "<!-- points-kit widget: put the container where the widget goes, the script tag right \
         after it\n     (not async or defer: it reserves the widget's box before the page paints). -->\n",
    );
    for (kind, text) in &snippets {
        html.push_str(&format!(
            "\n<!-- {kind} -->\n{}\n",
            text.as_str().unwrap_or_default()
        ));
    }
    std::fs::write(out.join("snippet.html"), html)?;
    Ok(manifest)
}

/// Copies `built/name` into `out` under its versioned name; its manifest entry.
fn publish(built: &Path, out: &Path, name: &str, version: &str) -> Result<Value> {
    let bytes = std::fs::read(built.join(name)).with_context(|| format!("reading {name}"))?;
    publish_bytes(out, name, &bytes, version)
}

fn publish_bytes(out: &Path, name: &str, bytes: &[u8], version: &str) -> Result<Value> {
    let file = versioned_name(name, version, bytes);
    std::fs::write(out.join(&file), bytes)?;
    Ok(json!({
        "file": file,
        "integrity": integrity(bytes),
        "bytes": bytes.len(),
        "gzip": gzip_len(bytes)?,
    }))
}

/// `points_widget_bg.wasm` → `points_widget_bg-0.1.0-0123456789ab.wasm`.
pub fn versioned_name(name: &str, version: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    // `widget-loader.d.ts` keeps `.d.ts` whole.
    let (stem, ext) = match name.strip_suffix(".d.ts") {
        Some(stem) => (stem, "d.ts"),
        None => name.rsplit_once('.').unwrap_or((name, "")),
    };
    format!("{stem}-{version}-{hash}.{ext}")
}

/// The SRI value: `sha384-` and the base64 of the digest.
pub fn integrity(bytes: &[u8]) -> String {
    let digest = Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn loader_entry(glue: &Value, wasm: &Value) -> Value {
    json!({
        "js": glue["file"],
        "wasm": wasm["file"],
        "jsIntegrity": glue["integrity"],
        "wasmIntegrity": wasm["integrity"],
    })
}

/// Replaces the loader's `FILES` object (between the two markers) with `files`.
pub fn rewrite_loader(source: &str, files: &Value) -> Result<String> {
    let mut parts = source.split(MARKER);
    let (Some(before), Some(_old), Some(after), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        bail!("{LOADER} must hold exactly two {MARKER} markers");
    };
    Ok(format!("{before}{MARKER}{files}{MARKER}{after}"))
}

/// What one page type downloads.
fn page(files: &serde_json::Map<String, Value>, bundle: &Bundle) -> Value {
    let names = [LOADER.to_owned(), bundle.glue(), bundle.wasm()];
    let sum = |key: &str| -> u64 { names.iter().filter_map(|n| files[n][key].as_u64()).sum() };
    let list: Vec<&Value> = names.iter().map(|n| &files[n]["file"]).collect();
    json!({ "files": list, "bytes": sum("bytes"), "gzip": sum("gzip") })
}

/// The sources a merchant's policy must allow. Scripts: the widget origin and
/// `'wasm-unsafe-eval'` (compiling WebAssembly), never `'unsafe-inline'`. Connections: the widget
/// origin (the loader fetches the wasm), and on the return page `'self'` too (it asks the
/// merchant server, on the page's own origin). Styles need nothing: the widget uses adopted
/// (constructable) stylesheets, which `style-src` does not govern; no images, fonts or frames.
pub fn csp(origin: &str, return_page: bool) -> String {
    let connect = if return_page {
        format!("{origin} 'self'")
    } else {
        origin.to_owned()
    };
    format!("script-src {origin} 'wasm-unsafe-eval'; connect-src {connect}")
}

fn csp_text(manifest: &Value) -> String {
    let mut text = String::from(
        "# Add these sources to your Content-Security-Policy (merge them into directives you\n\
         # already have). No 'unsafe-inline' is needed: styles are adopted stylesheets.\n",
    );
    for (page, title) in [
        ("product", "product and checkout pages"),
        ("return", "the return (callback) page"),
    ] {
        let value = manifest["csp"][page].as_str().unwrap_or_default();
        text.push_str(&format!("\n# {title}\n{value}\n"));
    }
    text
}

/// The script tag a merchant pastes right after `<div id="points-widget"></div>`.
pub fn snippet(src: &str, integrity: &str, kind: &str) -> String {
    let extra = match kind {
        "return" => " data-order-param=\"ref\"",
        "installments" => " data-callback-url=\"/cart\"",
        _ => " data-points=\"199\"",
    };
    format!(
        "<div id=\"points-widget\"></div>\n<script src=\"{src}\" integrity=\"{integrity}\" \
         crossorigin=\"anonymous\"\n        data-type=\"{kind}\" data-lang=\"ar\"{extra} \
         data-container=\"#points-widget\"></script>"
    )
}

fn gzip_len(bytes: &[u8]) -> Result<u64> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}
