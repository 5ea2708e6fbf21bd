//! How many points a product earns: the merchant's `points`, or our `price × multiplier`.
//!
//! Pure integer arithmetic. A price such as `"150.75"` is parsed exactly into halalas (the same
//! rules as `protocol::Sar::parse`, which the widget does not link to keep serde out of the
//! bundle); nothing is ever multiplied as a float.

/// The sandbox's default earning multiplier (API.md §12), used when `price` comes without one.
pub const DEFAULT_MULTIPLIER: u64 = 10;

/// Largest point count we display: beyond this a JS number (which `Intl` formats) is inexact.
const MAX_POINTS: u64 = (1 << 53) - 1;

/// The largest price accepted: 10 billion SAR, like the server.
const MAX_HALALAS: u64 = 1_000_000_000_000;

/// A product price in halalas (1 SAR = 100 halalas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price(u64);

/// A whole number of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Points(u64);

/// Why a `points`, `price` or `multiplier` value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a plain non-negative decimal number.
    NotANumber,
    /// A price with more than two decimal places (sub-halala).
    TooPrecise,
    /// Out of the supported range.
    TooLarge,
}

impl Price {
    /// Parses `"150.75"`, `"12"`, `".5"` or `"10.500"` exactly; rejects signs, exponents and
    /// more than two significant decimals.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(AmountError::NotANumber);
        }
        if !all_digits(whole) || !all_digits(fraction) {
            return Err(AmountError::NotANumber);
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(AmountError::TooPrecise);
        }
        let riyals = parse_u64(whole)?;
        let mut halalas = parse_u64(fraction)?;
        if fraction.len() == 1 {
            halalas *= 10;
        }
        riyals
            .checked_mul(100)
            .and_then(|r| r.checked_add(halalas))
            .filter(|total| *total <= MAX_HALALAS)
            .map(Price)
            .ok_or(AmountError::TooLarge)
    }

    /// The price in halalas.
    pub fn halalas(self) -> u64 {
        self.0
    }

    /// `floor(price × multiplier)`, exactly. (u64 suffices for our ranges: 10^12 halalas × a
    /// multiplier of 1,000 is 10^15; u128 division would add a kilobyte of wasm.)
    pub fn points_at(self, multiplier: u64) -> Result<Points, AmountError> {
        let product = self
            .0
            .checked_mul(multiplier)
            .ok_or(AmountError::TooLarge)?;
        Points::new(product / 100)
    }
}

impl Points {
    /// A point count, rejected above 2^53 − 1.
    pub fn new(value: u64) -> Result<Self, AmountError> {
        if value > MAX_POINTS {
            Err(AmountError::TooLarge)
        } else {
            Ok(Points(value))
        }
    }

    /// Parses the `points` option given as text (`data-points="300"`): digits only.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let text = text.trim();
        if text.is_empty() || !all_digits(text) {
            return Err(AmountError::NotANumber);
        }
        Points::new(parse_u64(text)?)
    }

    /// The `points` option given as a JS number: non-negative and whole.
    pub fn from_f64(value: f64) -> Result<Self, AmountError> {
        if !value.is_finite() || value < 0.0 || value.fract() != 0.0 {
            return Err(AmountError::NotANumber);
        }
        if value > MAX_POINTS as f64 {
            return Err(AmountError::TooLarge);
        }
        // Whole, non-negative and at most 2^53 − 1, checked just above: the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Points(value as u64))
    }

    /// The count.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Parses the `multiplier` option: a whole number from 1 to 1,000.
pub fn parse_multiplier(text: &str) -> Result<u64, AmountError> {
    let text = text.trim();
    if text.is_empty() || !all_digits(text) {
        return Err(AmountError::NotANumber);
    }
    match parse_u64(text)? {
        0 => Err(AmountError::NotANumber),
        m if m > 1000 => Err(AmountError::TooLarge),
        m => Ok(m),
    }
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

/// Digits only (checked by the callers); empty is zero.
fn parse_u64(digits: &str) -> Result<u64, AmountError> {
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse().map_err(|_| AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_price(input: &str, expect: Result<u64, AmountError>) {
        assert_eq!(
            Price::parse(input).map(Price::halalas),
            expect,
            "price {input:?}"
        );
    }

    #[test]
    fn prices_parse_exactly_into_halalas() {
        check_price("150.75", Ok(15075));
        check_price("19.99", Ok(1999));
        check_price("12", Ok(1200));
        check_price("0.5", Ok(50));
        check_price(".5", Ok(50));
        check_price("7.", Ok(700));
        check_price(" 10.500 ", Ok(1050));
        check_price("0.07", Ok(7));
        check_price("", Err(AmountError::NotANumber));
        check_price(".", Err(AmountError::NotANumber));
        check_price("-1", Err(AmountError::NotANumber));
        check_price("1e3", Err(AmountError::NotANumber));
        check_price("1,000", Err(AmountError::NotANumber));
        check_price("1.005", Err(AmountError::TooPrecise));
        check_price("10000000001", Err(AmountError::TooLarge));
        check_price("99999999999999999999999", Err(AmountError::TooLarge));
    }

    #[test]
    fn points_are_price_times_multiplier_floored() {
        let points = |price: &str, m: u64| Price::parse(price).and_then(|p| p.points_at(m));
        assert_eq!(points("150.75", 10), Ok(Points(1507)));
        assert_eq!(points("19.99", 3), Ok(Points(59)));
        // 0.29 × 100 is 28.999… in binary floating point; integers get it right.
        assert_eq!(points("0.29", 100), Ok(Points(29)));
        assert_eq!(points("1.15", 100), Ok(Points(115)));
        assert_eq!(points("0.09", 10), Ok(Points(0)));
        assert_eq!(points("10000000000", 1000), Ok(Points(10_000_000_000_000)));
        assert_eq!(Price(u64::MAX).points_at(2), Err(AmountError::TooLarge));
    }

    #[test]
    fn points_option_accepts_whole_non_negative_numbers_only() {
        assert_eq!(Points::parse("300"), Ok(Points(300)));
        assert_eq!(Points::parse("300.5"), Err(AmountError::NotANumber));
        assert_eq!(Points::parse("-3"), Err(AmountError::NotANumber));
        assert_eq!(Points::from_f64(250.0), Ok(Points(250)));
        assert_eq!(Points::from_f64(2.5), Err(AmountError::NotANumber));
        assert_eq!(Points::from_f64(f64::NAN), Err(AmountError::NotANumber));
        assert_eq!(Points::from_f64(1e300), Err(AmountError::TooLarge));
    }

    #[test]
    fn multiplier_is_a_whole_number_from_one_to_a_thousand() {
        assert_eq!(parse_multiplier("3"), Ok(3));
        assert_eq!(parse_multiplier("0"), Err(AmountError::NotANumber));
        assert_eq!(parse_multiplier("1.5"), Err(AmountError::NotANumber));
        assert_eq!(parse_multiplier("1001"), Err(AmountError::TooLarge));
    }
}
