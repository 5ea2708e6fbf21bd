//! How a merchant's webhook payloads are written (API.md §6.3). By default the sandbox writes
//! them as it always has: Laravel's microseconds and every refund field. Real Points stamps
//! events to the second and may leave `left_amount` out of a refund, so a merchant can be set to
//! do the same (`MerchantConfig::webhook_style`, or `webhook_timestamps` / `omit_left_amount`
//! on `PATCH /_sandbox/merchants/{publicKey}`) and a consumer meets those payloads in its tests
//! before it meets them in production.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

use crate::{clock, order::Order};

/// `2026-04-18T10:05:12Z`, as API.md §6.3's examples show it.
const SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// `2026-04-18 10:05:12`: UTC without saying so, as a database column prints it.
const SECONDS_SPACE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// How one merchant's webhook payloads are written. The default is the sandbox's own style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookStyle {
    /// How `timestamp`, and the `created_at` / `updated_at` beside it, are written.
    pub timestamps: WebhookTimestamps,
    /// Leave `left_amount` out of `refunded` and `auto_refunded`, as Points may (§6.3 lists it
    /// "mainly for earning orders", and not at all for `auto_refunded`).
    pub omit_left_amount: bool,
}

/// The precision and shape of the times in a webhook payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookTimestamps {
    /// `2026-04-18T10:05:12.123456Z`, Laravel's serialisation (API.md §3.1).
    #[default]
    Micros,
    /// `2026-04-18T10:05:12Z`: to the second, as real Points stamps events.
    Seconds,
    /// `2026-04-18 10:05:12`: to the second, a space for the `T`, no zone (UTC).
    SecondsSpace,
}

impl WebhookTimestamps {
    /// `at` in this style.
    pub fn stamp(self, at: OffsetDateTime) -> String {
        let description = match self {
            WebhookTimestamps::Micros => return clock::iso(at),
            WebhookTimestamps::Seconds => SECONDS,
            WebhookTimestamps::SecondsSpace => SECONDS_SPACE,
        };
        // Both descriptions only use components every UTC date has, so this cannot fail.
        at.to_offset(time::UtcOffset::UTC)
            .format(description)
            .unwrap_or_default()
    }
}

impl WebhookStyle {
    /// Rewrites the `order` object of a payload (built in the sandbox's own style, extras
    /// merged) in this style: its two times, and `left_amount` when it is to be left out.
    pub(super) fn restyle_order(&self, fields: &mut Map<String, Value>, order: &Order) {
        let stamp = |at| Value::from(self.timestamps.stamp(at));
        fields.insert("created_at".into(), stamp(order.created_at));
        fields.insert("updated_at".into(), stamp(order.updated_at));
        if self.omit_left_amount {
            fields.remove("left_amount");
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn each_style_writes_the_same_moment_its_own_way() {
        let at = datetime!(2026-04-18 13:05:12.987654321 +03:00);
        let check = |style: WebhookTimestamps, expect: &str| assert_eq!(style.stamp(at), expect);
        check(WebhookTimestamps::Micros, "2026-04-18T10:05:12.987654Z");
        // Truncated, not rounded: the event happened in that second.
        check(WebhookTimestamps::Seconds, "2026-04-18T10:05:12Z");
        check(WebhookTimestamps::SecondsSpace, "2026-04-18 10:05:12");
    }

    #[test]
    fn styles_are_named_in_snake_case() {
        let parse = |name: &str| serde_json::from_value::<WebhookTimestamps>(Value::from(name));
        assert_eq!(parse("micros").ok(), Some(WebhookTimestamps::Micros));
        assert_eq!(parse("seconds").ok(), Some(WebhookTimestamps::Seconds));
        assert_eq!(
            parse("seconds_space").ok(),
            Some(WebhookTimestamps::SecondsSpace)
        );
        assert!(parse("nanos").is_err());
        assert_eq!(
            serde_json::to_value(WebhookTimestamps::SecondsSpace).ok(),
            Some(Value::from("seconds_space"))
        );
    }
}
