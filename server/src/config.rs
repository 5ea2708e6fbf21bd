//! Typed configuration, validated once at start-up.
//!
//! The binary reads it from `POINTS_*` environment variables ([`Config::from_env`]); the e2e
//! harness and the demo build the struct directly. Secrets can come from files (`…_FILE`) so they
//! need not sit in the environment of every child process.

use std::net::SocketAddr;

use anyhow::{Context, bail, ensure};
use protocol::{ApiKey, OrderNumber, WebhookSecret};
use url::Url;

use crate::Catalog;

/// The default database: a SQLite file next to the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://points-kit.db";
/// The storefront page Points sends the shopper back to.
pub const DEFAULT_RETURN_PATH: &str = "/return.html";
/// Where the binary listens unless `POINTS_SERVER_ADDR` says otherwise.
pub const DEFAULT_SERVER_ADDR: &str = "127.0.0.1:8080";

/// Everything the server needs. `Debug` is safe: the private key and webhook secret print as
/// `[redacted]`, and the public key is browser-safe by design (API.md §8.1).
#[derive(Debug, Clone)]
pub struct Config {
    /// e.g. `sqlite://points-kit.db`; the file is created if missing and opened in WAL mode.
    pub database_url: String,
    /// The Points API base, e.g. `https://business.papp.sa/api` or the sandbox's
    /// `http://127.0.0.1:PORT/api`.
    pub points_base_url: String,
    /// Used in the checkout path only.
    pub public_key: String,
    /// Sent as `x-api-key` on every other call.
    pub private_key: ApiKey,
    /// Expected in `X-Webhook-Secret` on every webhook delivery.
    pub webhook_secret: WebhookSecret,
    /// The storefront origin, e.g. `https://shop.example`; the base of `callback_url`.
    pub public_url: String,
    /// Appended to `public_url` for `callback_url`, e.g. `/return.html`.
    pub return_path: String,
    pub catalog: Catalog,
}

impl Config {
    /// Reads the configuration from the environment:
    ///
    /// | Variable | Required | Meaning |
    /// |---|---|---|
    /// | `POINTS_BASE_URL` | yes | Points API base URL |
    /// | `POINTS_PUBLIC_KEY` | yes | merchant public key |
    /// | `POINTS_PRIVATE_KEY` or `POINTS_PRIVATE_KEY_FILE` | yes | merchant private key |
    /// | `POINTS_WEBHOOK_SECRET` or `POINTS_WEBHOOK_SECRET_FILE` | yes | webhook shared secret |
    /// | `POINTS_PUBLIC_URL` | yes | storefront origin for `callback_url` |
    /// | `POINTS_CATALOG` | yes | path of the catalog JSON file |
    /// | `POINTS_RETURN_PATH` | no, `/return.html` | return page path |
    /// | `DATABASE_URL` | no, `sqlite://points-kit.db` | database |
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any lookup, so it can be tested without touching the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let required = |name: &str| get(name).with_context(|| format!("{name} is not set"));
        let catalog_path = required("POINTS_CATALOG")?;
        let catalog_text = std::fs::read_to_string(&catalog_path)
            .with_context(|| format!("reading the catalog file {catalog_path}"))?;
        let config = Config {
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            points_base_url: required("POINTS_BASE_URL")?,
            public_key: required("POINTS_PUBLIC_KEY")?,
            private_key: ApiKey::new(secret(&get, "POINTS_PRIVATE_KEY")?),
            webhook_secret: WebhookSecret::new(secret(&get, "POINTS_WEBHOOK_SECRET")?),
            public_url: required("POINTS_PUBLIC_URL")?,
            return_path: get("POINTS_RETURN_PATH")
                .unwrap_or_else(|| DEFAULT_RETURN_PATH.to_owned()),
            catalog: Catalog::from_json(&catalog_text)
                .with_context(|| format!("loading the catalog {catalog_path}"))?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks what can be checked before connecting anywhere. [`crate::App::start`] calls it.
    pub fn validate(&self) -> anyhow::Result<()> {
        let base = Url::parse(&self.points_base_url).context("POINTS_BASE_URL is not a URL")?;
        ensure!(
            matches!(base.scheme(), "http" | "https"),
            "POINTS_BASE_URL must be http(s)"
        );
        ensure!(
            !self.public_key.trim().is_empty(),
            "the public key is empty"
        );
        ensure!(
            !self.private_key.expose().trim().is_empty(),
            "the private key is empty"
        );
        ensure!(
            !self.webhook_secret.expose().trim().is_empty(),
            "the webhook secret is empty"
        );
        ensure!(
            self.return_path.starts_with('/'),
            "the return path must start with '/'"
        );
        let probe = OrderNumber::parse("PK-000000-00000000").context("probe order number")?;
        self.callback_url(&probe)
            .context("public URL and return path do not make a callback URL")?;
        Ok(())
    }

    /// `{public_url}{return_path}?ref={order_number}`: the merchant's own reference travels in
    /// the return URL, since Points' own query parameters are undocumented (API.md §4.1, §12).
    pub fn callback_url(&self, order_number: &OrderNumber) -> anyhow::Result<Url> {
        let origin = Url::parse(&self.public_url).context("the public URL is not a URL")?;
        if !matches!(origin.scheme(), "http" | "https") {
            bail!("the public URL must be http(s)");
        }
        let mut url = origin
            .join(&self.return_path)
            .context("joining the return path")?;
        url.query_pairs_mut()
            .append_pair("ref", order_number.as_str());
        Ok(url)
    }
}

/// The address the binary listens on: `POINTS_SERVER_ADDR`, default `127.0.0.1:8080`.
pub fn listen_addr_from_env() -> anyhow::Result<SocketAddr> {
    let text =
        std::env::var("POINTS_SERVER_ADDR").unwrap_or_else(|_| DEFAULT_SERVER_ADDR.to_owned());
    text.parse()
        .with_context(|| format!("POINTS_SERVER_ADDR {text:?} is not an address"))
}

/// A secret from `NAME` or from the file named by `NAME_FILE`, never both.
fn secret(get: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<String> {
    let file_var = format!("{name}_FILE");
    match (get(name), get(&file_var)) {
        (Some(_), Some(_)) => bail!("set only one of {name} and {file_var}"),
        (Some(value), None) => Ok(value.trim().to_owned()),
        (None, Some(path)) => {
            let value = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {file_var} ({path})"))?;
            let value = value.trim().to_owned();
            ensure!(!value.is_empty(), "{file_var} ({path}) is empty");
            Ok(value)
        }
        (None, None) => bail!("{name} or {file_var} must be set"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_with(catalog: &std::path::Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [
            ("POINTS_BASE_URL", "http://127.0.0.1:9/api"),
            ("POINTS_PUBLIC_KEY", "pk_test"),
            ("POINTS_PRIVATE_KEY", "sk_test"),
            ("POINTS_WEBHOOK_SECRET", "whsec"),
            ("POINTS_PUBLIC_URL", "https://shop.example"),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.insert("POINTS_CATALOG".into(), catalog.display().to_string());
        env
    }

    fn catalog_file() -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("pk-catalog-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(
            &path,
            r#"{"products":[{"sku":"a","name":{"ar":"أ","en":"A"},"price":"1"}]}"#,
        )
        .expect("write catalog");
        path
    }

    #[test]
    fn reads_the_environment_with_defaults() {
        let path = catalog_file();
        let env = env_with(&path, &[]);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid config");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.return_path, "/return.html");
        let number = OrderNumber::parse("PK-1").expect("valid");
        assert_eq!(
            config.callback_url(&number).expect("url").as_str(),
            "https://shop.example/return.html?ref=PK-1"
        );
        assert!(!format!("{config:?}").contains("sk_test"));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn rejects_missing_and_ambiguous_secrets() {
        let path = catalog_file();
        let mut env = env_with(&path, &[("POINTS_PRIVATE_KEY_FILE", "/nonexistent")]);
        assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
        env.remove("POINTS_PRIVATE_KEY");
        env.remove("POINTS_PRIVATE_KEY_FILE");
        assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn rejects_a_public_url_that_is_not_http() {
        let path = catalog_file();
        let env = env_with(&path, &[("POINTS_PUBLIC_URL", "javascript:alert(1)")]);
        assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
        let _ = std::fs::remove_file(path);
    }
}
