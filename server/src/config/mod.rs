//! Typed configuration, validated once at start-up.
//!
//! The binary loads it in layers ([`Config::from_env`]): defaults, then the optional TOML file
//! named by `POINTS_CONFIG` (every key documented in `server/config.default.toml`), then
//! `POINTS_*` environment variables, each layer overriding the one before. The e2e harness and
//! the demo build the struct directly. Secrets can come from files (`…_FILE`, `…_file`) so they
//! need not sit in the environment of every child process.

use std::net::SocketAddr;

use anyhow::{Context, bail, ensure};
use protocol::{ApiKey, OrderNumber, WebhookSecret};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::Catalog;
use crate::telemetry::redact::MIN_SECRET_LEN;

mod earning;
mod file;
mod limits;
mod ops;
mod reconcile;
mod retention;

pub use earning::EarningConfig;
#[cfg(test)]
use file::FileConfig;
pub use file::layered;
pub use limits::LimitsConfig;
pub use ops::{AdminToken, MIN_ADMIN_TOKEN_LEN, OpsConfig};
pub use reconcile::ReconcileConfig;
pub use retention::{Retention, parse_duration};

/// The default database: a SQLite file next to the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://points-kit.db";
/// The storefront page Points sends the shopper back to.
pub const DEFAULT_RETURN_PATH: &str = "/return.html";
/// Where the binary listens unless `POINTS_SERVER_ADDR` says otherwise.
pub const DEFAULT_SERVER_ADDR: &str = "127.0.0.1:8080";

/// Everything the server needs. `Debug` is safe: the private key and webhook secrets print as
/// `[redacted]`, so does a password in the database URL, and the public key is browser-safe by
/// design (API.md §8.1).
#[derive(Clone)]
pub struct Config {
    /// e.g. `sqlite://points-kit.db` (the file is created if missing and opened in WAL mode) or
    /// `postgres://user:password@host:5432/db`.
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
    /// During a rotation, the secret being retired: deliveries carrying it are still accepted.
    pub previous_webhook_secret: Option<WebhookSecret>,
    /// When the rotation ends: from then on the previous secret is refused like any other
    /// (`POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL`; required in production mode).
    pub previous_webhook_secret_until: Option<OffsetDateTime>,
    /// The storefront origin, e.g. `https://shop.example`; the base of `callback_url`.
    pub public_url: String,
    /// Appended to `public_url` for `callback_url`, e.g. `/return.html`.
    pub return_path: String,
    pub catalog: Catalog,
    /// [`Mode::Production`] refuses configurations that only make sense in development.
    pub mode: Mode,
    /// How long idempotency keys and rejected deliveries are kept; the worker deletes older.
    pub retention: Retention,
    /// The admin API's token and the webhook intake switch.
    pub ops: OpsConfig,
    /// The earning outbox's sender: per-attempt timeout and back-off.
    pub earning: EarningConfig,
    /// The scheduled reconciliation with Points (`GET /v1/orders/{uuid}`) and its pacing.
    pub reconcile: ReconcileConfig,
    /// Rate and concurrency limits of the public endpoints.
    pub limits: LimitsConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_password(&self.database_url))
            .field("points_base_url", &self.points_base_url)
            .field("public_key", &self.public_key)
            .field("private_key", &self.private_key)
            .field("webhook_secret", &self.webhook_secret)
            .field("previous_webhook_secret", &self.previous_webhook_secret)
            .field(
                "previous_webhook_secret_until",
                &self.previous_webhook_secret_until,
            )
            .field("public_url", &self.public_url)
            .field("return_path", &self.return_path)
            .field("catalog", &self.catalog)
            .field("mode", &self.mode)
            .field("retention", &self.retention)
            .field("ops", &self.ops)
            .field("earning", &self.earning)
            .field("reconcile", &self.reconcile)
            .field("limits", &self.limits)
            .finish()
    }
}

/// The URL with any password replaced by `[redacted]`.
fn redact_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("[redacted]"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The Points account a server talks to: where Points is, and the merchant's two keys.
#[derive(Debug, Clone)]
pub struct PointsAccount {
    /// e.g. `https://business.papp.sa/api`.
    pub base_url: String,
    pub public_key: String,
    pub private_key: ApiKey,
}

/// How strict start-up is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Anything that works: a local sandbox, plain-HTTP storefront.
    #[default]
    Development,
    /// Refuses a sandbox or local Points base URL, missing keys and a plain-HTTP public URL.
    Production,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(Mode::Development),
            "production" | "prod" => Some(Mode::Production),
            _ => None,
        }
    }
}

impl Config {
    /// A configuration of what has no default, every other part at its default (development
    /// mode, `/return.html`, no previous secret, no admin API, the default retention, earning
    /// and reconciliation settings): where a program embedding the server, or a test, starts,
    /// changing the parts it cares about with `Config { ops, ..Config::new(…) }`.
    pub fn new(
        database_url: impl Into<String>,
        points: PointsAccount,
        webhook_secret: WebhookSecret,
        public_url: impl Into<String>,
        catalog: Catalog,
    ) -> Config {
        Config {
            database_url: database_url.into(),
            points_base_url: points.base_url,
            public_key: points.public_key,
            private_key: points.private_key,
            webhook_secret,
            previous_webhook_secret: None,
            previous_webhook_secret_until: None,
            public_url: public_url.into(),
            return_path: DEFAULT_RETURN_PATH.to_owned(),
            catalog,
            mode: Mode::default(),
            retention: Retention::default(),
            ops: OpsConfig::default(),
            earning: EarningConfig::default(),
            reconcile: ReconcileConfig::default(),
            limits: LimitsConfig::default(),
        }
    }

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
    /// | `POINTS_WEBHOOK_SECRET_PREVIOUS` or `…_FILE` | no | retired secret, during a rotation |
    /// | `POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL` | in production, with a previous secret | end of the rotation (RFC 3339) |
    /// | `POINTS_RETURN_PATH` | no, `/return.html` | return page path |
    /// | `POINTS_MODE` | no, `development` | `production` adds the checks below |
    /// | `POINTS_SERVER_ADDR` | no, `127.0.0.1:8080` | listen address (binary only) |
    /// | `DATABASE_URL` | no, `sqlite://points-kit.db` | SQLite file or `postgres://…` |
    /// | `POINTS_IDEMPOTENCY_KEY_RETENTION` | no, `24h` | how long checkout keys are kept |
    /// | `POINTS_REJECTED_RETENTION` | no, `30d` | how long rejected deliveries are kept |
    /// | `POINTS_INBOX_RETENTION` | no, `90d` | how long processed inbox rows are kept |
    /// | `POINTS_TRANSITION_RETENTION` | no, `400d` | how long order transitions are kept |
    /// | `POINTS_EARNING_RETENTION` | no, `90d` | how long settled earnings are kept |
    /// | `POINTS_ADMIN_TOKEN` or `…_FILE` | no | bearer token of `/admin/…`; unset: no admin API |
    /// | `POINTS_WEBHOOKS_ENABLED` | no, `true` | `false`: webhook intake answers 503 |
    /// | `POINTS_LOG_REDACTION` | no, `true` | `false` writes logs unmasked (development only) |
    /// | `POINTS_EARNING_TIMEOUT` | no, `8s` | one earning attempt at Points |
    /// | `POINTS_EARNING_MAX_BACKOFF` | no, `5m` | longest wait between attempts of an earning |
    /// | `POINTS_RECONCILE_ENABLED` | no, `true` | `false`: no scheduled reconciliation |
    /// | `POINTS_RECONCILE_INTERVAL` | no, `24h` | least time between two reconciliations |
    /// | `POINTS_RECONCILE_RECENT_WINDOW` | no, `7d` | settled orders changed within it are checked |
    /// | `POINTS_RECONCILE_CONCURRENCY` | no, `4` | order reads in flight during a run (1–16) |
    /// | `POINTS_RECONCILE_BACKOFF` | no, `250ms` | first pause after a 429 (a `Retry-After` wins) |
    /// | `POINTS_RECONCILE_MAX_BACKOFF` | no, `10s` | longest pause after 429s |
    /// | `POINTS_CONFIG` | no | a TOML file under the environment |
    ///
    /// Every variable but `POINTS_CONFIG` may also be set in that TOML file under its lower-case
    /// name without `POINTS_` (`private_key_file = "…"`; `listen_addr` for `POINTS_SERVER_ADDR`,
    /// `database_url` for `DATABASE_URL`); the environment wins. `POINTS_MODE=production`
    /// (`mode = "production"`) refuses sandbox or local Points, and plain-HTTP URLs.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(layered(|name| std::env::var(name).ok())?)
    }

    /// [`Config::from_env`] over any lookup, so it can be tested without touching the process
    /// environment. The lookup already includes the file layer (see [`layered`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let config = Self::from_lookup_unchecked(&lookup)?;
        config.validate()?;
        if config.mode == Mode::Production {
            check_secret_files(&lookup)?;
        }
        Ok(config)
    }

    /// [`Config::from_lookup`] without [`Config::validate`]: for `points preflight`, which
    /// reports each problem of a configuration as its own item instead of stopping at the first.
    pub fn from_lookup_unchecked(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
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
            previous_webhook_secret: optional_secret(&get, "POINTS_WEBHOOK_SECRET_PREVIOUS")?
                .map(WebhookSecret::new),
            previous_webhook_secret_until: match get("POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL") {
                None => None,
                Some(text) => Some(OffsetDateTime::parse(text.trim(), &Rfc3339).with_context(
                    || {
                        format!(
                            "POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL {text:?} is not an RFC 3339 \
                             time (2026-12-31T00:00:00Z)"
                        )
                    },
                )?),
            },
            public_url: required("POINTS_PUBLIC_URL")?,
            return_path: get("POINTS_RETURN_PATH")
                .unwrap_or_else(|| DEFAULT_RETURN_PATH.to_owned()),
            catalog: Catalog::from_json(&catalog_text)
                .with_context(|| format!("loading the catalog {catalog_path}"))?,
            mode: match get("POINTS_MODE") {
                // Real Points means real money: its URL alone turns production's checks on.
                None if is_production_points(get("POINTS_BASE_URL").as_deref()) => Mode::Production,
                None => Mode::default(),
                Some(text) => Mode::parse(&text).with_context(|| {
                    format!("POINTS_MODE {text:?} is neither development nor production")
                })?,
            },
            retention: Retention::from_lookup(&get)?,
            ops: OpsConfig::from_lookup(&get)?,
            earning: EarningConfig::from_lookup(&get)?,
            reconcile: ReconcileConfig::from_lookup(&get)?,
            limits: LimitsConfig::from_lookup(&get)?,
        };
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
        // A secret shorter than the redactor's minimum could not be masked in logs (it would
        // mask ordinary words), and Points issues none that short (a webhook secret has 60
        // characters, API.md §12): refused rather than left unmasked.
        for (what, value) in std::iter::once(("the private key", self.private_key.expose())).chain(
            self.webhook_secrets()
                .into_iter()
                .map(|s| ("a webhook secret", s.expose())),
        ) {
            let length = value.trim().chars().count();
            ensure!(
                length == 0 || length >= MIN_SECRET_LEN,
                "{what} has {length} characters: at least {MIN_SECRET_LEN} are needed for logs \
                 to mask it, and Points issues longer ones"
            );
        }
        ensure!(
            self.return_path.starts_with('/'),
            "the return path must start with '/'"
        );
        self.retention.validate()?;
        if let Some(previous) = &self.previous_webhook_secret {
            ensure!(
                !previous.expose().trim().is_empty(),
                "the previous webhook secret is empty"
            );
        }
        let probe = OrderNumber::parse("PK-000000-00000000").context("probe order number")?;
        self.callback_url(&probe)
            .context("public URL and return path do not make a callback URL")?;
        self.ops.validate()?;
        self.earning.validate()?;
        self.reconcile.validate()?;
        ensure!(
            self.mode == Mode::Production || !is_production_points(Some(&self.points_base_url)),
            "POINTS_BASE_URL {} is production Points (real money): set POINTS_MODE=production, \
             or use the sandbox in development",
            self.points_base_url
        );
        if self.mode == Mode::Production {
            self.validate_production(&base)?;
        }
        ensure!(
            self.previous_webhook_secret_until.is_none() || self.previous_webhook_secret.is_some(),
            "POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL is set without a previous webhook secret"
        );
        Ok(())
    }

    /// The webhook secrets accepted now: the current one, then the one being retired (until
    /// `previous_webhook_secret_until`).
    pub fn webhook_secrets(&self) -> Vec<&WebhookSecret> {
        self.webhook_secrets_at(OffsetDateTime::now_utc())
    }

    /// [`Config::webhook_secrets`] at `now`.
    pub fn webhook_secrets_at(&self, now: OffsetDateTime) -> Vec<&WebhookSecret> {
        let previous = self.previous_webhook_secret.as_ref().filter(|_| {
            self.previous_webhook_secret_until
                .is_none_or(|until| now < until)
        });
        std::iter::once(&self.webhook_secret)
            .chain(previous)
            .collect()
    }

    /// Every webhook secret configured, an expired previous one included: what logs mask.
    pub fn configured_webhook_secrets(&self) -> Vec<&WebhookSecret> {
        std::iter::once(&self.webhook_secret)
            .chain(self.previous_webhook_secret.as_ref())
            .collect()
    }

    /// What production mode adds: real Points over HTTPS, a storefront over HTTPS.
    fn validate_production(&self, base: &Url) -> anyhow::Result<()> {
        // `sandbox.papp.sa.` and `localhost.` are the same hosts as without the dot: DNS names
        // are absolute with it, and the checks below must not be passed by writing one.
        let host = base
            .host_str()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let local = host == "localhost"
            || host.ends_with(".localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
        ensure!(
            !(host == "sandbox.papp.sa" || host.ends_with(".sandbox.papp.sa")),
            "production mode refuses the sandbox Points base URL {}: use https://business.papp.sa/api",
            self.points_base_url
        );
        ensure!(
            !local,
            "production mode refuses a local Points base URL {} (a sandbox?)",
            self.points_base_url
        );
        ensure!(
            base.scheme() == "https",
            "production mode needs an https:// Points base URL, not {}",
            self.points_base_url
        );
        ensure!(
            self.ops.log_redaction,
            "production mode refuses log_redaction = false: logs would carry keys and phone numbers"
        );
        // A retired secret that never expires is a second key to the webhook endpoint, kept
        // by whoever saw it (the reason to rotate was often that someone did).
        ensure!(
            self.previous_webhook_secret.is_none() || self.previous_webhook_secret_until.is_some(),
            "production mode needs POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL (the end of the \
             rotation) with a previous webhook secret"
        );
        let public = Url::parse(&self.public_url).context("the public URL is not a URL")?;
        ensure!(
            public.scheme() == "https",
            "production mode needs an https:// public URL, not {}",
            self.public_url
        );
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
        // `//evil.example`, `/\evil.example` or `/\t/evil.example` start with '/' and still
        // name another host once joined: shoppers who just paid must come back to us.
        if url.origin() != origin.origin() {
            bail!("the return path leads to another host; it must be a path on the public URL");
        }
        url.query_pairs_mut()
            .append_pair("ref", order_number.as_str());
        Ok(url)
    }
}

/// Whether `base_url` is Points' production API: a host under `papp.sa` other than the
/// sandbox's (`business.papp.sa` today), a trailing dot or not.
fn is_production_points(base_url: Option<&str>) -> bool {
    let Some(url) = base_url.and_then(|u| Url::parse(u.trim()).ok()) else {
        return false;
    };
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let papp = host == "papp.sa" || host.ends_with(".papp.sa");
    let sandbox = host == "sandbox.papp.sa" || host.ends_with(".sandbox.papp.sa");
    papp && !sandbox
}

/// The address the binary listens on: `POINTS_SERVER_ADDR` (or `listen_addr` in the file),
/// default `127.0.0.1:8080`.
pub fn listen_addr_from_env() -> anyhow::Result<SocketAddr> {
    let lookup = layered(|name| std::env::var(name).ok())?;
    let text = lookup("POINTS_SERVER_ADDR").unwrap_or_else(|| DEFAULT_SERVER_ADDR.to_owned());
    text.parse()
        .with_context(|| format!("POINTS_SERVER_ADDR {text:?} is not an address"))
}

/// The secrets, each given as `NAME` or as a file `NAME_FILE` (the config file's layer, the
/// production file checks and the start-up redactor all go by this list).
pub const SECRETS: [&str; 4] = [
    "POINTS_PRIVATE_KEY",
    "POINTS_WEBHOOK_SECRET",
    "POINTS_WEBHOOK_SECRET_PREVIOUS",
    "POINTS_ADMIN_TOKEN",
];

/// Production refuses a secret file any user of the machine can read (as `points preflight`
/// does, and as ssh refuses a private key): the key would be one `cat` away for every process.
fn check_secret_files(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    #[cfg(unix)]
    for name in SECRETS
        .iter()
        .map(|s| format!("{s}_FILE"))
        .chain(["POINTS_ADMIN_TOKENS_FILE".to_owned()])
    {
        use std::os::unix::fs::PermissionsExt;
        let Some(path) = lookup(&name).filter(|p| !p.trim().is_empty()) else {
            continue;
        };
        let mode = std::fs::metadata(path.trim())
            .with_context(|| format!("reading {name} ({path})"))?
            .permissions()
            .mode();
        ensure!(
            mode & 0o004 == 0,
            "production mode refuses {name} ({path}): readable by every user (mode {:o}); \
             chmod 600 it",
            mode & 0o777
        );
    }
    #[cfg(not(unix))]
    let _ = lookup;
    Ok(())
}

/// A secret from `NAME` or from the file named by `NAME_FILE`, never both.
fn secret(get: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<String> {
    optional_secret(get, name)?.with_context(|| format!("{name} or {name}_FILE must be set"))
}

/// [`secret`] for a secret that may be absent.
fn optional_secret(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> anyhow::Result<Option<String>> {
    let file_var = format!("{name}_FILE");
    match (get(name), get(&file_var)) {
        (Some(_), Some(_)) => bail!("set only one of {name} and {file_var}"),
        (Some(value), None) => Ok(Some(value.trim().to_owned())),
        (None, Some(path)) => {
            let value = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {file_var} ({path})"))?;
            let value = value.trim().to_owned();
            ensure!(!value.is_empty(), "{file_var} ({path}) is empty");
            Ok(Some(value))
        }
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests;
