//! Time as the sandbox writes it: Laravel's ISO 8601 with microseconds, and "2 hours ago".

use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

/// `2026-04-20T10:00:00.000000Z`, as Points' Laravel serialises dates (API.md §3.1).
const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");
const TIME: &[FormatItem<'static>] = format_description!("[hour]:[minute]:[second]");

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn iso(at: OffsetDateTime) -> String {
    format(at, ISO)
}

/// The order resource's `date` (API.md §3.1: `2024-12-23`).
pub fn date(at: OffsetDateTime) -> String {
    format(at, DATE)
}

/// The order resource's `time` (API.md §3.1: `10:00:00`).
pub fn time_of_day(at: OffsetDateTime) -> String {
    format(at, TIME)
}

/// Laravel's `diffForHumans()` for past moments: `"5 minutes ago"`.
pub fn since(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let seconds = (now - at).whole_seconds().max(0);
    let (amount, unit) = match seconds {
        s if s < 60 => (s, "second"),
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s if s < 7 * 86_400 => (s / 86_400, "day"),
        s if s < 30 * 86_400 => (s / (7 * 86_400), "week"),
        s if s < 365 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    format!("{amount} {unit}{plural} ago")
}

fn format(at: OffsetDateTime, description: &[FormatItem<'static>]) -> String {
    // The descriptions above only use components every UTC date has, so this cannot fail.
    at.to_offset(time::UtcOffset::UTC)
        .format(description)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use time::{Duration, macros::datetime};

    use super::*;

    #[test]
    fn formats_like_laravel() {
        let at = datetime!(2026-04-20 10:00:05.123456789 UTC);
        assert_eq!(iso(at), "2026-04-20T10:00:05.123456Z");
        assert_eq!(date(at), "2026-04-20");
        assert_eq!(time_of_day(at), "10:00:05");
    }

    #[test]
    fn since_reads_as_a_human_would_say_it() {
        let now = datetime!(2026-04-20 12:00 UTC);
        let check = |ago: Duration, expect: &str| assert_eq!(since(now - ago, now), expect);
        check(Duration::ZERO, "0 seconds ago");
        check(Duration::seconds(1), "1 second ago");
        check(Duration::minutes(5), "5 minutes ago");
        check(Duration::hours(2), "2 hours ago");
        check(Duration::days(1), "1 day ago");
        check(Duration::days(14), "2 weeks ago");
        check(Duration::days(400), "1 year ago");
        check(Duration::seconds(-30), "0 seconds ago");
    }
}
