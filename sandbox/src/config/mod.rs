//! How a sandbox is set up: its public origin, its merchants and their webhooks.
//!
//! [`SandboxConfig`] is what the library takes. The `points-sandbox` binary builds one from a
//! TOML file and `POINTS_SANDBOX_*` variables through [`Settings::load`]; `file` parses and
//! validates the file (documented key by key in `sandbox/sandbox.example.toml`).

mod file;
mod settings;
#[cfg(test)]
mod tests;

use std::{collections::HashMap, net::IpAddr, time::Duration};

use rand::Rng;

pub use crate::webhooks::{WebhookStyle, WebhookTimestamps};
pub use file::{ConfigError, FileConfig};
pub use settings::Settings;

/// Per delivery attempt, as Points waits (API.md §6.2).
/// The demo merchant's keys (API.md §12): published, sandbox-only, never valid at Points.
pub const DEMO_PUBLIC_KEY: &str = "pk_sandbox_demo";
pub const DEMO_PRIVATE_KEY: &str = "sk_sandbox_demo";

pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the hosted OTP page makes the shopper wait before another code (API.md §4.2).
pub const DEFAULT_OTP_RESEND_AFTER: Duration = Duration::from_secs(30);

/// Everything a [`crate::Sandbox`] needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The origin shoppers reach the sandbox at (e.g. `http://127.0.0.1:8090`); every
    /// `checkout_url` is built on it. A trailing `/` is ignored.
    pub public_url: String,
    pub merchants: Vec<MerchantConfig>,
    /// Multiplies the webhook back-off (10 s, 60 s, 300 s). `1.0` is Points' schedule; tests use
    /// something like `0.01`.
    pub webhook_backoff_scale: f64,
    /// How long one delivery attempt may take before it counts as failed and is retried
    /// ([`DEFAULT_WEBHOOK_TIMEOUT`], Points' 10 s; tests use less).
    pub webhook_timeout: Duration,
    /// How long after a code was sent the hosted OTP page allows a new one
    /// ([`DEFAULT_OTP_RESEND_AFTER`], "إعادة الارسال في 00:30").
    pub otp_resend_after: Duration,
}

/// One merchant and its two keys (API.md §1, §12).
#[derive(Clone)]
pub struct MerchantConfig {
    pub name: String,
    /// Identifies the merchant in the checkout path only.
    pub public_key: String,
    /// Sent as `x-api-key` on every other call.
    pub private_key: String,
    /// Earning points per SAR (API.md §12: 10 by default).
    pub multiplier: u64,
    /// Verified/published (API.md §12); else `403` on checkout, earning and webhook writes.
    pub verified: bool,
    /// Earning channels enabled; else `403` on the three earning endpoints.
    pub earning_enabled: bool,
    /// `None`: every IP may call the API. `Some(list)`: only these (API.md §8.2).
    pub ip_allow_list: Option<Vec<IpAddr>>,
    /// Per-product point values (per unit) overriding the multiplier (API.md §12).
    pub product_points: HashMap<String, u64>,
    pub webhooks: Vec<WebhookConfig>,
    /// How this merchant's webhook payloads are written: the sandbox's own style by default,
    /// or as real Points may (times to the second, no `left_amount`).
    pub webhook_style: WebhookStyle,
}

/// A webhook the sandbox delivers every event of its merchant to.
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// Sent verbatim in `X-Webhook-Secret`. Points generates 60 characters of `[a-z0-9]`; see
    /// [`generate_secret`].
    pub secret: String,
}

impl SandboxConfig {
    /// The demo setup: one verified merchant with keys `pk_sandbox_demo` / `sk_sandbox_demo`,
    /// multiplier 10, no webhooks, Points' real back-off and timeout.
    pub fn demo(public_url: String) -> Self {
        SandboxConfig {
            public_url,
            merchants: vec![MerchantConfig::new(
                "Demo Store",
                DEMO_PUBLIC_KEY,
                DEMO_PRIVATE_KEY,
            )],
            webhook_backoff_scale: 1.0,
            webhook_timeout: DEFAULT_WEBHOOK_TIMEOUT,
            otp_resend_after: DEFAULT_OTP_RESEND_AFTER,
        }
    }
}

impl MerchantConfig {
    /// A verified merchant with earning enabled, multiplier 10, no IP allow-list, no webhooks,
    /// webhook payloads in the sandbox's own style.
    pub fn new(
        name: impl Into<String>,
        public_key: impl Into<String>,
        private_key: impl Into<String>,
    ) -> Self {
        MerchantConfig {
            name: name.into(),
            public_key: public_key.into(),
            private_key: private_key.into(),
            multiplier: 10,
            verified: true,
            earning_enabled: true,
            ip_allow_list: None,
            product_points: HashMap::new(),
            webhooks: Vec::new(),
            webhook_style: WebhookStyle::default(),
        }
    }
}

impl WebhookConfig {
    /// A webhook with a freshly generated secret.
    pub fn new(url: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: generate_secret(),
        }
    }
}

// Keys and secrets stay out of `Debug` output, so a config can be logged whole.
impl std::fmt::Debug for MerchantConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantConfig")
            .field("name", &self.name)
            .field("public_key", &self.public_key)
            .field("private_key", &"[redacted]")
            .field("multiplier", &self.multiplier)
            .field("verified", &self.verified)
            .field("earning_enabled", &self.earning_enabled)
            .field("ip_allow_list", &self.ip_allow_list)
            .field("product_points", &self.product_points)
            .field("webhooks", &self.webhooks)
            .field("webhook_style", &self.webhook_style)
            .finish()
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A webhook secret as Points makes them: 60 characters of `[a-z0-9]` (API.md §3.12, §12).
pub fn generate_secret() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..60)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn generated_secrets_are_sixty_lowercase_alphanumerics() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 60);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_ne!(secret, generate_secret());
    }

    #[test]
    fn debug_output_hides_keys_and_secrets() {
        let mut merchant = MerchantConfig::new("Shop", "pk_1", "sk_very_secret");
        merchant.webhooks.push(WebhookConfig::new("http://hook"));
        let secret = merchant.webhooks[0].secret.clone();
        let printed = format!("{merchant:?}");
        assert!(!printed.contains("sk_very_secret"));
        assert!(!printed.contains(&secret));
        assert!(printed.contains("pk_1"));
    }
}
