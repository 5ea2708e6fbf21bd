//! The optional TOML layer of the configuration (`POINTS_CONFIG`), documented key by key in
//! `server/config.default.toml`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;

// Secrets may be given directly or as a file; a layer that sets either form replaces both
// forms of the layer below.
use super::SECRETS;

/// The keys of the TOML file, each the lower-case variable name without `POINTS_`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) mode: Option<String>,
    pub(super) listen_addr: Option<String>,
    pub(super) database_url: Option<String>,
    base_url: Option<String>,
    public_key: Option<String>,
    private_key: Option<String>,
    private_key_file: Option<String>,
    webhook_secret: Option<String>,
    webhook_secret_file: Option<String>,
    webhook_secret_previous: Option<String>,
    webhook_secret_previous_file: Option<String>,
    webhook_secret_previous_until: Option<Timestamp>,
    public_url: Option<String>,
    pub(super) return_path: Option<String>,
    catalog: Option<String>,
    pub(super) idempotency_key_retention: Option<String>,
    pub(super) rejected_retention: Option<String>,
    pub(super) inbox_retention: Option<String>,
    pub(super) transition_retention: Option<String>,
    pub(super) earning_retention: Option<String>,
    admin_token: Option<String>,
    admin_token_file: Option<String>,
    admin_addr: Option<String>,
    admin_tokens_file: Option<String>,
    webhooks_enabled: Option<bool>,
    log_redaction: Option<bool>,
    verify_webhooks: Option<bool>,
    inbox_max_attempts: Option<u32>,
    earning_timeout: Option<String>,
    earning_max_backoff: Option<String>,
    reconcile_enabled: Option<bool>,
    reconcile_interval: Option<String>,
    reconcile_recent_window: Option<String>,
    reconcile_concurrency: Option<u32>,
    reconcile_backoff: Option<String>,
    reconcile_max_backoff: Option<String>,
    checkout_per_ip_per_minute: Option<u32>,
    status_per_ip_per_minute: Option<u32>,
    public_per_second: Option<u32>,
    public_in_flight: Option<u32>,
    client_ip_header: Option<String>,
}

/// A moment in the file: a TOML datetime (`2026-12-31T00:00:00Z`) or the same as a string.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum Timestamp {
    Text(String),
    Datetime(toml::value::Datetime),
}

impl Timestamp {
    fn into_text(self) -> String {
        match self {
            Timestamp::Text(text) => text,
            Timestamp::Datetime(at) => at.to_string(),
        }
    }
}

/// `env` over the TOML file named by `POINTS_CONFIG` in `env` (if any): a lookup that answers
/// the environment's value, else the file's. Relative paths in the file are relative to it.
pub fn layered(
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<impl Fn(&str) -> Option<String>> {
    let mut file = HashMap::new();
    if let Some(path) = env("POINTS_CONFIG").filter(|p| !p.trim().is_empty()) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the config file {path} (POINTS_CONFIG)"))?;
        let parsed: FileConfig = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("parsing the config file {path}: {}", describe(&e, &text))
        })?;
        let dir = Path::new(&path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let relative = |value: String| dir.join(value).display().to_string();
        let entries = [
            ("POINTS_MODE", parsed.mode),
            ("POINTS_SERVER_ADDR", parsed.listen_addr),
            ("DATABASE_URL", parsed.database_url),
            ("POINTS_BASE_URL", parsed.base_url),
            ("POINTS_PUBLIC_KEY", parsed.public_key),
            ("POINTS_PRIVATE_KEY", parsed.private_key),
            (
                "POINTS_PRIVATE_KEY_FILE",
                parsed.private_key_file.map(relative),
            ),
            ("POINTS_WEBHOOK_SECRET", parsed.webhook_secret),
            (
                "POINTS_WEBHOOK_SECRET_FILE",
                parsed.webhook_secret_file.map(relative),
            ),
            (
                "POINTS_WEBHOOK_SECRET_PREVIOUS",
                parsed.webhook_secret_previous,
            ),
            (
                "POINTS_WEBHOOK_SECRET_PREVIOUS_FILE",
                parsed.webhook_secret_previous_file.map(relative),
            ),
            (
                "POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL",
                parsed
                    .webhook_secret_previous_until
                    .map(Timestamp::into_text),
            ),
            ("POINTS_PUBLIC_URL", parsed.public_url),
            ("POINTS_RETURN_PATH", parsed.return_path),
            ("POINTS_CATALOG", parsed.catalog.map(relative)),
            (
                "POINTS_IDEMPOTENCY_KEY_RETENTION",
                parsed.idempotency_key_retention,
            ),
            ("POINTS_REJECTED_RETENTION", parsed.rejected_retention),
            ("POINTS_INBOX_RETENTION", parsed.inbox_retention),
            ("POINTS_TRANSITION_RETENTION", parsed.transition_retention),
            ("POINTS_EARNING_RETENTION", parsed.earning_retention),
            ("POINTS_ADMIN_TOKEN", parsed.admin_token),
            ("POINTS_ADMIN_ADDR", parsed.admin_addr),
            (
                "POINTS_ADMIN_TOKENS_FILE",
                parsed.admin_tokens_file.map(relative),
            ),
            (
                "POINTS_ADMIN_TOKEN_FILE",
                parsed.admin_token_file.map(relative),
            ),
            (
                "POINTS_WEBHOOKS_ENABLED",
                parsed.webhooks_enabled.map(|on| on.to_string()),
            ),
            (
                "POINTS_LOG_REDACTION",
                parsed.log_redaction.map(|on| on.to_string()),
            ),
            (
                "POINTS_VERIFY_WEBHOOKS",
                parsed.verify_webhooks.map(|on| on.to_string()),
            ),
            (
                "POINTS_INBOX_MAX_ATTEMPTS",
                parsed.inbox_max_attempts.map(|n| n.to_string()),
            ),
            ("POINTS_EARNING_TIMEOUT", parsed.earning_timeout),
            ("POINTS_EARNING_MAX_BACKOFF", parsed.earning_max_backoff),
            (
                "POINTS_RECONCILE_ENABLED",
                parsed.reconcile_enabled.map(|on| on.to_string()),
            ),
            ("POINTS_RECONCILE_INTERVAL", parsed.reconcile_interval),
            (
                "POINTS_RECONCILE_RECENT_WINDOW",
                parsed.reconcile_recent_window,
            ),
            (
                "POINTS_RECONCILE_CONCURRENCY",
                parsed.reconcile_concurrency.map(|n| n.to_string()),
            ),
            ("POINTS_RECONCILE_BACKOFF", parsed.reconcile_backoff),
            ("POINTS_RECONCILE_MAX_BACKOFF", parsed.reconcile_max_backoff),
            (
                "POINTS_CHECKOUT_PER_IP_PER_MINUTE",
                parsed.checkout_per_ip_per_minute.map(|n| n.to_string()),
            ),
            (
                "POINTS_STATUS_PER_IP_PER_MINUTE",
                parsed.status_per_ip_per_minute.map(|n| n.to_string()),
            ),
            (
                "POINTS_PUBLIC_PER_SECOND",
                parsed.public_per_second.map(|n| n.to_string()),
            ),
            (
                "POINTS_PUBLIC_IN_FLIGHT",
                parsed.public_in_flight.map(|n| n.to_string()),
            ),
            ("POINTS_CLIENT_IP_HEADER", parsed.client_ip_header),
        ];
        file.extend(
            entries
                .into_iter()
                .filter_map(|(name, value)| Some((name.to_owned(), value?))),
        );
        for name in SECRETS {
            let file_var = format!("{name}_FILE");
            if env(name).is_some() || env(&file_var).is_some() {
                file.remove(name);
                file.remove(&file_var);
            }
        }
    }
    Ok(move |name: &str| env(name).or_else(|| file.get(name).cloned()))
}

/// A TOML error as line, column and message, never the source line itself: toml's `Display`
/// quotes the offending line, and a typo'd key on a line holding a secret
/// (`privat_key = "sk_live_…"`) would print the secret at start-up and in `points preflight`.
fn describe(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim().to_owned();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}
