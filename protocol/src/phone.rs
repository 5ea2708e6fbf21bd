//! Saudi mobile numbers, normalised as Points does (API.md §2): `5` followed by 8 digits.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A KSA mobile number in Points' canonical form `5XXXXXXXX`.
///
/// `Debug` and `Display` mask the middle digits (`5*****678`): phone numbers are personal data
/// and must never reach a log line whole. Use [`PhoneNumber::expose`] where the full number is
/// needed (the request body sent to Points).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParsePhoneError {
    #[error("The phone number format is invalid.")]
    Invalid,
}

impl PhoneNumber {
    /// Accepts `+966XXXXXXXXX`, `00966…`, `966…`, `05…` and bare `5…`, with spaces and dashes.
    pub fn parse(input: &str) -> Result<Self, ParsePhoneError> {
        let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let national = ["+966", "00966", "966", "0"]
            .iter()
            .find_map(|prefix| compact.strip_prefix(prefix))
            .unwrap_or(&compact);
        let valid = national.len() == 9
            && national.starts_with('5')
            && national.bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(PhoneNumber(national.to_owned()))
        } else {
            Err(ParsePhoneError::Invalid)
        }
    }

    /// The full canonical number, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `5*****678`: first digit and last three.
    pub fn masked(&self) -> String {
        format!("{}*****{}", &self.0[..1], &self.0[6..])
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        PhoneNumber::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<&str>) {
        let parsed = PhoneNumber::parse(input).ok();
        assert_eq!(
            parsed.as_ref().map(PhoneNumber::expose),
            expect,
            "parsing {input:?}"
        );
    }

    #[test]
    fn normalises_every_documented_form() {
        check("+966512345678", Some("512345678"));
        check("00966512345678", Some("512345678"));
        check("966512345678", Some("512345678"));
        check("0512345678", Some("512345678"));
        check("512345678", Some("512345678"));
        check("+966 51-234-5678", Some("512345678"));
    }

    #[test]
    fn rejects_what_is_not_a_saudi_mobile() {
        check("412345678", None);
        check("51234567", None);
        check("5123456789", None);
        check("5123a5678", None);
        check("", None);
        check("+9665", None);
    }

    #[test]
    fn debug_and_display_never_show_the_whole_number() {
        let phone = PhoneNumber::parse("512345678").expect("valid");
        assert_eq!(phone.to_string(), "5*****678");
        assert!(!format!("{phone:?}").contains("512345678"));
    }
}
