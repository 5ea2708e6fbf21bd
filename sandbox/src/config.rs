//! How a sandbox is set up: its public origin, its merchants and their webhooks.

use rand::Rng;

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
    pub webhooks: Vec<WebhookConfig>,
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
    /// multiplier 10, no webhooks, Points' real back-off.
    pub fn demo(public_url: String) -> Self {
        SandboxConfig {
            public_url,
            merchants: vec![MerchantConfig::new(
                "Demo Store",
                "pk_sandbox_demo",
                "sk_sandbox_demo",
            )],
            webhook_backoff_scale: 1.0,
        }
    }
}

impl MerchantConfig {
    /// A merchant with multiplier 10 and no webhooks.
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
            webhooks: Vec::new(),
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
            .field("webhooks", &self.webhooks)
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
mod tests {
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
