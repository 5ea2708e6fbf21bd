//! Building the widget: two bundles, each compiled with its own features and profile, bound with
//! wasm-bindgen as a classic script (so the loader can add it with an SRI `integrity`), shrunk by
//! wasm-opt, next to the loader and its TypeScript declarations in `dist/widget/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd::{read, run};
use crate::tools::{Project, Tools, WasmToolchain};

/// One bundle of the widget.
#[derive(Debug, Clone, Copy)]
pub struct Bundle {
    /// The key in the loader's `FILES` object.
    pub key: &'static str,
    /// wasm-bindgen's `--out-name`: `{name}.js` and `{name}_bg.wasm`.
    pub name: &'static str,
    /// The global the glue declares (`--no-modules-global`), as the loader expects it.
    pub global: &'static str,
    /// The crate feature that selects its widget types.
    pub feature: &'static str,
    /// Its own cargo profile (inheriting `widget`): a cdylib's file name carries no feature
    /// hash, so two feature sets in one profile would overwrite each other's output.
    pub profile: &'static str,
}

/// Product and checkout pages (`points-alert`, `points-card`, `installments`), then the return
/// page: the only bundle with network code.
pub const BUNDLES: [Bundle; 2] = [
    Bundle {
        key: "widget",
        name: "points_widget",
        global: "__pointsKitWidget",
        feature: "product",
        profile: "widget",
    },
    Bundle {
        key: "return",
        name: "points_return",
        global: "__pointsKitReturn",
        feature: "return-page",
        profile: "widget-return",
    },
];

pub const LOADER: &str = "widget-loader.js";
pub const TYPES: &str = "widget-loader.d.ts";

impl Bundle {
    pub fn glue(&self) -> String {
        format!("{}.js", self.name)
    }

    pub fn wasm(&self) -> String {
        format!("{}_bg.wasm", self.name)
    }
}

/// wasm features rustc 1.95+ emits by default for wasm32-unknown-unknown; wasm-opt must be told
/// about each or it rejects the module.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds both bundles and copies the loader into `dist/widget/` (emptied first).
pub fn build_widget(project: &Project, tools: &Tools) -> Result<PathBuf> {
    let out = project.dist_widget();
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    for bundle in BUNDLES {
        build_bundle(project, tools, &bundle, &out)?;
    }
    let js = project.root.join("widget").join("js");
    for name in [LOADER, TYPES] {
        std::fs::copy(js.join(name), out.join(name)).with_context(|| format!("copying {name}"))?;
    }
    report_sizes(&out)?;
    Ok(out)
}

fn build_bundle(project: &Project, tools: &Tools, bundle: &Bundle, out: &Path) -> Result<()> {
    let mut cargo = tools.wasm_cargo(project);
    cargo.args(["build", "--package", "widget", "--no-default-features"]);
    cargo.args(["--features", bundle.feature, "--profile", bundle.profile]);
    if matches!(tools.wasm, WasmToolchain::Debian) {
        // Only Debian's nightly-capable path can drop the panic machinery entirely.
        cargo.env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort");
    }
    run(&mut cargo)?;
    let wasm = tools
        .wasm_artifacts(project, bundle.profile)
        .join("points_widget.wasm");

    let mut bindgen = Command::new(&tools.wasm_bindgen);
    bindgen.args([
        "--target",
        "no-modules",
        "--no-modules-global",
        bundle.global,
    ]);
    bindgen.args(["--omit-default-module-path", "--no-typescript"]);
    bindgen.args(["--out-name", bundle.name, "--out-dir"]);
    bindgen.arg(out).arg(&wasm);
    run(&mut bindgen)?;

    let bound = out.join(bundle.wasm());
    let mut opt = Command::new(&tools.wasm_opt);
    opt.args(["-Oz", "--converge", "--strip-debug", "--strip-producers"])
        .args(WASM_OPT_FEATURES)
        .arg(&bound)
        .arg("-o")
        .arg(&bound);
    run(&mut opt)
}

/// Prints each file's size and what each page type downloads (gzip -9, as on the wire).
fn report_sizes(out: &Path) -> Result<()> {
    eprintln!("xtask: widget built in {}", out.display());
    let gzip = |name: &str| -> Result<u64> {
        let path = out.join(name);
        let text = read(
            Command::new("sh")
                .arg("-c")
                .arg(format!("gzip -9 -c '{}' | wc -c", path.display())),
        )?;
        Ok(text.trim().parse().unwrap_or(0))
    };
    let loader = gzip(LOADER)?;
    for bundle in BUNDLES {
        let (glue, wasm) = (gzip(&bundle.glue())?, gzip(&bundle.wasm())?);
        eprintln!(
            "xtask:   {:<8} page: loader {loader} + glue {glue} + wasm {wasm} = {} bytes gzip",
            bundle.key,
            loader + glue + wasm
        );
    }
    Ok(())
}
