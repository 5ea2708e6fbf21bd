//! Checking a release (`dist/release/`) against its manifest: what `cargo xtask dist` runs
//! after writing one, and what the tests below run over a release written from test files.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::build::{BUNDLES, LOADER};
use crate::dist::{PRODUCT_BUDGET, RETURN_BUDGET, integrity};

/// The files a release holds besides the versioned ones.
const EXTRAS: [&str; 3] = ["manifest.json", "csp.txt", "snippet.html"];

/// Every file is where the manifest says, with the hash the manifest says (and in its name);
/// the loader names and pins its bundles; the CSP has no `unsafe-inline`; every snippet carries
/// the loader's integrity; both pages are within budget.
pub fn verify_release(dir: &Path) -> Result<()> {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).context("reading manifest.json")?,
    )?;
    let version = manifest["version"].as_str().context("version")?;
    let files = manifest["files"].as_object().context("files")?;
    let mut expected: BTreeSet<String> = EXTRAS.iter().map(|s| (*s).to_owned()).collect();
    for (name, entry) in files {
        let file = entry["file"].as_str().context("file")?;
        let bytes = std::fs::read(dir.join(file)).with_context(|| format!("reading {file}"))?;
        ensure!(
            entry["integrity"].as_str() == Some(integrity(&bytes).as_str()),
            "{file}: integrity does not match its bytes"
        );
        let hash: String = Sha256::digest(&bytes)[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ensure!(
            file.contains(&format!("-{version}-{hash}.")),
            "{file} ({name}) is not named by its version and content hash"
        );
        expected.insert(file.to_owned());
    }
    let present: BTreeSet<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    ensure!(
        present == expected,
        "release files {present:?} differ from the manifest's {expected:?}"
    );
    verify_loader(dir, files)?;
    verify_csp(dir, &manifest)?;
    verify_snippets(dir, &manifest)?;
    for (page, budget) in [("product", PRODUCT_BUDGET), ("return", RETURN_BUDGET)] {
        let gzip = manifest["pages"][page]["gzip"]
            .as_u64()
            .context("page gzip")?;
        ensure!(
            gzip <= budget,
            "{page} page: {gzip} bytes gzip, budget {budget}"
        );
    }
    Ok(())
}

/// The released loader's `FILES` object names each bundle's versioned files and their hashes.
fn verify_loader(dir: &Path, files: &serde_json::Map<String, Value>) -> Result<()> {
    let loader =
        std::fs::read_to_string(dir.join(files[LOADER]["file"].as_str().context("loader")?))?;
    let object = loader
        .split("/*pk-files*/")
        .nth(1)
        .context("the loader has no /*pk-files*/ object")?;
    let pinned: Value = serde_json::from_str(object).context("the loader's FILES object")?;
    for bundle in BUNDLES {
        let (glue, wasm) = (&files[&bundle.glue()], &files[&bundle.wasm()]);
        let entry = &pinned[bundle.key];
        ensure!(entry["js"] == glue["file"], "{}: glue name", bundle.key);
        ensure!(entry["wasm"] == wasm["file"], "{}: wasm name", bundle.key);
        ensure!(
            entry["jsIntegrity"] == glue["integrity"],
            "{}: glue hash",
            bundle.key
        );
        ensure!(
            entry["wasmIntegrity"] == wasm["integrity"],
            "{}: wasm hash",
            bundle.key
        );
    }
    Ok(())
}

fn verify_csp(dir: &Path, manifest: &Value) -> Result<()> {
    let origin = manifest["origin"].as_str().context("origin")?;
    let text = std::fs::read_to_string(dir.join("csp.txt"))?;
    for page in ["product", "return"] {
        let csp = manifest["csp"][page].as_str().context("csp")?;
        ensure!(
            !csp.contains("unsafe-inline"),
            "{page} CSP allows unsafe-inline"
        );
        ensure!(
            !csp.replace("'wasm-unsafe-eval'", "")
                .contains("unsafe-eval"),
            "{page} CSP allows unsafe-eval"
        );
        ensure!(
            csp.contains(&format!("script-src {origin} 'wasm-unsafe-eval'")),
            "{page} CSP: script-src must allow {origin} and 'wasm-unsafe-eval': {csp}"
        );
        let connect = csp.split("connect-src").nth(1).context("connect-src")?;
        ensure!(
            connect.contains(origin),
            "{page} CSP: connect-src lacks {origin}"
        );
        ensure!(
            connect.contains("'self'") == (page == "return"),
            "{page} CSP: only the return page connects to its own origin"
        );
        ensure!(text.contains(csp), "csp.txt lacks the {page} policy");
    }
    Ok(())
}

fn verify_snippets(dir: &Path, manifest: &Value) -> Result<()> {
    let loader = &manifest["files"][LOADER];
    let integrity = loader["integrity"].as_str().context("loader integrity")?;
    let src = format!(
        "{}/{}",
        manifest["origin"].as_str().context("origin")?,
        loader["file"].as_str().context("loader file")?
    );
    let html = std::fs::read_to_string(dir.join("snippet.html"))?;
    let snippets = manifest["snippets"].as_object().context("snippets")?;
    ensure!(snippets.len() == 4, "one snippet per widget type");
    for (kind, snippet) in snippets {
        let snippet = snippet.as_str().context("snippet")?;
        for part in [
            format!("src=\"{src}\""),
            format!("integrity=\"{integrity}\""),
            "crossorigin=\"anonymous\"".to_owned(),
            format!("data-type=\"{kind}\""),
        ] {
            ensure!(snippet.contains(&part), "{kind} snippet lacks {part}");
        }
        ensure!(
            html.contains(snippet),
            "snippet.html lacks the {kind} snippet"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::TYPES;
    use crate::dist::{versioned_name, write_release};

    /// A built widget made of small stand-in files and the real loader.
    fn fake_build(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        for bundle in BUNDLES {
            let glue = format!("let {} = (function () {{}})();", bundle.global);
            std::fs::write(dir.join(bundle.glue()), glue).expect("glue");
            std::fs::write(dir.join(bundle.wasm()), b"\0asm\x01\0\0\0").expect("wasm");
        }
        let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../widget/js");
        for name in [LOADER, TYPES] {
            std::fs::copy(js.join(name), dir.join(name)).expect("copy");
        }
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn integrity_is_sha384_base64_as_browsers_compute_it() {
        // openssl dgst -sha384 -binary <<< -n abc | base64
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
        // sha256("abc") starts ba7816bf8f01.
        assert_eq!(
            versioned_name("points_widget_bg.wasm", "0.1.0", b"abc"),
            "points_widget_bg-0.1.0-ba7816bf8f01.wasm"
        );
        assert_eq!(
            versioned_name("widget-loader.d.ts", "0.1.0", b"abc"),
            "widget-loader-0.1.0-ba7816bf8f01.d.ts"
        );
    }

    #[test]
    fn a_release_pins_every_file_and_passes_its_own_checks() {
        let root = temp("release");
        let (built, out) = (root.join("built"), root.join("release"));
        fake_build(&built);
        let manifest = write_release(&built, &out, "https://cdn.example/", "9.9.9").expect("write");
        verify_release(&out).expect("the release verifies");
        assert_eq!(manifest["origin"], "https://cdn.example");
        let loader = manifest["files"][LOADER]["file"].as_str().expect("loader");
        assert!(loader.starts_with("widget-loader-9.9.9-") && loader.ends_with(".js"));
        let snippet = manifest["snippets"]["points-card"]
            .as_str()
            .expect("snippet");
        assert!(snippet.contains(&format!("src=\"https://cdn.example/{loader}\"")));
        assert_eq!(
            manifest["csp"]["product"],
            "script-src https://cdn.example 'wasm-unsafe-eval'; connect-src https://cdn.example"
        );

        // A file changed after the fact, a stray file or a loader that pins other bytes: refused.
        let wasm = manifest["files"]["points_widget_bg.wasm"]["file"]
            .as_str()
            .expect("wasm");
        std::fs::write(out.join(wasm), b"\0asm\x01\0\0\0tampered").expect("tamper");
        assert!(
            verify_release(&out).is_err(),
            "a changed file must be caught"
        );
        write_release(&built, &out, "https://cdn.example", "9.9.9").expect("rewrite");
        std::fs::write(out.join("extra.js"), "x").expect("stray");
        assert!(verify_release(&out).is_err(), "a stray file must be caught");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_loader_object_is_replaced_whole_or_not_at_all() {
        let source = "a /*pk-files*/{\"old\":1}/*pk-files*/ b";
        let out =
            crate::dist::rewrite_loader(source, &serde_json::json!({"new": 2})).expect("rewrite");
        assert_eq!(out, "a /*pk-files*/{\"new\":2}/*pk-files*/ b");
        assert!(crate::dist::rewrite_loader("no markers", &Value::Null).is_err());
    }
}
