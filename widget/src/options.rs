//! Reading `PointsWidget.init(options)` (or the script tag's `data-*` attributes, which the loader
//! turns into the same object) into typed values at the edge.
//!
//! Option names follow the official loader (`type`, `lang`, `points`, `container`, `widgetUrl`,
//! `parentOrigin`, `callbackUrl`) plus ours (`price`, `multiplier`, `server`, `orderParam`).
//! `widgetUrl`, `parentOrigin` and `callbackUrl` are accepted and not used by this slice.

use js_sys::{Number, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

use crate::error::WidgetError;
use crate::lang::Lang;
use crate::points::{AmountError, Points, Price, parse_multiplier};

/// Which widget to render (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetType {
    /// `points-card`: the product-page card.
    PointsCard,
    /// `return`: the order status on the page the hosted checkout returns to.
    Return,
}

impl WidgetType {
    /// Parses `type`. The official `points-alert` and `installments` are not rendered yet.
    pub fn parse(text: Option<&str>) -> Result<Self, WidgetError> {
        match text.map(str::trim) {
            Some("points-card") => Ok(WidgetType::PointsCard),
            Some("return") => Ok(WidgetType::Return),
            Some(other @ ("points-alert" | "installments")) => Err(WidgetError::Type(format!(
                "type \"{other}\" is not supported yet"
            ))),
            Some(other) => Err(WidgetError::Type(format!("unknown type \"{other}\""))),
            None => Err(WidgetError::Type("the type option is required".into())),
        }
    }

    /// The name as the page spelled it, for `data-points-type` and event details.
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetType::PointsCard => "points-card",
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
                return Err(WidgetError::Container(
                    "the container option is required".into(),
                ));
            }
            Some(v) if v.is_string() => {
                let selector = v.as_string().unwrap_or_default();
                document
                    .query_selector(&selector)
                    .ok()
                    .flatten()
                    .ok_or_else(|| {
                        WidgetError::Container(format!("no element matches \"{selector}\""))
                    })?
            }
            Some(v) => v.dyn_into::<Element>().map_err(|_| {
                WidgetError::Container("container must be a selector or an element".into())
            })?,
        };
        Ok(element)
    }

    /// `type`.
    pub fn widget_type(&self) -> Result<WidgetType, WidgetError> {
        WidgetType::parse(self.text("type").as_deref())
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

    /// `server`: the merchant server's base URL without a trailing slash; empty means this origin.
    pub fn server(&self) -> Result<String, WidgetError> {
        let server = self.text("server").unwrap_or_default();
        let server = server.trim().trim_end_matches('/');
        let allowed = server.is_empty()
            || server.starts_with("https://")
            || server.starts_with("http://")
            || (server.starts_with('/') && !server.starts_with("//"));
        if allowed {
            Ok(server.to_owned())
        } else {
            Err(WidgetError::Options(format!(
                "server \"{server}\" must be an http(s) URL or a path"
            )))
        }
    }

    /// `orderParam`: the query parameter holding the merchant's order reference.
    pub fn order_param(&self) -> Option<String> {
        self.text("orderParam")
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
    let why = match error {
        AmountError::NotANumber => "is not a valid non-negative number",
        AmountError::TooPrecise => "has more than two decimal places",
        AmountError::TooLarge => "is too large",
    };
    WidgetError::Options(format!("{option} {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_the_official_loader_has_are_not_supported_yet_and_unknown_ones_are_errors() {
        assert_eq!(
            WidgetType::parse(Some("points-card")),
            Ok(WidgetType::PointsCard)
        );
        assert_eq!(WidgetType::parse(Some(" return ")), Ok(WidgetType::Return));
        for input in [
            Some("installments"),
            Some("points-alert"),
            Some("banner"),
            None,
        ] {
            let code = WidgetType::parse(input).map_err(|e| e.code());
            assert_eq!(code, Err("POINTS_E_TYPE"), "{input:?}");
        }
    }
}
