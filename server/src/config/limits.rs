//! How much the public endpoints take from one client and from everyone together, so an
//! anonymous flood cannot starve webhook intake (docs/runbook.md "Rate limits"). Webhook intake,
//! `/healthz` and the admin API are never limited here.

use anyhow::{Context, ensure};

/// The default `checkout_per_ip_per_minute`: a shopper checks out a handful of times.
pub const DEFAULT_CHECKOUT_PER_IP_PER_MINUTE: u32 = 30;
/// The default `status_per_ip_per_minute`: the return page polls about once a second, and a
/// household or an office shares one address.
pub const DEFAULT_STATUS_PER_IP_PER_MINUTE: u32 = 240;
/// The default `public_per_second`: every public request together.
pub const DEFAULT_PUBLIC_PER_SECOND: u32 = 200;
/// The default `public_in_flight`: public requests being served at once. Below the database
/// pool's size (8 on SQLite, 10 on Postgres), so intake and the worker always find a
/// connection.
pub const DEFAULT_PUBLIC_IN_FLIGHT: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// `POST /api/checkout` per client address (`0`: no limit).
    pub checkout_per_ip_per_minute: u32,
    /// `GET /api/orders/{n}` per client address (`0`: no limit).
    pub status_per_ip_per_minute: u32,
    /// Every public request (checkout, status, `/metrics`, `/openapi.json`) per second (`0`: no
    /// limit).
    pub public_per_second: u32,
    /// Public requests served at once; more wait up to two seconds, then 503 (`0`: no limit).
    pub public_in_flight: u32,
    /// The header a trusted reverse proxy puts the client's address in (`x-forwarded-for`,
    /// `cf-connecting-ip`); its right-most address is taken. Unset: the connection's peer.
    pub client_ip_header: Option<String>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            checkout_per_ip_per_minute: DEFAULT_CHECKOUT_PER_IP_PER_MINUTE,
            status_per_ip_per_minute: DEFAULT_STATUS_PER_IP_PER_MINUTE,
            public_per_second: DEFAULT_PUBLIC_PER_SECOND,
            public_in_flight: DEFAULT_PUBLIC_IN_FLIGHT,
            client_ip_header: None,
        }
    }
}

impl LimitsConfig {
    /// No limit at all: for tests that flood on purpose and for benchmarks' references.
    pub fn unlimited() -> Self {
        LimitsConfig {
            checkout_per_ip_per_minute: 0,
            status_per_ip_per_minute: 0,
            public_per_second: 0,
            public_in_flight: 0,
            client_ip_header: None,
        }
    }

    /// Reads `POINTS_CHECKOUT_PER_IP_PER_MINUTE`, `POINTS_STATUS_PER_IP_PER_MINUTE`,
    /// `POINTS_PUBLIC_PER_SECOND`, `POINTS_PUBLIC_IN_FLIGHT` and `POINTS_CLIENT_IP_HEADER`.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = LimitsConfig::default();
        let number = |name: &str, default: u32| -> anyhow::Result<u32> {
            match get(name) {
                None => Ok(default),
                Some(text) => text.trim().parse().with_context(|| {
                    format!("{name} {text:?} is not a whole number (0: no limit)")
                }),
            }
        };
        let header = get("POINTS_CLIENT_IP_HEADER").map(|h| h.trim().to_ascii_lowercase());
        if let Some(name) = &header {
            ensure!(
                axum::http::HeaderName::from_bytes(name.as_bytes()).is_ok(),
                "POINTS_CLIENT_IP_HEADER {name:?} is not a header name"
            );
        }
        Ok(LimitsConfig {
            checkout_per_ip_per_minute: number(
                "POINTS_CHECKOUT_PER_IP_PER_MINUTE",
                defaults.checkout_per_ip_per_minute,
            )?,
            status_per_ip_per_minute: number(
                "POINTS_STATUS_PER_IP_PER_MINUTE",
                defaults.status_per_ip_per_minute,
            )?,
            public_per_second: number("POINTS_PUBLIC_PER_SECOND", defaults.public_per_second)?,
            public_in_flight: number("POINTS_PUBLIC_IN_FLIGHT", defaults.public_in_flight)?,
            client_ip_header: header,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_variables_and_refuses_nonsense() {
        let read = |pairs: &[(&str, &str)]| {
            LimitsConfig::from_lookup(&|name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        assert_eq!(read(&[]).expect("defaults"), LimitsConfig::default());
        let set = read(&[
            ("POINTS_CHECKOUT_PER_IP_PER_MINUTE", "5"),
            ("POINTS_STATUS_PER_IP_PER_MINUTE", "0"),
            ("POINTS_PUBLIC_PER_SECOND", "50"),
            ("POINTS_PUBLIC_IN_FLIGHT", "3"),
            ("POINTS_CLIENT_IP_HEADER", " X-Forwarded-For "),
        ])
        .expect("valid");
        assert_eq!(set.checkout_per_ip_per_minute, 5);
        assert_eq!(set.status_per_ip_per_minute, 0);
        assert_eq!(set.public_per_second, 50);
        assert_eq!(set.public_in_flight, 3);
        assert_eq!(set.client_ip_header.as_deref(), Some("x-forwarded-for"));
        assert!(read(&[("POINTS_PUBLIC_PER_SECOND", "lots")]).is_err());
        assert!(read(&[("POINTS_CHECKOUT_PER_IP_PER_MINUTE", "-1")]).is_err());
        assert!(read(&[("POINTS_CLIENT_IP_HEADER", "bad header")]).is_err());
    }
}
