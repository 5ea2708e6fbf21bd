//! Small typed helpers over the DOM: building elements and dispatching our events.
//!
//! Text always goes in as text nodes (never HTML), so nothing the page passes can inject markup.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, Document, Element, EventTarget};

use crate::error::WidgetError;

/// The XML namespace of inline SVG.
pub const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// A value in an event's `detail` object.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    Num(f64),
    /// A boolean.
    #[cfg_attr(not(feature = "return-page"), allow(dead_code))]
    Bool(bool),
}

/// The page's document.
pub fn document() -> Result<Document, WidgetError> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or(WidgetError::Internal("no document"))
}

// The builders below are infallible on purpose: they only ever get our own valid tag and
// attribute names, and an error branch at each of the hundred call sites costs bytes in every
// product page. Should the browser throw anyway, the loader's guard reports POINTS_E_INTERNAL.

/// Creates `<tag class="class">`.
pub fn element(document: &Document, tag: &str, class: &str) -> Element {
    let element = document
        .create_element(tag)
        .unwrap_or_else(JsCast::unchecked_into);
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// Creates an SVG element with its presentation attributes (attributes, not inline style, so a
/// strict `style-src` does not block them).
pub fn svg(document: &Document, tag: &str, attrs: &[(&str, &str)]) -> Element {
    let element = document
        .create_element_ns(Some(SVG_NS), tag)
        .unwrap_or_else(JsCast::unchecked_into);
    for (name, value) in attrs {
        set_attr(&element, name, value);
    }
    element
}

/// Appends a text node.
pub fn append_text(parent: &Element, text: &str) {
    let _ = parent.append_with_str_1(text);
}

/// Appends a child element.
pub fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

/// Sets an attribute.
pub fn set_attr(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// Dispatches a bubbling `CustomEvent` named `name` whose `detail` holds `fields`. Listener
/// exceptions are the page's own: the browser reports them, they do not reach us.
pub fn dispatch(target: &EventTarget, name: &str, fields: &[(&str, Field<'_>)]) {
    let detail = Object::new();
    for (key, value) in fields {
        let value = match value {
            Field::Str(s) => JsValue::from_str(s),
            Field::Num(n) => JsValue::from_f64(*n),
            Field::Bool(b) => JsValue::from_bool(*b),
        };
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&detail, &JsValue::from_str(key), &value);
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}
