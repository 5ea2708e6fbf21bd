//! The `points-sandbox` binary's settings: defaults (the demo merchant on `127.0.0.1:8090`),
//! then the TOML file of `--config PATH` or `POINTS_SANDBOX_CONFIG`, then `POINTS_SANDBOX_*`
//! variables; the result is validated as a whole, every problem reported at once.

use std::{collections::HashSet, net::SocketAddr, path::PathBuf, time::Duration};

use url::Url;

use super::{
    ConfigError, DEFAULT_OTP_RESEND_AFTER, DEFAULT_WEBHOOK_TIMEOUT, FileConfig, MerchantConfig,
    SandboxConfig, WebhookConfig,
};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 8090;
/// The longest a delivery attempt may be allowed to take.
const MAX_TIMEOUT: Duration = Duration::from_secs(600);
const MAX_MULTIPLIER: u64 = 1_000;
const MAX_TEXT: usize = 255;

/// How the binary is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port` to bind; port `0` picks a free one.
    pub listen: String,
    /// The origin shoppers reach the sandbox at; `None`: `http://` + the bound address.
    pub public_url: Option<String>,
    pub merchants: Vec<MerchantConfig>,
    pub webhook_backoff_scale: f64,
    pub webhook_timeout: Duration,
    pub otp_resend_after: Duration,
    /// The config file read, if any.
    pub file: Option<PathBuf>,
}

impl Settings {
    /// Layers defaults, the config file and the environment (`env` looks a variable up; empty
    /// counts as unset). `args` are the command-line arguments after the program name.
    pub fn load(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let path = config_path(args)?.or_else(|| env("POINTS_SANDBOX_CONFIG").map(PathBuf::from));
        let file = match &path {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let origin = path.as_ref().map_or_else(
            || "defaults and environment".to_owned(),
            |p| p.display().to_string(),
        );
        let mut problems = Vec::new();

        let mut listen = format!(
            "{}:{}",
            file.host.as_deref().unwrap_or(DEFAULT_HOST),
            file.port.unwrap_or(DEFAULT_PORT)
        );
        if file.host.as_deref().is_some_and(|h| h.trim().is_empty()) {
            problems.push("host: must not be empty".to_owned());
        }
        if let Some(addr) = env("POINTS_SANDBOX_ADDR") {
            listen = addr;
        }
        let public_url = env("POINTS_SANDBOX_PUBLIC_URL").or(file.public_url);
        let mut webhook_backoff_scale = file.webhook_backoff_scale.unwrap_or(1.0);
        if let Some(scale) = env("POINTS_SANDBOX_BACKOFF_SCALE") {
            match scale.trim().parse() {
                Ok(scale) => webhook_backoff_scale = scale,
                Err(_) => problems.push("POINTS_SANDBOX_BACKOFF_SCALE: not a number".to_owned()),
            }
        }
        let mut webhook_timeout = file.webhook_timeout.unwrap_or(DEFAULT_WEBHOOK_TIMEOUT);
        if let Some(ms) = env("POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS") {
            match ms.trim().parse() {
                Ok(ms) => webhook_timeout = Duration::from_millis(ms),
                Err(_) => problems.push(
                    "POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS: not a whole number of milliseconds"
                        .to_owned(),
                ),
            }
        }
        let mut merchants = file.merchants;
        if merchants.is_empty() {
            merchants = SandboxConfig::demo(String::new()).merchants;
        }
        if let Some(url) = env("POINTS_SANDBOX_WEBHOOK_URL") {
            let mut webhook = WebhookConfig::new(url);
            if let Some(secret) = env("POINTS_SANDBOX_WEBHOOK_SECRET") {
                webhook.secret = secret;
            }
            for merchant in &mut merchants {
                merchant.webhooks.push(webhook.clone());
            }
        }

        let settings = Settings {
            listen,
            public_url,
            merchants,
            webhook_backoff_scale,
            webhook_timeout,
            otp_resend_after: file.otp_resend_after.unwrap_or(DEFAULT_OTP_RESEND_AFTER),
            file: path,
        };
        problems.extend(settings.problems());
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError::Invalid { origin, problems })
        }
    }

    /// The library's config once the listener is bound to `bound`.
    pub fn sandbox_config(&self, bound: SocketAddr) -> SandboxConfig {
        SandboxConfig {
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{bound}")),
            merchants: self.merchants.clone(),
            webhook_backoff_scale: self.webhook_backoff_scale,
            webhook_timeout: self.webhook_timeout,
            otp_resend_after: self.otp_resend_after,
        }
    }

    /// Everything wrong with these settings, each naming its key (never a key's or secret's
    /// value).
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut problem = |text: String| problems.push(text);
        if !self.listen.contains(':') {
            problem("listen address: must be host:port".to_owned());
        }
        if let Some(url) = &self.public_url
            && !is_http_url(url)
        {
            problem("public_url: must be an http(s) URL with a host".to_owned());
        }
        let scale = self.webhook_backoff_scale;
        if !scale.is_finite() || scale < 0.0 {
            problem("delivery.backoff_scale: must be a number ≥ 0".to_owned());
        }
        if self.webhook_timeout.is_zero() || self.webhook_timeout > MAX_TIMEOUT {
            problem("delivery.timeout_ms: must be between 1 and 600000".to_owned());
        }
        if self.otp_resend_after > Duration::from_secs(3_600) {
            problem("hosted.otp_resend_seconds: must be at most 3600".to_owned());
        }
        let (mut public, mut private) = (HashSet::new(), HashSet::new());
        for (i, m) in self.merchants.iter().enumerate() {
            let at = format!("merchants[{i}]");
            if m.name.trim().is_empty() || m.name.chars().count() > MAX_TEXT {
                problem(format!("{at}.name: must be 1 to {MAX_TEXT} characters"));
            }
            if !is_key(&m.public_key, true) {
                problem(format!(
                    "{at}.public_key: must be 1 to {MAX_TEXT} printable ASCII characters \
                     without spaces, '/', '?', '#' or '%' (it goes in the checkout path)"
                ));
            } else if !public.insert(m.public_key.as_str()) {
                problem(format!("{at}.public_key: another merchant already uses it"));
            }
            if !is_key(&m.private_key, false) {
                problem(format!(
                    "{at}.private_key: must be 1 to {MAX_TEXT} printable ASCII characters without spaces"
                ));
            } else if !private.insert(m.private_key.as_str()) {
                problem(format!(
                    "{at}.private_key: another merchant already uses it"
                ));
            }
            if m.multiplier == 0 || m.multiplier > MAX_MULTIPLIER {
                problem(format!("{at}.multiplier: must be 1 to {MAX_MULTIPLIER}"));
            }
            if m.product_points.keys().any(|name| name.trim().is_empty()) {
                problem(format!(
                    "{at}.product_points: product names must not be empty"
                ));
            }
            let mut urls = HashSet::new();
            for (j, hook) in m.webhooks.iter().enumerate() {
                let at = format!("{at}.webhooks[{j}]");
                if !is_http_url(&hook.url) || hook.url.len() > 500 {
                    problem(format!(
                        "{at}.url: must be an http(s) URL with a host, at most 500 characters"
                    ));
                } else if !urls.insert(hook.url.as_str()) {
                    problem(format!(
                        "{at}.url: this merchant already has a webhook for it"
                    ));
                }
                if !is_key(&hook.secret, false) {
                    problem(format!(
                        "{at}.secret: must be 1 to {MAX_TEXT} printable ASCII characters without spaces"
                    ));
                }
            }
        }
        // Public keys are not secret: a private key equal to one would be public too.
        for (i, m) in self.merchants.iter().enumerate() {
            if public.contains(m.private_key.as_str()) {
                problems.push(format!(
                    "merchants[{i}].private_key: must differ from every public key"
                ));
            }
        }
        problems
    }
}

/// `--config PATH` or `--config=PATH`; anything else is a usage error.
fn config_path(args: impl IntoIterator<Item = String>) -> Result<Option<PathBuf>, ConfigError> {
    let mut args = args.into_iter();
    let mut path = None;
    while let Some(arg) = args.next() {
        let value = if arg == "--config" {
            args.next()
        } else if let Some(value) = arg.strip_prefix("--config=") {
            Some(value.to_owned())
        } else {
            return Err(ConfigError::Usage(format!(
                "unknown argument {arg:?}; usage: points-sandbox [--config PATH]"
            )));
        };
        match value.filter(|v| !v.is_empty()) {
            Some(value) => path = Some(PathBuf::from(value)),
            None => {
                return Err(ConfigError::Usage(
                    "--config needs a path: points-sandbox --config sandbox.toml".to_owned(),
                ));
            }
        }
    }
    Ok(path)
}

fn is_http_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn is_key(key: &str, in_path: bool) -> bool {
    !key.is_empty()
        && key.len() <= MAX_TEXT
        && key
            .bytes()
            .all(|b| b.is_ascii_graphic() && !(in_path && matches!(b, b'/' | b'?' | b'#' | b'%')))
}
