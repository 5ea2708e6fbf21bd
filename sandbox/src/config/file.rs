//! The binary's TOML file (`--config PATH` or `POINTS_SANDBOX_CONFIG`), parsed strictly: an
//! unknown key, a wrong type or a malformed IP is an error naming the key and its line, never
//! a silent default. Every key is documented in `sandbox/sandbox.example.toml`.
//!
//! Error messages name keys, never values: a key or secret in the file cannot reach a log line.

use std::{collections::HashMap, net::IpAddr, path::Path, time::Duration};

use serde::Deserialize;

use super::{MerchantConfig, WebhookConfig};

/// What a config file says; `None` / empty where it says nothing.
#[derive(Debug, Clone, Default)]
pub struct FileConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub public_url: Option<String>,
    pub webhook_backoff_scale: Option<f64>,
    pub webhook_timeout: Option<Duration>,
    pub otp_resend_after: Option<Duration>,
    /// Empty when the file names none: the demo merchant is served.
    pub merchants: Vec<MerchantConfig>,
}

/// Why the sandbox's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the sandbox config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the sandbox config {origin} is not valid TOML: {message}")]
    Syntax { origin: String, message: String },
    #[error("the sandbox config ({origin}) is not valid:\n{}", bullets(.problems))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
    #[error("{0}")]
    Usage(String),
}

fn bullets(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// No `Debug` on the raw forms: they hold keys and secrets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    host: Option<String>,
    port: Option<u16>,
    public_url: Option<String>,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    hosted: RawHosted,
    #[serde(default)]
    merchants: Vec<RawMerchant>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    backoff_scale: Option<f64>,
    timeout_ms: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHosted {
    otp_resend_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    name: String,
    public_key: String,
    private_key: String,
    multiplier: Option<u64>,
    verified: Option<bool>,
    earning_enabled: Option<bool>,
    ip_allow_list: Option<Vec<String>>,
    #[serde(default)]
    product_points: HashMap<String, u64>,
    #[serde(default)]
    webhooks: Vec<RawWebhook>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: String,
    secret: Option<String>,
}

impl FileConfig {
    /// Reads and parses the file at `path`.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a config file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|err| ConfigError::Syntax {
            origin: origin.to_owned(),
            message: describe(&err, text),
        })?;
        let mut problems = Vec::new();
        let merchants = raw
            .merchants
            .into_iter()
            .enumerate()
            .map(|(i, m)| m.into_config(i, &mut problems))
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                origin: origin.to_owned(),
                problems,
            });
        }
        Ok(FileConfig {
            host: raw.host,
            port: raw.port,
            public_url: raw.public_url,
            webhook_backoff_scale: raw.delivery.backoff_scale,
            webhook_timeout: raw.delivery.timeout_ms.map(Duration::from_millis),
            otp_resend_after: raw.hosted.otp_resend_seconds.map(Duration::from_secs),
            merchants,
        })
    }
}

impl RawMerchant {
    fn into_config(self, index: usize, problems: &mut Vec<String>) -> MerchantConfig {
        let mut merchant = MerchantConfig::new(self.name, self.public_key, self.private_key);
        if let Some(multiplier) = self.multiplier {
            merchant.multiplier = multiplier;
        }
        merchant.verified = self.verified.unwrap_or(true);
        merchant.earning_enabled = self.earning_enabled.unwrap_or(true);
        merchant.ip_allow_list = self.ip_allow_list.map(|list| {
            list.iter()
                .enumerate()
                .filter_map(|(j, ip)| {
                    let parsed = ip.trim().parse::<IpAddr>();
                    if parsed.is_err() {
                        problems.push(format!(
                            "merchants[{index}].ip_allow_list[{j}]: {ip:?} is not an IPv4 or IPv6 address"
                        ));
                    }
                    parsed.ok()
                })
                .collect()
        });
        merchant.product_points = self.product_points;
        merchant.webhooks = self
            .webhooks
            .into_iter()
            .map(|hook| match hook.secret {
                Some(secret) => WebhookConfig {
                    url: hook.url,
                    secret,
                },
                None => WebhookConfig::new(hook.url),
            })
            .collect();
        merchant
    }
}

/// toml's message with its line and column, without the source line it would quote (which
/// may hold a key or a secret).
fn describe(err: &toml::de::Error, text: &str) -> String {
    let message = err.message().trim().to_owned();
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}
