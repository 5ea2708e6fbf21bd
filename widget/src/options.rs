//! Reading `PointsWidget.init(options)` (or the script tag's `data-*` attributes, which the loader
//! turns into the same object) into typed values at the edge.
//!
//! Option names follow the official loader (`type`, `lang`, `points`, `container`, `widgetUrl`,
//! `parentOrigin`, `callbackUrl`) plus ours (`price`, `multiplier`, `server`, `orderParam`).
//! `parentOrigin` is accepted and unused (nothing is posted across documents). Ours too: `digits`,
//! `priceSelector`, `env`.

use js_sys::{Number, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

use crate::error::WidgetError;
use crate::format::Digits;
use crate::lang::Lang;
#[cfg(feature = "return-page")]
use crate::origin::same_origin_server;
use crate::origin::{Env, origin_of};
use crate::points::{AmountError, Points, Price, parse_multiplier};

/// A type this bundle leaves out (the loader picks the bundle by type, so only a page loading a
/// bundle by hand sees this).
pub const NOT_BUNDLED: &str = "this bundle does not render this type";

/// Which widget to render (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetType {
    /// `points-alert`: the dismissible light-purple bar.
    PointsAlert,
    /// `points-card`: the product-page card.
    PointsCard,
    /// `installments`: the checkout explainer with "continue shopping".
    Installments,
    /// `return`: the order status on the page the hosted checkout returns to.
    Return,
}

impl WidgetType {
    /// Parses `type`.
    pub fn parse(text: Option<&str>) -> Result<Self, WidgetError> {
        match text.map(str::trim) {
            Some("points-alert") => Ok(WidgetType::PointsAlert),
            Some("points-card") => Ok(WidgetType::PointsCard),
            Some("installments") => Ok(WidgetType::Installments),
            Some("return") => Ok(WidgetType::Return),
            Some(_) => Err(WidgetError::Type("unknown type")),
            None => Err(WidgetError::Type("the type option is required")),
        }
    }

    /// The type, if this bundle renders it: the product bundle has no `return`, the return
    /// bundle nothing else (the loader picks the bundle by type).
    pub fn bundled(self) -> Result<Self, WidgetError> {
        let here = match self {
            WidgetType::Return => cfg!(feature = "return-page"),
            _ => cfg!(feature = "product"),
        };
        if here {
            Ok(self)
        } else {
            Err(WidgetError::Type(NOT_BUNDLED))
        }
    }

    /// The name as the page spelled it, for `data-points-type` and event details.
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetType::PointsAlert => "points-alert",
            WidgetType::PointsCard => "points-card",
            WidgetType::Installments => "installments",
            WidgetType::Return => "return",
        }
    }
}

/// What the caller said about the amount: `points`, or `price` with an optional `multiplier`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AmountOptions {
    /// `points`, which wins over `price` when both are given.
    pub points: Option<Points>,
    /// `price` in SAR, a decimal string or number.
    pub price: Option<Price>,
    /// `multiplier`, a whole number.
    pub multiplier: Option<u64>,
}

/// An options object from the page, read key by key.
#[derive(Debug)]
pub struct RawOptions(Object);

impl RawOptions {
    /// Wraps whatever the page passed; anything but an object reads as empty.
    pub fn new(value: JsValue) -> Self {
        RawOptions(value.dyn_into::<Object>().unwrap_or_else(|_| Object::new()))
    }

    /// The element to render into: `container` as a selector or an element in the document.
    pub fn container(&self, document: &Document) -> Result<Element, WidgetError> {
        let value = self.value("container");
        let element = match value {
            None => {
                return Err(WidgetError::Container("the container option is required"));
            }
            Some(v) if v.is_string() => {
                let selector = v.as_string().unwrap_or_default();
                document.query_selector(&selector).ok().flatten().ok_or({
                    WidgetError::Container("no element matches the container selector")
                })?
            }
            Some(v) => v.dyn_into::<Element>().map_err(|_| {
                WidgetError::Container("container must be a selector or an element")
            })?,
        };
        Ok(element)
    }

    /// `type`, one this bundle renders.
    pub fn widget_type(&self) -> Result<WidgetType, WidgetError> {
        WidgetType::parse(self.text("type").as_deref()).and_then(WidgetType::bundled)
    }

    /// `lang`: `en` gives English, anything else Arabic (the official default).
    pub fn lang(&self) -> Lang {
        Lang::parse(self.text("lang").as_deref())
    }

    /// `points`, `price` and `multiplier`; absent keys stay `None`.
    pub fn amount(&self) -> Result<AmountOptions, WidgetError> {
        let points = match self.value("points") {
            None => None,
            Some(v) => Some(match v.as_f64() {
                Some(n) => Points::from_f64(n),
                None => Points::parse(&v.as_string().unwrap_or_default()),
            })
            .transpose()
            .map_err(|e| bad("points", e))?,
        };
        let price = self.text("price").map(|t| Price::parse(&t)).transpose();
        let multiplier = self
            .text("multiplier")
            .map(|t| parse_multiplier(&t))
            .transpose();
        Ok(AmountOptions {
            points,
            price: price.map_err(|e| bad("price", e))?,
            multiplier: multiplier.map_err(|e| bad("multiplier", e))?,
        })
    }

    /// `server`: the merchant server's base URL without a trailing slash; empty means this
    /// origin. It must be on the page's own origin (`POINTS_E_ORIGIN` otherwise).
    #[cfg(feature = "return-page")]
    pub fn server(&self) -> Result<String, WidgetError> {
        let page = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        same_origin_server(&self.text("server").unwrap_or_default(), &page)
    }

    /// `digits`: `arabic` for Arabic-Indic numerals, anything else Latin.
    pub fn digits(&self) -> Option<Digits> {
        self.text("digits").map(|t| Digits::parse(Some(&t)))
    }

    /// `lang`, only when given (for updates).
    pub fn lang_given(&self) -> Option<Lang> {
        self.text("lang").map(|t| Lang::parse(Some(&t)))
    }

    /// `type`, only when given (for updates).
    pub fn type_given(&self) -> Option<Result<WidgetType, WidgetError>> {
        self.text("type")
            .map(|t| WidgetType::parse(Some(&t)).and_then(WidgetType::bundled))
    }

    /// `callbackUrl`: where "continue shopping" goes; an http(s) URL or a path on this site.
    /// Anything else (`javascript:`, `data:`, `//host`) is refused.
    pub fn callback_url(&self) -> Result<Option<String>, WidgetError> {
        let Some(url) = self.text("callbackUrl") else {
            return Ok(None);
        };
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        let absolute = (lower.starts_with("https://") || lower.starts_with("http://"))
            && origin_of(&lower).is_some();
        let ok = absolute || (url.starts_with('/') && !url.starts_with("//"));
        if ok && !url.contains('\\') && !url.chars().any(char::is_control) {
            Ok(Some(url.to_owned()))
        } else {
            Err(WidgetError::Options(
                "callbackUrl must be an http(s) URL or a path",
            ))
        }
    }

    /// `priceSelector` (`data-price-selector`): the element whose text is the current price.
    #[cfg(feature = "product")]
    pub fn price_selector(&self) -> Option<String> {
        self.text("priceSelector")
    }

    /// `env` (`data-env`).
    pub fn env(&self) -> Env {
        Env::parse(self.text("env").as_deref())
    }

    /// `widgetUrl`.
    pub fn widget_url(&self) -> Option<String> {
        self.text("widgetUrl")
    }

    /// `orderParam`: the query parameter holding the merchant's order reference.
    #[cfg(feature = "return-page")]
    pub fn order_param(&self) -> Option<String> {
        self.text("orderParam")
    }

    /// Whether `key` was given (not absent, `null` or empty).
    pub fn has(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// A key's value, `None` when absent, `undefined`, `null` or an empty string.
    fn value(&self, key: &str) -> Option<JsValue> {
        let value = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
        let empty = value.is_undefined()
            || value.is_null()
            || value.as_string().is_some_and(|s| s.trim().is_empty());
        (!empty).then_some(value)
    }

    /// A key as text: strings as they are, numbers as JavaScript prints them (`150.75`).
    fn text(&self, key: &str) -> Option<String> {
        let value = self.value(key)?;
        if let Some(text) = value.as_string() {
            return Some(text);
        }
        let number = value.as_f64()?;
        Number::from(number)
            .to_string_with_radix(10)
            .ok()
            .map(String::from)
    }
}

fn bad(option: &str, error: AmountError) -> WidgetError {
    WidgetError::Input(match (option, error) {
        ("points", AmountError::NotANumber) => "points is not a whole non-negative number",
        ("price", AmountError::NotANumber) => "price is not a non-negative number",
        ("price", AmountError::TooPrecise) => "price has more than two decimal places",
        ("multiplier", AmountError::NotANumber) => "multiplier is not a whole number from 1",
        _ => "points, price or multiplier is too large",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_types_parse_and_unknown_ones_are_errors() {
        for name in ["points-alert", "points-card", "installments", "return"] {
            let parsed = WidgetType::parse(Some(name)).map(WidgetType::as_str);
            assert_eq!(parsed, Ok(name));
        }
        assert_eq!(WidgetType::parse(Some(" return ")), Ok(WidgetType::Return));
        for input in [Some("banner"), Some("<img src=x onerror=alert(1)>"), None] {
            let code = WidgetType::parse(input).map_err(|e| e.code());
            assert_eq!(code, Err("POINTS_E_TYPE"), "{input:?}");
        }
    }
}
