//! How long the server keeps rows it needs only for a while: idempotency keys (a retry after
//! that is a new checkout) and rejected deliveries (kept for someone to inspect). The inbox and
//! the transitions are never expired: they are the record of what Points said.

use std::time::Duration;

use anyhow::{Context, ensure};

/// The default `idempotency_key_retention`: a day, like the payment APIs storefronts know.
pub const DEFAULT_IDEMPOTENCY_KEY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// The default `rejected_retention`: thirty days to look at what was refused.
pub const DEFAULT_REJECTED_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The least retention accepted: an idempotency key must outlive the retries it protects.
pub const MIN_RETENTION: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub idempotency_keys: Duration,
    pub rejected_deliveries: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            idempotency_keys: DEFAULT_IDEMPOTENCY_KEY_RETENTION,
            rejected_deliveries: DEFAULT_REJECTED_RETENTION,
        }
    }
}

impl Retention {
    /// How often the worker sweeps: a tenth of the shorter retention, between 100 ms and an
    /// hour, so nothing outlives its retention by more than a tenth.
    pub fn sweep_interval(&self) -> Duration {
        (self.idempotency_keys.min(self.rejected_deliveries) / 10)
            .clamp(Duration::from_millis(100), Duration::from_secs(60 * 60))
    }

    /// Reads `POINTS_IDEMPOTENCY_KEY_RETENTION` and `POINTS_REJECTED_RETENTION` ("90s", "15m",
    /// "24h", "30d"), each defaulting.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let read = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            match get(name) {
                None => Ok(default),
                Some(text) => parse_duration(&text).with_context(|| format!("{name} {text:?}")),
            }
        };
        Ok(Retention {
            idempotency_keys: read(
                "POINTS_IDEMPOTENCY_KEY_RETENTION",
                DEFAULT_IDEMPOTENCY_KEY_RETENTION,
            )?,
            rejected_deliveries: read("POINTS_REJECTED_RETENTION", DEFAULT_REJECTED_RETENTION)?,
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        ensure!(
            self.idempotency_keys >= MIN_RETENTION && self.rejected_deliveries >= MIN_RETENTION,
            "retention periods must be at least one second"
        );
        Ok(())
    }
}

/// `"<whole number><ms|s|m|h|d>"`.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .context("needs a unit: ms, s, m, h or d")?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .context("must start with a whole number, as in \"24h\"")?;
    let millis = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 60 * 60_000,
        "d" => 24 * 60 * 60_000,
        other => anyhow::bail!("unknown unit {other:?}: use ms, s, m, h or d"),
    };
    number
        .checked_mul(millis)
        .map(Duration::from_millis)
        .context("is too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<u64>) {
        assert_eq!(
            parse_duration(input).ok().map(|d| d.as_secs()),
            expect,
            "{input:?}"
        );
    }

    #[test]
    fn durations_need_a_number_and_a_unit() {
        check("90s", Some(90));
        check("15m", Some(900));
        check(" 24h ", Some(86_400));
        check("30d", Some(2_592_000));
        check("24", None);
        check("h", None);
        check("1.5h", None);
        check("-1d", None);
        check("2w", None);
        check("99999999999999999999d", None);
        assert_eq!(
            parse_duration("250ms").expect("millis"),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("2s").expect("secs"),
            Duration::from_millis(2_000)
        );
        check("5mss", None);
    }

    #[test]
    fn sweeps_a_tenth_of_the_shorter_retention_within_bounds() {
        let short = Retention {
            idempotency_keys: Duration::from_secs(10),
            rejected_deliveries: Duration::from_secs(3600),
        };
        assert_eq!(short.sweep_interval(), Duration::from_secs(1));
        assert_eq!(
            Retention::default().sweep_interval(),
            Duration::from_secs(3600)
        );
        let tiny = Retention {
            idempotency_keys: Duration::from_secs(1),
            rejected_deliveries: Duration::from_secs(1),
        };
        assert_eq!(tiny.sweep_interval(), Duration::from_millis(100));
    }
}
