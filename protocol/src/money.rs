//! Money in SAR, held as integer halalas (1 SAR = 100 halalas).
//!
//! Points sends and receives amounts as JSON numbers (floats, API.md §2). Floats never travel
//! inward: they are rounded to the nearest halala at the edge and arithmetic is on integers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of Saudi riyals, non-negative, in halalas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sar(u64);

/// Why a money value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseMoneyError {
    #[error("amount must be a number")]
    NotANumber,
    #[error("amount must be at least 0")]
    Negative,
    #[error("amount has more than two decimal places")]
    TooPrecise,
    #[error("amount is too large")]
    TooLarge,
}

/// The largest amount accepted: 10 billion SAR keeps every product of amounts well inside u64.
const MAX_HALALAS: u64 = 1_000_000_000_000;

impl Sar {
    pub const ZERO: Sar = Sar(0);

    pub const fn from_halalas(halalas: u64) -> Self {
        Sar(halalas)
    }

    pub const fn halalas(self) -> u64 {
        self.0
    }

    /// Parses a decimal string such as `"150.75"`, `"12"` or `"0.5"` exactly.
    pub fn parse(text: &str) -> Result<Self, ParseMoneyError> {
        let text = text.trim();
        if text.starts_with('-') {
            return Err(ParseMoneyError::Negative);
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(ParseMoneyError::NotANumber);
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(ParseMoneyError::NotANumber);
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(ParseMoneyError::TooPrecise);
        }
        let riyals: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| ParseMoneyError::TooLarge)?
        };
        let halalas: u64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| ParseMoneyError::NotANumber)?;
        let total = riyals.checked_mul(100).and_then(|r| r.checked_add(halalas));
        match total {
            Some(total) if total <= MAX_HALALAS => Ok(Sar(total)),
            _ => Err(ParseMoneyError::TooLarge),
        }
    }

    /// Converts a JSON float to halalas, rounding to the nearest halala (Points' own amounts
    /// such as `150.75` are not exact in binary).
    pub fn from_f64(value: f64) -> Result<Self, ParseMoneyError> {
        if !value.is_finite() {
            return Err(ParseMoneyError::NotANumber);
        }
        if value < 0.0 {
            return Err(ParseMoneyError::Negative);
        }
        let halalas = (value * 100.0).round();
        if halalas > MAX_HALALAS as f64 {
            return Err(ParseMoneyError::TooLarge);
        }
        // In range and non-negative, checked just above.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Sar(halalas as u64))
    }

    /// The value as Points' JSON wants it.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn checked_add(self, other: Sar) -> Option<Sar> {
        self.0
            .checked_add(other.0)
            .filter(|t| *t <= MAX_HALALAS)
            .map(Sar)
    }

    pub fn checked_sub(self, other: Sar) -> Option<Sar> {
        self.0.checked_sub(other.0).map(Sar)
    }

    pub fn checked_mul(self, quantity: u64) -> Option<Sar> {
        self.0
            .checked_mul(quantity)
            .filter(|t| *t <= MAX_HALALAS)
            .map(Sar)
    }

    /// `floor(amount × multiplier)` in whole points: the sandbox's earning rule (API.md §12).
    pub fn points_at(self, multiplier: u64) -> u64 {
        self.0 * multiplier / 100
    }
}

impl fmt::Display for Sar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Sar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Sar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Sar::from_f64(n),
            // Points' merchant-level events send amounts as strings ("1500.00", API.md §6.1).
            Raw::Text(s) => Sar::parse(&s),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<u64, ParseMoneyError>) {
        assert_eq!(
            Sar::parse(input).map(Sar::halalas),
            expect,
            "parsing {input:?}"
        );
    }

    #[test]
    fn parses_decimal_strings_exactly() {
        check("150.75", Ok(15075));
        check("12", Ok(1200));
        check("0.5", Ok(50));
        check(".5", Ok(50));
        check("19.990", Ok(1999));
        check("-1", Err(ParseMoneyError::Negative));
        check("1.234", Err(ParseMoneyError::TooPrecise));
        check("abc", Err(ParseMoneyError::NotANumber));
        check("", Err(ParseMoneyError::NotANumber));
        check("1e3", Err(ParseMoneyError::NotANumber));
        check("99999999999999999999", Err(ParseMoneyError::TooLarge));
    }

    #[test]
    fn floats_round_to_the_nearest_halala() {
        assert_eq!(Sar::from_f64(150.75).map(Sar::halalas), Ok(15075));
        assert_eq!(Sar::from_f64(0.1 + 0.2).map(Sar::halalas), Ok(30));
        assert_eq!(Sar::from_f64(-0.01), Err(ParseMoneyError::Negative));
        assert_eq!(Sar::from_f64(f64::NAN), Err(ParseMoneyError::NotANumber));
    }

    #[test]
    fn earning_points_are_floored() {
        assert_eq!(Sar::from_halalas(15075).points_at(10), 1507);
        assert_eq!(Sar::from_halalas(11500).points_at(20), 2300);
    }

    #[test]
    fn json_round_trip_keeps_the_amount() {
        let amount: Sar = serde_json::from_str("150.75").expect("number");
        assert_eq!(serde_json::to_string(&amount).expect("serialise"), "150.75");
        let text: Sar = serde_json::from_str("\"1500.00\"").expect("string");
        assert_eq!(text.halalas(), 150_000);
    }
}
