//! Finding and installing what the tasks need, following shared/TOOLCHAIN.md:
//! the wasm32 target (rustup, else Debian's rustc-web building std), wasm-bindgen-cli pinned to
//! the crate's exact version, npm's binaryen and playwright-core in a project-local tools folder,
//! Debian's chromium and chromium-driver. Each check is a cheap look at the disk, so a second
//! run does no set-up work.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cmd::{command, exists, read, run, run_with_timeout};

const BINARYEN: &str = "binaryen@132.0.0";
const PLAYWRIGHT_CORE: &str = "playwright-core@1.64.0";
/// The accessibility engine the e2e suites inject into every page.
const AXE_CORE: &str = "axe-core@4.14.1";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where the repository and its build outputs are.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub tools_dir: PathBuf,
}

impl Project {
    pub fn locate() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("xtask lives one level below the repository root")?
            .to_path_buf();
        let target_dir = env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let tools_dir = env::var_os("POINTS_KIT_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".tools"));
        Ok(Project {
            root,
            target_dir,
            tools_dir,
        })
    }

    pub fn dist_widget(&self) -> PathBuf {
        self.root.join("dist").join("widget")
    }

    /// The host's cargo: the one that runs us.
    pub fn cargo(&self) -> Command {
        let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo.current_dir(&self.root);
        cargo
    }
}

/// What a task needs installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Building the widget: a wasm32 compiler, wasm-bindgen, wasm-opt.
    Widget,
    /// Everything the test suite uses: the above plus Chromium, ChromeDriver, Playwright.
    Everything,
}

/// How wasm32 code gets compiled on this machine.
#[derive(Debug, Clone)]
pub enum WasmToolchain {
    /// rustup's toolchain with the wasm32 target installed.
    Rustup,
    /// Debian's rustc-web 1.96 building std from source (`-Zbuild-std`).
    Debian,
}

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm: WasmToolchain,
    pub wasm_bindgen: PathBuf,
    pub wasm_bindgen_test_runner: PathBuf,
    pub wasm_opt: PathBuf,
    pub node: Option<PathBuf>,
    pub playwright_cli: Option<PathBuf>,
    pub axe: Option<PathBuf>,
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
}

impl Tools {
    pub fn ensure(project: &Project, need: Need) -> Result<Tools> {
        let wasm = ensure_wasm_toolchain()?;
        let (wasm_bindgen, wasm_bindgen_test_runner) = ensure_wasm_bindgen(project)?;
        let node = ensure_node()?;
        let node_modules = ensure_npm_packages(project, need)?;
        let wasm_opt = node_modules.join(".bin").join("wasm-opt");
        let mut tools = Tools {
            wasm,
            wasm_bindgen,
            wasm_bindgen_test_runner,
            wasm_opt,
            node: Some(node),
            playwright_cli: None,
            axe: None,
            chromium: None,
            chromedriver: None,
        };
        if need == Need::Everything {
            let (chromium, chromedriver) = ensure_chromium()?;
            tools.chromium = Some(chromium);
            tools.chromedriver = Some(chromedriver);
            ensure_promtool();
            tools.playwright_cli = Some(node_modules.join("playwright-core").join("cli.js"));
            tools.axe = Some(node_modules.join("axe-core").join("axe.min.js"));
        }
        Ok(tools)
    }

    /// `cargo` set up to build for wasm32 with whichever toolchain this machine has.
    pub fn wasm_cargo(&self, project: &Project) -> Command {
        match self.wasm {
            WasmToolchain::Rustup => {
                let mut cargo = project.cargo();
                cargo.env("CARGO_TARGET_DIR", project.target_dir.join("wasm"));
                cargo.env("CARGO_BUILD_TARGET", WASM_TARGET);
                cargo
            }
            WasmToolchain::Debian => {
                let mut cargo = Command::new("/usr/bin/cargo");
                cargo.current_dir(&project.root);
                cargo.env("RUSTC", "/usr/bin/rustc");
                cargo.env("RUSTDOC", "/usr/bin/rustdoc");
                cargo.env("RUSTC_BOOTSTRAP", "1");
                cargo.env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
                cargo.env("CARGO_BUILD_TARGET", WASM_TARGET);
                cargo.env("CARGO_TARGET_DIR", project.target_dir.join("debian-wasm"));
                cargo.env_remove("RUSTUP_TOOLCHAIN");
                cargo
            }
        }
    }

    /// Where `wasm_cargo` puts a profile's artifacts.
    pub fn wasm_artifacts(&self, project: &Project, profile: &str) -> PathBuf {
        let dir = match self.wasm {
            WasmToolchain::Rustup => "wasm",
            WasmToolchain::Debian => "debian-wasm",
        };
        project.target_dir.join(dir).join(WASM_TARGET).join(profile)
    }
}

fn ensure_wasm_toolchain() -> Result<WasmToolchain> {
    match env::var("POINTS_KIT_WASM").ok().as_deref() {
        Some("debian") => return ensure_debian_wasm(),
        Some("rustup") | None | Some("") => {}
        Some(other) => bail!("POINTS_KIT_WASM must be `rustup` or `debian`, not `{other}`"),
    }
    if rustup_has_wasm_target()? {
        return Ok(WasmToolchain::Rustup);
    }
    if which("rustup").is_some() {
        eprintln!("xtask: adding the {WASM_TARGET} target with rustup");
        let added = run_with_timeout(
            &mut command("rustup", &["target", "add", WASM_TARGET]),
            Duration::from_secs(120),
        )?;
        if added && rustup_has_wasm_target()? {
            return Ok(WasmToolchain::Rustup);
        }
        eprintln!("xtask: rustup could not add {WASM_TARGET}; falling back to Debian's rustc-web");
    }
    ensure_debian_wasm()
}

fn rustup_has_wasm_target() -> Result<bool> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = read(Command::new(rustc).args(["--print", "sysroot"]))?;
    Ok(Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir())
}

fn ensure_debian_wasm() -> Result<WasmToolchain> {
    let packages = ["rustc-web", "cargo-web", "rust-web-src", "lld-22"];
    apt_install_missing(&packages)?;
    Ok(WasmToolchain::Debian)
}

fn ensure_wasm_bindgen(project: &Project) -> Result<(PathBuf, PathBuf)> {
    let version = locked_version(project, "wasm-bindgen")?;
    let root = project.tools_dir.join(format!("wasm-bindgen-{version}"));
    let bindgen = root.join("bin").join("wasm-bindgen");
    let runner = root.join("bin").join("wasm-bindgen-test-runner");
    let installed = exists(&bindgen)
        && read(Command::new(&bindgen).arg("--version"))
            .map(|v| v.ends_with(&version))
            .unwrap_or(false);
    if !installed {
        eprintln!("xtask: installing wasm-bindgen-cli {version} (a few minutes, once)");
        // Not --locked: its lock file pins a crate version the registry mirror lacks.
        let mut cargo = project.cargo();
        cargo.args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
            "--root",
        ]);
        cargo.arg(&root);
        // Build it outside the project's target dir so it never evicts project artifacts.
        cargo.env(
            "CARGO_TARGET_DIR",
            project.tools_dir.join("cargo-install-target"),
        );
        run(&mut cargo)?;
    }
    Ok((bindgen, runner))
}

/// The version of `name` that Cargo.lock pins.
fn locked_version(project: &Project, name: &str) -> Result<String> {
    let lock =
        std::fs::read_to_string(project.root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{name}\"\n");
    let after = lock
        .split(&needle)
        .nth(1)
        .with_context(|| format!("{name} is not in Cargo.lock"))?;
    let version = after
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .with_context(|| format!("no version line after {name} in Cargo.lock"))?;
    Ok(version.to_owned())
}

fn ensure_node() -> Result<PathBuf> {
    if let (Some(node), Some(_)) = (which("node"), which("npm")) {
        return Ok(node);
    }
    apt_install_missing(&["nodejs", "npm"])?;
    which("node").context("node is still missing after installing nodejs")
}

/// Installs binaryen (wasm-opt) and, for tests, playwright-core and axe-core into `<tools>/node`.
fn ensure_npm_packages(project: &Project, need: Need) -> Result<PathBuf> {
    let prefix = project.tools_dir.join("node");
    let modules = prefix.join("node_modules");
    let mut wanted = vec![BINARYEN];
    if need == Need::Everything {
        wanted.push(PLAYWRIGHT_CORE);
        wanted.push(AXE_CORE);
    }
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|spec| !npm_has(&modules, spec))
        .collect();
    if !missing.is_empty() {
        std::fs::create_dir_all(&prefix)?;
        let mut npm = command("npm", &["install", "--no-audit", "--no-fund", "--prefix"]);
        npm.arg(&prefix).args(&missing);
        run(&mut npm)?;
    }
    Ok(modules)
}

fn npm_has(modules: &Path, spec: &str) -> bool {
    let Some((name, version)) = spec.rsplit_once('@') else {
        return false;
    };
    std::fs::read_to_string(modules.join(name).join("package.json"))
        .map(|manifest| manifest.contains(&format!("\"version\": \"{version}\"")))
        .unwrap_or(false)
}

fn ensure_chromium() -> Result<(PathBuf, PathBuf)> {
    if let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) {
        return Ok((chromium, driver));
    }
    apt_install_missing(&["chromium", "chromium-driver"])?;
    match (which("chromium"), which("chromedriver")) {
        (Some(chromium), Some(driver)) => Ok((chromium, driver)),
        _ => bail!("chromium and chromedriver are still missing after apt-get install"),
    }
}

/// promtool (Debian's `prometheus`) checks the server's alert rules and runs their unit tests.
/// Best effort: without it those two tests say they skipped (or, with `CI` set, fail), and
/// nothing else needs it.
fn ensure_promtool() {
    if which("promtool").is_some() {
        return;
    }
    if let Err(error) = apt_install_missing(&["prometheus"]) {
        eprintln!("xtask: promtool not installed ({error:#}); the alert-rule tests will skip");
    }
}

/// Installs Debian packages that are not installed yet; as root only, otherwise stops with
/// the exact command to run.
pub(crate) fn apt_install_missing(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            read(&mut command("dpkg-query", &["-W", "-f=${Status}", p]))
                .map(|status| !status.contains("install ok installed"))
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !is_root() {
        bail!(
            "missing Debian packages; run:\n\n    sudo apt-get update && sudo apt-get install -y {list}\n"
        );
    }
    eprintln!("xtask: installing Debian packages: {list}");
    run(&mut command("apt-get", &["update", "-q"]))?;
    let mut install = command("apt-get", &["install", "-y", "-q"]);
    install
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut install)
}

/// Whether xtask runs as uid 0 (`id -u`).
pub(crate) fn is_root() -> bool {
    read(&mut command("id", &["-u"]))
        .map(|uid| uid == "0")
        .unwrap_or(false)
}

/// Finds a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
