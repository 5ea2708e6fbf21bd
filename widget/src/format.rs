//! Numbers as the shopper reads them: `Intl.NumberFormat` with Latin digits and grouping.

use js_sys::{Array, Intl, Object};
use wasm_bindgen::JsValue;

use crate::lang::Lang;
use crate::points::Points;

/// "1,507" in both languages (the official widgets use Latin digits in Arabic too).
pub fn format_points(points: Points, lang: Lang) -> String {
    let locales = Array::of1(&JsValue::from_str(lang.number_locale()));
    let format = Intl::NumberFormat::new(&locales, &Object::new()).format();
    // Points are at most 2^53 − 1, so the f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let value = JsValue::from_f64(points.get() as f64);
    format
        .call1(&JsValue::UNDEFINED, &value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| group_thousands(points.get()))
}

/// The fallback when `Intl` misbehaves: ASCII digits with `,` every three.
fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn fallback_groups_by_three() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1507), "1,507");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
