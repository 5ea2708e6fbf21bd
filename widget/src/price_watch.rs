//! `priceSelector` (`data-price-selector`): follow the page's price element with a
//! `MutationObserver`, so a variant change updates the points in the same frame (the observer
//! runs as a microtask after the page's own script), with no timers and no polling.

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, MutationObserver, MutationObserverInit};

use crate::dom::document;
use crate::error::WidgetError;
use crate::points::Price;
use crate::registry;

/// Observes one element; disconnects on drop.
#[derive(Debug)]
pub struct PriceWatch {
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(Array, MutationObserver)>,
}

impl PriceWatch {
    /// Watches `price` for the widget mounted in `container`. `None` if the browser refuses.
    pub fn new(price: &Element, container: &Element) -> Option<Self> {
        let (source, container) = (price.clone(), container.clone());
        let callback = Closure::<dyn FnMut(Array, MutationObserver)>::new(
            move |_: Array, _: MutationObserver| {
                if let Some(widget) = registry::in_container(&container) {
                    widget.price_changed(&source.text_content().unwrap_or_default());
                }
            },
        );
        let observer = MutationObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_character_data(true);
        init.set_subtree(true);
        observer.observe_with_options(price, &init).ok()?;
        Some(PriceWatch {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for PriceWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The element `selector` names, or `POINTS_E_OPTIONS`.
pub fn find(selector: &str) -> Result<Element, WidgetError> {
    document()?
        .query_selector(selector)
        .ok()
        .flatten()
        .ok_or(WidgetError::Options("priceSelector matches no element"))
}

/// The price in a price element's text: "150.75 ر.س", "SAR 1,299.00", "١٥٠٫٧٥". The first number
/// in the text; `None` when there is none, or it is negative or not a valid price.
pub fn read_price(text: &str) -> Option<Price> {
    let mut number = String::new();
    let mut previous = ' ';
    for c in text.chars() {
        let c = match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٫' => '.',
            _ => c,
        };
        if c.is_ascii_digit() || (c == '.' && !number.is_empty()) {
            if number.is_empty() && previous == '-' {
                return None;
            }
            number.push(c);
        } else if matches!(c, ',' | '٬' | '\u{a0}' | '\u{202f}') && !number.is_empty() {
            // A group separator inside the number.
        } else if !number.is_empty() {
            break;
        }
        previous = c;
    }
    Price::parse(number.trim_end_matches('.')).ok()
}

#[cfg(test)]
mod tests {
    use super::read_price;

    #[test]
    fn prices_are_read_from_page_text() {
        let halalas = |t: &str| read_price(t).map(crate::points::Price::halalas);
        assert_eq!(halalas("150.75 ر.س"), Some(15075));
        assert_eq!(halalas("SAR 1,299.00"), Some(129_900));
        assert_eq!(halalas("١٥٠٫٧٥ ر.س"), Some(15075));
        assert_eq!(halalas("  99 "), Some(9900));
        assert_eq!(halalas("-5"), None);
        assert_eq!(halalas("free"), None);
        assert_eq!(halalas("<img src=x onerror=alert()>"), None);
        assert_eq!(halalas("<b>12</b>"), Some(1200));
    }
}
