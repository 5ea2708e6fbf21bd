//! How the earning outbox's sender talks to Points (see [`crate::earning`]): the per-attempt
//! timeout and the back-off between attempts of one row.

use std::time::Duration;

use anyhow::{Context, ensure};

use super::parse_duration;

/// The default `earning_timeout`, as for every other Points call ([`crate::POINTS_TIMEOUT`]).
pub const DEFAULT_EARNING_TIMEOUT: Duration = crate::POINTS_TIMEOUT;
/// The first retry of a row waits about this long; each further one twice as long.
pub const DEFAULT_EARNING_BACKOFF: Duration = Duration::from_secs(1);
/// The default `earning_max_backoff`.
pub const DEFAULT_EARNING_MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarningConfig {
    /// One attempt at Points; past it the attempt counts as maybe delivered.
    pub timeout: Duration,
    /// The back-off after the first failed attempt of a row (doubling, with jitter).
    pub backoff: Duration,
    /// The longest wait between two attempts of a row, `Retry-After` included.
    pub max_backoff: Duration,
}

impl Default for EarningConfig {
    fn default() -> Self {
        EarningConfig {
            timeout: DEFAULT_EARNING_TIMEOUT,
            backoff: DEFAULT_EARNING_BACKOFF,
            max_backoff: DEFAULT_EARNING_MAX_BACKOFF,
        }
    }
}

impl EarningConfig {
    /// How long a sender's lease lasts without renewal: an attempt in flight always finishes
    /// inside it, so two processes never send at once; a crashed holder's lease is taken over
    /// after it.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(2)
    }

    /// Reads `POINTS_EARNING_TIMEOUT` and `POINTS_EARNING_MAX_BACKOFF` ("8s", "5m").
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let read = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            match get(name) {
                None => Ok(default),
                Some(text) => parse_duration(&text).with_context(|| format!("{name} {text:?}")),
            }
        };
        Ok(EarningConfig {
            timeout: read("POINTS_EARNING_TIMEOUT", DEFAULT_EARNING_TIMEOUT)?,
            backoff: DEFAULT_EARNING_BACKOFF,
            max_backoff: read("POINTS_EARNING_MAX_BACKOFF", DEFAULT_EARNING_MAX_BACKOFF)?,
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        ensure!(
            !self.timeout.is_zero() && self.timeout <= Duration::from_secs(120),
            "earning_timeout must be between 1s and 120s"
        );
        ensure!(
            !self.backoff.is_zero() && self.backoff <= self.max_backoff,
            "the earning back-off must be positive and at most earning_max_backoff"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_variables_and_refuses_nonsense() {
        let config = EarningConfig::from_lookup(&|name: &str| match name {
            "POINTS_EARNING_TIMEOUT" => Some("3s".into()),
            "POINTS_EARNING_MAX_BACKOFF" => Some("2m".into()),
            _ => None,
        })
        .expect("valid");
        assert_eq!(config.timeout, Duration::from_secs(3));
        assert_eq!(config.max_backoff, Duration::from_secs(120));
        assert!(config.validate().is_ok());
        assert!(config.lease() > config.timeout * 2);
        let zero = EarningConfig {
            timeout: Duration::ZERO,
            ..EarningConfig::default()
        };
        assert!(zero.validate().is_err());
        let bad = EarningConfig::from_lookup(&|name: &str| {
            (name == "POINTS_EARNING_TIMEOUT").then(|| "soon".to_owned())
        });
        assert!(bad.is_err());
    }
}
