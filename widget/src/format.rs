//! Numbers as the shopper reads them: `Intl.NumberFormat` with grouping, in Latin digits (the
//! official widgets' choice, also in Arabic) or Arabic-Indic ones (`digits: "arabic"`).
// Only the product types show numbers; the return bundle keeps the types, not the formatting.
#![cfg_attr(not(feature = "product"), allow(dead_code))]

use js_sys::{Array, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::lang::Lang;
use crate::points::Points;

/// Which numerals to write (`digits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Digits {
    /// 0–9, the default.
    #[default]
    Latin,
    /// ٠–٩ (`Intl` numbering system `arab`).
    Arabic,
}

impl Digits {
    /// `arabic` (or `arab`) selects Arabic-Indic numerals; anything else is Latin.
    pub fn parse(text: Option<&str>) -> Self {
        match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("arabic" | "arab") => Digits::Arabic,
            _ => Digits::Latin,
        }
    }

    fn numbering_system(self) -> &'static str {
        match self {
            Digits::Latin => "latn",
            Digits::Arabic => "arab",
        }
    }
}

/// "1,507" (or "١٬٥٠٧" with Arabic digits in Arabic).
pub fn format_points(points: Points, lang: Lang, digits: Digits) -> String {
    let locales = Array::of1(&JsValue::from_str(lang.number_locale()));
    let options = Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(
        &options,
        &"numberingSystem".into(),
        &digits.numbering_system().into(),
    );
    let format = Intl::NumberFormat::new(&locales, &options).format();
    // Points are at most 2^53 − 1, so the f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let value = JsValue::from_f64(points.get() as f64);
    format
        .call1(&JsValue::UNDEFINED, &value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| group_thousands(points.get()))
}

/// `format_points` for a number known to be small (step numbers, "2X").
pub fn format_small(n: u64, lang: Lang, digits: Digits) -> String {
    format_points(Points::new(n).unwrap_or_default(), lang, digits)
}

/// The fallback when `Intl` misbehaves: ASCII digits with `,` every three.
fn group_thousands(mut value: u64) -> String {
    // By hand: `to_string` would pull the formatting machinery into the bundle.
    let mut reversed = Vec::new();
    loop {
        if reversed.len() % 4 == 3 {
            reversed.push(b',');
        }
        #[allow(clippy::cast_possible_truncation)] // a single digit
        reversed.push(b'0' + (value % 10) as u8);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    reversed.iter().rev().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::{Digits, group_thousands};

    #[test]
    fn digits_default_to_latin() {
        assert_eq!(Digits::parse(Some(" Arabic ")), Digits::Arabic);
        assert_eq!(Digits::parse(Some("arab")), Digits::Arabic);
        assert_eq!(Digits::parse(Some("<b>")), Digits::Latin);
        assert_eq!(Digits::parse(None), Digits::Latin);
    }

    #[test]
    fn fallback_groups_by_three() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1507), "1,507");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
