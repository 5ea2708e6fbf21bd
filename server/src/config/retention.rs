//! How long the server keeps what it needs only for a while: idempotency keys (a retry after
//! that is a new checkout), rejected deliveries (kept for someone to inspect), processed inbox
//! rows (a redelivery within it is a no-op; Points retries for minutes, not months), order
//! transitions (support's history of an order) and settled earnings. Unprocessed and held inbox
//! rows and pending earnings are never expired, whatever their age.

use std::time::Duration;

use anyhow::{Context, ensure};

const DAY: u64 = 24 * 60 * 60;

/// The default `idempotency_key_retention`: a day, like the payment APIs storefronts know.
pub const DEFAULT_IDEMPOTENCY_KEY_RETENTION: Duration = Duration::from_secs(DAY);
/// The default `rejected_retention`: thirty days to look at what was refused.
pub const DEFAULT_REJECTED_RETENTION: Duration = Duration::from_secs(30 * DAY);
/// The default `inbox_retention`: 90 days, far past Points' last retry and the dashboard's
/// 3-day refund window, long enough to answer "what did Points send us last month".
pub const DEFAULT_INBOX_RETENTION: Duration = Duration::from_secs(90 * DAY);
/// The default `transition_retention`: 400 days, a year of order history and a margin.
pub const DEFAULT_TRANSITION_RETENTION: Duration = Duration::from_secs(400 * DAY);
/// The default `earning_retention`: settled earnings kept 90 days (their phone numbers are
/// masked as soon as Points has them, see `earning::outbox::complete`).
pub const DEFAULT_EARNING_RETENTION: Duration = Duration::from_secs(90 * DAY);
/// The least retention accepted: an idempotency key must outlive the retries it protects.
pub const MIN_RETENTION: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub idempotency_keys: Duration,
    pub rejected_deliveries: Duration,
    /// Processed, not held, inbox rows, by `processed_at`.
    pub inbox: Duration,
    /// `order_transitions`, by `at`.
    pub transitions: Duration,
    /// Settled (not pending) earning outbox rows, by `completed_at`.
    pub earnings: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            idempotency_keys: DEFAULT_IDEMPOTENCY_KEY_RETENTION,
            rejected_deliveries: DEFAULT_REJECTED_RETENTION,
            inbox: DEFAULT_INBOX_RETENTION,
            transitions: DEFAULT_TRANSITION_RETENTION,
            earnings: DEFAULT_EARNING_RETENTION,
        }
    }
}

impl Retention {
    fn all(&self) -> [Duration; 5] {
        [
            self.idempotency_keys,
            self.rejected_deliveries,
            self.inbox,
            self.transitions,
            self.earnings,
        ]
    }

    /// How often the worker sweeps: a tenth of the shortest retention, between 100 ms and an
    /// hour, so nothing outlives its retention by more than a tenth.
    pub fn sweep_interval(&self) -> Duration {
        let shortest = self.all().into_iter().min().unwrap_or(MIN_RETENTION);
        (shortest / 10).clamp(Duration::from_millis(100), Duration::from_secs(60 * 60))
    }

    /// Reads `POINTS_IDEMPOTENCY_KEY_RETENTION`, `POINTS_REJECTED_RETENTION`,
    /// `POINTS_INBOX_RETENTION`, `POINTS_TRANSITION_RETENTION` and `POINTS_EARNING_RETENTION`
    /// ("90s", "15m", "24h", "30d"), each defaulting.
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
            inbox: read("POINTS_INBOX_RETENTION", DEFAULT_INBOX_RETENTION)?,
            transitions: read("POINTS_TRANSITION_RETENTION", DEFAULT_TRANSITION_RETENTION)?,
            earnings: read("POINTS_EARNING_RETENTION", DEFAULT_EARNING_RETENTION)?,
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        ensure!(
            self.all().into_iter().all(|d| d >= MIN_RETENTION),
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
            ..Retention::default()
        };
        assert_eq!(short.sweep_interval(), Duration::from_secs(1));
        assert_eq!(
            Retention::default().sweep_interval(),
            Duration::from_secs(3600)
        );
        let tiny = Retention {
            idempotency_keys: Duration::from_secs(1),
            rejected_deliveries: Duration::from_secs(1),
            ..Retention::default()
        };
        let inbox = Retention {
            inbox: Duration::from_secs(20),
            ..Retention::default()
        };
        assert_eq!(
            inbox.sweep_interval(),
            Duration::from_secs(2),
            "any retention counts"
        );
        assert_eq!(tiny.sweep_interval(), Duration::from_millis(100));
    }
}
