//! Turning a failure into what the page sees: one console line, `data-state="error"` and a
//! `points:error` event with a stable code. The loader does the same for failures before the
//! wasm runs, with the same line format (`[points-widget] CODE: message`).

use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::dom::{Field, dispatch};
use crate::error::WidgetError;

/// The attribute on the container that tells the page (and tests) where the widget is.
pub const STATE_ATTR: &str = "data-state";

/// Reports `error` on `container`, or on the document when there is no container to speak of.
pub fn report(container: Option<&Element>, error: &WidgetError) {
    log_error(&[error.code(), ": ", error.message()].concat());
    match container {
        Some(element) => {
            let _ = element.set_attribute(STATE_ATTR, "error");
            dispatch(element, "points:error", &fields(error));
        }
        None => {
            if let Ok(document) = crate::dom::document() {
                dispatch(document.unchecked_ref(), "points:error", &fields(error));
            }
        }
    }
}

/// Sets the container's `data-state`.
pub fn set_state(container: &Element, state: &str) {
    let _ = container.set_attribute(STATE_ATTR, state);
}

/// One `console.error` line, prefixed so merchants can grep for it.
pub fn log_error(message: &str) {
    web_sys::console::error_1(&["[points-widget] ", message].concat().into());
}

fn fields(error: &WidgetError) -> [(&'static str, Field<'_>); 2] {
    [
        ("code", Field::Str(error.code())),
        ("message", Field::Str(error.message())),
    ]
}
