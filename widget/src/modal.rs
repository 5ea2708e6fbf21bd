//! The `points-card` "learn more" modal: a `<dialog>` shown with `showModal()` (top layer, the
//! page behind inert), in its own shadow host on `<body>` so no ancestor's `overflow` or
//! `z-index` can clip it. `role="dialog"`, `aria-modal`, labelled by its headline; Tab and
//! Shift+Tab wrap inside it, Esc and the close buttons close it and focus returns to the trigger.
//! The entrance animation is off under `prefers-reduced-motion`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, Event, HtmlDialogElement, HtmlElement, KeyboardEvent};

use crate::dom::{append, append_text, document, element, set_attr};
use crate::error::WidgetError;
use crate::explainer::{self, TITLE_ID};
use crate::format::Digits;
use crate::lang::Lang;
use crate::listener::EventListener;
use crate::number::PointsRuns;
use crate::points::Points;
use crate::shadow::{BASE, Sheet, attach};

/// The modal's styles (shared with the `installments` view).
pub static STYLE: Sheet = Sheet {
    name: "explainer",
    css: include_str!("explainer.css"),
};

/// Where an open modal lives; `None` when closed.
pub type Slot = Rc<RefCell<Option<Modal>>>;

/// An open modal. Dropping it removes it from the page.
#[derive(Debug)]
pub struct Modal {
    host: Element,
    trigger: HtmlElement,
    _listeners: Vec<EventListener>,
}

impl Drop for Modal {
    fn drop(&mut self) {
        self.host.remove();
    }
}

/// Opens the modal into `slot` (closing any modal already there).
pub fn open(
    slot: &Slot,
    trigger: &HtmlElement,
    lang: Lang,
    digits: Digits,
    points: Points,
) -> Result<(), WidgetError> {
    close(slot);
    let doc = document()?;
    let body = doc.body().ok_or(WidgetError::Internal("no body"))?;
    let host = element(&doc, "div", "pk-modal-host");
    set_attr(&host, "dir", lang.dir());
    set_attr(&host, "lang", lang.code());
    append(&body, &host);
    let shadow = attach(&host, &[&BASE, &STYLE])?;

    let dialog = element(&doc, "dialog", "pk-modal");
    set_attr(&dialog, "role", "dialog");
    set_attr(&dialog, "aria-modal", "true");
    set_attr(&dialog, "aria-labelledby", TITLE_ID);
    let close_x = element(&doc, "button", "pk-close");
    set_attr(&close_x, "type", "button");
    set_attr(&close_x, "aria-label", lang.pick("إغلاق", "Close"));
    append_text(&close_x, "×");
    append(&dialog, &close_x);
    let mut runs = PointsRuns::new(lang, digits);
    explainer::build(&doc, &dialog, lang, digits, &mut runs)?;
    runs.fill(points)?;
    let done = element(&doc, "button", "pk-cta");
    set_attr(&done, "type", "button");
    append_text(&done, lang.pick("تابع التسوّق", "Continue shopping"));
    append(&dialog, &done);
    shadow
        .append_child(&dialog)
        .map_err(|_| WidgetError::internal("appendChild"))?;

    let weak = Rc::downgrade(slot);
    let first: HtmlElement = close_x.clone().unchecked_into();
    let last: HtmlElement = done.clone().unchecked_into();
    let keys = {
        let (weak, first, last) = (weak.clone(), first.clone(), last.clone());
        move |event: Event| on_key(&weak, &first, &last, &event)
    };
    let closer = |weak: &Weak<RefCell<Option<Modal>>>| {
        let weak = weak.clone();
        move |event: Event| {
            event.prevent_default();
            close_weak(&weak);
        }
    };
    let backdrop = {
        let (weak, dialog) = (weak.clone(), dialog.clone());
        // A click on the dialog element itself (not its content) is a click on the backdrop.
        move |event: Event| {
            if event
                .target()
                .is_some_and(|t| dialog.is_same_node(t.dyn_ref()))
            {
                close_weak(&weak);
            }
        }
    };
    let listeners = [
        EventListener::new(&dialog, "keydown", keys),
        EventListener::new(&dialog, "cancel", closer(&weak)),
        EventListener::new(&dialog, "click", backdrop),
        EventListener::new(&close_x, "click", closer(&weak)),
        EventListener::new(&done, "click", closer(&weak)),
    ];
    let dialog: HtmlDialogElement = dialog.unchecked_into();
    if dialog.show_modal().is_err() {
        let _ = dialog.set_attribute("open", "");
    }
    let _ = first.focus();
    *slot.borrow_mut() = Some(Modal {
        host,
        trigger: trigger.clone(),
        _listeners: listeners.into_iter().flatten().collect(),
    });
    Ok(())
}

/// Closes the modal in `slot`, if any, and puts focus back on its trigger.
pub fn close(slot: &Slot) {
    let modal = slot.borrow_mut().take();
    if let Some(modal) = modal {
        modal.host.remove();
        let _ = modal.trigger.focus();
        // We may be inside one of its listeners: free them once this event is over.
        let later = Closure::once_into_js(move || drop(modal));
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(later.unchecked_ref());
        }
    }
}

fn close_weak(weak: &Weak<RefCell<Option<Modal>>>) {
    if let Some(slot) = weak.upgrade() {
        close(&slot);
    }
}

/// Esc closes; Tab from the last control goes to the first and Shift+Tab the other way.
fn on_key(
    weak: &Weak<RefCell<Option<Modal>>>,
    first: &HtmlElement,
    last: &HtmlElement,
    event: &Event,
) {
    let Some(key) = event.dyn_ref::<KeyboardEvent>() else {
        return;
    };
    match key.key().as_str() {
        "Escape" => {
            event.prevent_default();
            close_weak(weak);
        }
        "Tab" => {
            let target = event.target();
            let on = |el: &HtmlElement| {
                target
                    .as_ref()
                    .is_some_and(|t| el.is_same_node(t.dyn_ref()))
            };
            let to = if key.shift_key() {
                on(first).then_some(last)
            } else {
                on(last).then_some(first)
            };
            if let Some(to) = to {
                event.prevent_default();
                let _ = to.focus();
            }
        }
        _ => {}
    }
}
