//! The widget's private DOM: an open shadow root on our wrapper, styled with constructable
//! stylesheets (`adoptedStyleSheets`), so the page's CSS cannot reach in, ours cannot leak out,
//! and a CSP without `'unsafe-inline'` in `style-src` does not block us.

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::dom::{append_text, document, element};
use crate::error::WidgetError;

/// A stylesheet compiled once per page and shared by every widget that adopts it.
#[derive(Debug)]
pub struct Sheet {
    /// A unique name: the cache key.
    pub name: &'static str,
    /// The CSS text.
    pub css: &'static str,
}

/// Styles every widget shares: the host box, fonts and the brand colour.
pub static BASE: Sheet = Sheet {
    name: "base",
    css: include_str!("base.css"),
};

thread_local! {
    /// Sheets already built, by name (empty where constructable stylesheets are unsupported).
    static SHEETS: RefCell<Vec<(&'static str, CssStyleSheet)>> = const { RefCell::new(Vec::new()) };
}

/// Attaches an open shadow root to `host` and adopts `sheets` into it.
pub fn attach(host: &Element, sheets: &[&'static Sheet]) -> Result<ShadowRoot, WidgetError> {
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| WidgetError::internal("attachShadow"))?;
    adopt(&shadow, sheets)?;
    Ok(shadow)
}

/// `host`'s shadow root (attached now, or the one the loader attached for the skeleton), emptied
/// and with exactly `sheets` adopted.
pub fn prepare(host: &Element, sheets: &[&'static Sheet]) -> Result<ShadowRoot, WidgetError> {
    let Some(shadow) = host.shadow_root() else {
        return attach(host, sheets);
    };
    while let Some(child) = shadow.first_child() {
        shadow
            .remove_child(&child)
            .map_err(|_| WidgetError::internal("removeChild"))?;
    }
    adopt(&shadow, sheets)?;
    Ok(shadow)
}

fn adopt(shadow: &ShadowRoot, sheets: &[&'static Sheet]) -> Result<(), WidgetError> {
    let adopted = Array::new();
    for sheet in sheets {
        match constructed(sheet) {
            Some(built) => {
                adopted.push(&built);
            }
            None => fallback_style(shadow, sheet)?,
        }
    }
    shadow.set_adopted_style_sheets(&JsValue::from(adopted));
    Ok(())
}

/// The shared `CSSStyleSheet` for `sheet`, built on first use.
fn constructed(sheet: &'static Sheet) -> Option<CssStyleSheet> {
    SHEETS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, built)) = cache.iter().find(|(name, _)| *name == sheet.name) {
            return Some(built.clone());
        }
        let built = CssStyleSheet::new().ok()?;
        built.replace_sync(sheet.css).ok()?;
        cache.push((sheet.name, built.clone()));
        Some(built)
    })
}

/// Browsers without constructable stylesheets (Safari before 16.4) get a `<style>` element; only
/// there does a strict CSP need `'unsafe-inline'`.
fn fallback_style(shadow: &ShadowRoot, sheet: &Sheet) -> Result<(), WidgetError> {
    let style = element(&document()?, "style", "");
    append_text(&style, sheet.css);
    shadow
        .append_child(&style)
        .map(drop)
        .map_err(|_| WidgetError::internal("appendChild"))
}
