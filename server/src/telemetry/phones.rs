//! Masking Saudi mobile numbers in free text, however they are written: `0512345678`,
//! `+966512345678`, `00966512345678`, `512345678`, and the same grouped with spaces or dashes
//! (`+966 51 234 5678`, `051-234-5678`, `0512 345 678`).
//!
//! A number is masked to its first national digit and its last three (`5*****678`), so a
//! support engineer can still tell two shoppers apart. What else looks like digits in a log
//! line stays: amounts, ids, timestamps, and order numbers (`PK-260418-51234567`, whose digit
//! groups follow a letter and a dash, see [`crate::order_number`]).

/// Masks every KSA mobile number in `text`.
pub fn mask_phones(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match phone_at(bytes, i) {
            Some(phone) => {
                out.push_str(&text[copied..phone.from]);
                out.push_str(&phone.national[..1]);
                out.push_str("*****");
                out.push_str(&phone.national[6..]);
                copied = phone.to;
                i = phone.to;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// A phone number found in text: its byte range (a leading `+` included) and national digits.
struct Phone {
    from: usize,
    to: usize,
    national: String,
}

/// The longest form, `00966` and nine national digits.
const MAX_DIGITS: usize = 14;

/// The phone number that starts at `start`, if one does. It must start a run of digits that
/// is not a later group of a dashed identifier (`PK-260418-…`, a UUID), may group its digits
/// with single spaces or single dashes (one kind per number), and must end where the digits
/// end: `5123456789` is not `512345678` followed by a `9`.
fn phone_at(bytes: &[u8], start: usize) -> Option<Phone> {
    if !bytes[start].is_ascii_digit() || (start > 0 && bytes[start - 1].is_ascii_digit()) {
        return None;
    }
    let dashed_group =
        start >= 2 && bytes[start - 1] == b'-' && bytes[start - 2].is_ascii_alphanumeric();
    if dashed_group {
        return None;
    }
    let mut digits = String::with_capacity(MAX_DIGITS);
    let mut separator = None;
    let mut i = start;
    while i < bytes.len() && digits.len() < MAX_DIGITS {
        let byte = bytes[i];
        if byte.is_ascii_digit() {
            digits.push(char::from(byte));
            i += 1;
            if let Some(national) = national_mobile(&digits) {
                if bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
                let from = if start > 0 && bytes[start - 1] == b'+' {
                    start - 1
                } else {
                    start
                };
                return Some(Phone {
                    from,
                    to: i,
                    national: national.to_owned(),
                });
            }
        } else if matches!(byte, b' ' | b'-')
            && separator.is_none_or(|s| s == byte)
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            separator = Some(byte);
            i += 1;
        } else {
            return None;
        }
    }
    None
}

/// The nine national digits of a mobile number written as `digits`, if it is one. The forms
/// have distinct prefixes, so the first length at which `digits` is a number is the only one.
fn national_mobile(digits: &str) -> Option<&str> {
    let national = match digits.len() {
        9 => digits,
        10 => digits.strip_prefix('0')?,
        12 => digits.strip_prefix("966")?,
        14 => digits.strip_prefix("00966")?,
        _ => return None,
    };
    national.starts_with('5').then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(mask_phones(input), expect, "masking {input:?}");
    }

    #[test]
    fn every_unspaced_form_is_masked() {
        check("phone 512345678 end", "phone 5*****678 end");
        check("0512345678", "5*****678");
        check("+966512345678", "5*****678");
        check("966512345678,00966512345678", "5*****678,5*****678");
        check(
            r#""phone_number":"0551234567""#,
            r#""phone_number":"5*****567""#,
        );
    }

    #[test]
    fn numbers_grouped_with_spaces_or_dashes_are_masked() {
        check("+966 51 234 5678", "5*****678");
        check("call 051-234-5678 now", "call 5*****678 now");
        check("0512 345 678", "5*****678");
        check("00966 51 234 5678", "5*****678");
        check("+966-51-234-5678", "5*****678");
        check("+966 5 1234 5678", "5*****678");
        check("51 234 5678", "5*****678");
        check(
            r#"{"phone_number":"+966 55 123 4567"}"#,
            r#"{"phone_number":"5*****567"}"#,
        );
        // A count or an id before the number is a separate number.
        check("3 0512345678", "3 5*****678");
        check("0512345678 9", "5*****678 9");
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "total_halalas=15075 id=612345678",
            "uuid 550e8400-e29b-41d4-a716-446655440000",
            "uuid 05123456-7890-41d4-a716-446655440000",
            "5123456789 and 51234567",
            "ts 2026-04-18T10:05:12.123Z",
            "2026-05-12 12:34:56",
            // Order numbers: `PK-yymmdd-XXXXXXXX`, even followed by a digit.
            "order PK-260418-51234567 8 items",
            "PK-260512-34567890",
            "PK-051234-5678ABCD",
            // Two groups joined by a space and a dash are not one number.
            "05-12-2026 10:30",
            "amount 5123456.78",
        ] {
            check(text, text);
        }
    }
}
