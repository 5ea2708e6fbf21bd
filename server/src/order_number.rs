//! The merchant's order numbers: `PK-yymmdd-XXXXXXXX`.
//!
//! The order status endpoint is keyed by the order number and the number travels in the return
//! URL, so it must be unguessable: eight Crockford base32 characters are 40 random bits. The
//! date prefix only helps humans reading a support ticket.

use protocol::OrderNumber;
use rand::Rng;
use time::{OffsetDateTime, macros::format_description};

/// Crockford's base32: no `I`, `L`, `O` or `U`, so a number read aloud survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 8;

/// A fresh order number for `now`.
pub fn generate(now: OffsetDateTime) -> OrderNumber {
    let date = now
        .format(format_description!("[year repr:last_two][month][day]"))
        .unwrap_or_else(|_| "000000".to_owned());
    let mut rng = rand::rng();
    let suffix: String = (0..RANDOM_CHARS)
        .map(|_| char::from(CROCKFORD[rng.random_range(0..CROCKFORD.len())]))
        .collect();
    // Built from ASCII letters, digits and dashes only, so it always parses.
    OrderNumber::parse(&format!("PK-{date}-{suffix}")).expect("generated order numbers are valid")
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn has_the_documented_shape() {
        let number = generate(datetime!(2026-04-18 10:05:12 UTC));
        let text = number.as_str();
        assert_eq!(text.len(), "PK-260418-".len() + RANDOM_CHARS, "{text}");
        assert!(text.starts_with("PK-260418-"), "{text}");
        assert!(
            text["PK-260418-".len()..]
                .bytes()
                .all(|b| CROCKFORD.contains(&b)),
            "{text}"
        );
    }

    #[test]
    fn numbers_do_not_repeat() {
        let now = OffsetDateTime::now_utc();
        let numbers: std::collections::HashSet<_> = (0..1000).map(|_| generate(now)).collect();
        assert_eq!(numbers.len(), 1000);
    }
}
