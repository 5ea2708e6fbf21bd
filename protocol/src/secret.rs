//! Secrets: the private API key and webhook secrets. Their `Debug` and `Display` print
//! `[redacted]`, and comparing them is constant-time.

use std::fmt;

use subtle::ConstantTimeEq;

/// The merchant's private key, sent as `x-api-key` on every call but checkout.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for the `x-api-key` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality, for the sandbox's key check.
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }
}

/// The shared secret Points sends in `X-Webhook-Secret` (API.md §6.2: a plain secret, not an
/// HMAC).
#[derive(Clone)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// How [`WebhookSecret::verify`] compares, as self-tests report it.
    pub const COMPARISON: &'static str = "constant-time (subtle::ConstantTimeEq)";

    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(secret.into())
    }

    /// For the `X-Webhook-Secret` header the sandbox sends, and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the presented header value is this secret, in constant time.
    pub fn verify(&self, presented: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), presented)
    }
}

/// Compares in time independent of where the inputs differ. The length is compared first; that
/// leaks only the length, which for a 60-character generated secret is public anyway.
fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    expected.len() == presented.len() && bool::from(expected.ct_eq(presented))
}

macro_rules! redacted {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), "([redacted])"))
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
    )*};
}
redacted!(ApiKey, WebhookSecret);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = WebhookSecret::new("abcdef0123456789");
        assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
        assert_eq!(secret.to_string(), "[redacted]");
        let key = ApiKey::new("sk_live_123");
        assert!(!format!("{key:?} {key}").contains("sk_live"));
    }

    #[test]
    fn verify_accepts_only_the_exact_secret() {
        let secret = WebhookSecret::new("abc123");
        assert!(secret.verify(b"abc123"));
        assert!(!secret.verify(b"abc124"));
        assert!(!secret.verify(b"abc12"));
        assert!(!secret.verify(b"abc1234"));
        assert!(!secret.verify(b""));
    }
}
