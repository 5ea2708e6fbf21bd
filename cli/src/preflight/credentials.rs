//! Credentials and environments: where the private key comes from, whether any secret sits in
//! a git-tracked file, production base URL and keys, nothing of the sandbox in production.

use std::path::Path;
use std::process::Command;

use super::{Group, Inputs, Items, PRODUCTION_BASE_URL, fail, pass};

/// Tracked files larger than this are not read (build outputs, media).
const MAX_SCANNED_BYTES: u64 = 8 * 1024 * 1024;

pub(super) fn check(
    inputs: &Inputs,
    lookup: Option<&impl Fn(&str) -> Option<String>>,
    config: Option<&server::Config>,
    items: &mut Items,
) {
    items.push(
        Group::Credentials,
        "credentials.private-key-source",
        "Private key supplied from a secret file or the environment",
        private_key_source(inputs, lookup),
    );
    let secrets: Vec<(&str, String)> = match config {
        Some(config) => {
            let mut secrets = vec![("the private key", config.private_key.expose().to_owned())];
            secrets.extend(
                config
                    .configured_webhook_secrets()
                    .into_iter()
                    .map(|s| ("a webhook secret", s.expose().to_owned())),
            );
            secrets.extend(
                config
                    .ops
                    .admin_token
                    .as_ref()
                    .map(|t| ("the admin token", t.expose().to_owned())),
            );
            secrets
        }
        None => Vec::new(),
    };
    let scan = scan_repository(&inputs.repo, &secrets);
    items.push(
        Group::Credentials,
        "credentials.private-key-not-in-git",
        "No key or secret in a git-tracked file",
        match &scan {
            Err(e) => fail(e.clone()),
            Ok(_) if secrets.is_empty() => fail("no configuration loaded: nothing to look for"),
            Ok(scan) if scan.found.is_empty() => pass(format!(
                "none of {} secret values in {} tracked files of {}",
                secrets.len(),
                scan.files,
                inputs.repo.display()
            )),
            Ok(scan) => fail(scan.found.join("; ")),
        },
    );
    items.push(
        Group::Credentials,
        "credentials.no-tracked-env",
        "No .env file committed",
        match &scan {
            Err(e) => fail(e.clone()),
            Ok(scan) if scan.env_files.is_empty() => pass("git tracks no .env file"),
            Ok(scan) => fail(format!(
                "git tracks {}: remove it (`git rm --cached`) and rotate what it held",
                scan.env_files.join(", ")
            )),
        },
    );
    items.push(
        Group::Credentials,
        "credentials.production-checkout",
        "Production base URL and public key configured for checkout",
        match config {
            None => fail("no configuration loaded"),
            Some(c) if c.points_base_url.trim_end_matches('/') != PRODUCTION_BASE_URL => {
                fail(format!(
                    "POINTS_BASE_URL is {}, not {PRODUCTION_BASE_URL}",
                    c.points_base_url
                ))
            }
            Some(c) if c.public_key.trim().is_empty() => fail("POINTS_PUBLIC_KEY is empty"),
            Some(c) => pass(format!(
                "{} with public key {}",
                c.points_base_url,
                mask_public_key(&c.public_key)
            )),
        },
    );
    items.push(
        Group::Credentials,
        "credentials.no-sandbox",
        "No sandbox base URL or sandbox keys in the production runtime",
        match config {
            None => fail("no configuration loaded"),
            Some(c) => no_sandbox(c),
        },
    );
}

fn private_key_source(
    inputs: &Inputs,
    lookup: Option<&impl Fn(&str) -> Option<String>>,
) -> (super::Status, String) {
    let Some(lookup) = lookup else {
        return fail("the configuration file does not load");
    };
    if let Some(path) = inputs.get("POINTS_PRIVATE_KEY_FILE") {
        return secret_file(path, "POINTS_PRIVATE_KEY_FILE");
    }
    if inputs.get("POINTS_PRIVATE_KEY").is_some() {
        return pass("POINTS_PRIVATE_KEY in the environment (from the secrets manager)");
    }
    if let Some(path) = lookup("POINTS_PRIVATE_KEY_FILE") {
        return secret_file(&path, "private_key_file in the config file");
    }
    if lookup("POINTS_PRIVATE_KEY").is_some() {
        return fail(
            "private_key is written in the config file (POINTS_CONFIG): \
             move it to a secret file (private_key_file) or the environment",
        );
    }
    fail("no private key: set POINTS_PRIVATE_KEY_FILE (or POINTS_PRIVATE_KEY)")
}

/// A secret file must exist and, on Unix, not be readable by everyone.
fn secret_file(path: &str, source: &str) -> (super::Status, String) {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(format!("{source} names {path}, which cannot be read: {e}")),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if mode & 0o004 != 0 {
            return fail(format!(
                "{path} ({source}) is readable by every user (mode {:o}): chmod 600",
                mode & 0o777
            ));
        }
    }
    let _ = metadata;
    pass(format!("secret file {path} ({source})"))
}

fn no_sandbox(config: &server::Config) -> (super::Status, String) {
    let mut problems = Vec::new();
    let base = config.points_base_url.to_ascii_lowercase();
    if base.contains("sandbox") {
        problems.push(format!(
            "POINTS_BASE_URL {} is a sandbox",
            config.points_base_url
        ));
    }
    if let Ok(url) = url::Url::parse(&config.points_base_url) {
        let host = url.host_str().unwrap_or_default();
        if host == "localhost" || host.starts_with("127.") || host == "[::1]" {
            problems.push(format!(
                "POINTS_BASE_URL {} is a local emulator",
                config.points_base_url
            ));
        }
    }
    if looks_like_sandbox_key(&config.public_key) {
        problems.push(format!(
            "the public key {} is a sandbox key",
            mask_public_key(&config.public_key)
        ));
    }
    if looks_like_sandbox_key(config.private_key.expose()) {
        problems.push("the private key is a sandbox key".into());
    }
    if config.mode != server::config::Mode::Production {
        problems.push(format!("POINTS_MODE is {:?}, not production", config.mode));
    }
    if problems.is_empty() {
        pass("production mode, production base URL, no sandbox-shaped key")
    } else {
        fail(problems.join("; "))
    }
}

/// The sandbox's keys (`pk_sandbox_…`, API.md §12) and the usual test prefixes.
fn looks_like_sandbox_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    ["pk_sandbox", "sk_sandbox", "pk_test", "sk_test"]
        .iter()
        .any(|prefix| key.starts_with(prefix))
        || key.contains("sandbox")
}

/// The public key is browser-safe (API.md §8.1), but a report needs only enough to tell keys
/// apart.
fn mask_public_key(key: &str) -> String {
    let key = key.trim();
    let shown: String = key.chars().take(6).collect();
    format!("{shown}… ({} characters)", key.chars().count())
}

#[derive(Debug, Default)]
struct Scan {
    files: usize,
    /// `"the private key in config/prod.toml"`: never the value.
    found: Vec<String>,
    env_files: Vec<String>,
}

/// Reads every file `git ls-files` lists and looks for each secret's value.
fn scan_repository(repo: &Path, secrets: &[(&str, String)]) -> Result<Scan, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["ls-files", "-z"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{} is not a git work tree: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut scan = Scan::default();
    for path in output.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        scan.files += 1;
        if is_env_file(&path) {
            scan.env_files.push(path.clone());
        }
        let full = repo.join(&path);
        let Ok(metadata) = std::fs::metadata(&full) else {
            continue; // deleted in the work tree
        };
        if metadata.len() > MAX_SCANNED_BYTES {
            continue;
        }
        let Ok(bytes) = std::fs::read(&full) else {
            continue;
        };
        for (name, value) in secrets {
            let value = value.trim();
            if value.len() >= 8 && contains(&bytes, value.as_bytes()) {
                scan.found
                    .push(format!("{name} appears in tracked file {path}"));
            }
        }
    }
    Ok(scan)
}

/// `.env`, `.env.production`, `config/.env`; not `.env.example` or `.env.sample`.
fn is_env_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (name == ".env" || name.starts_with(".env."))
        && !name.ends_with(".example")
        && !name.ends_with(".sample")
        && !name.ends_with(".template")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_are_recognised_and_examples_are_not() {
        assert!(is_env_file(".env"));
        assert!(is_env_file("deploy/.env.production"));
        assert!(!is_env_file(".env.example"));
        assert!(!is_env_file("src/env.rs"));
        assert!(!is_env_file("dotenv"));
    }

    #[test]
    fn sandbox_keys_are_recognised() {
        assert!(looks_like_sandbox_key("pk_sandbox_demo"));
        assert!(looks_like_sandbox_key("SK_TEST_123"));
        assert!(!looks_like_sandbox_key("pk_live_4f9a0c"));
    }
}
