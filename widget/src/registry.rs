//! The widgets alive on this page, by handle id, so `PointsWidget.destroy()` can find them all and
//! a second `init` on the same container replaces the first.
//!
//! Entries are handed out as `Rc` clones and no borrow is held while a widget runs, because the
//! page's event listeners may call back into us (`destroy()` from a `points:updated` handler).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use web_sys::Element;

use crate::widget::Mounted;

thread_local! {
    static WIDGETS: RefCell<Vec<(u32, Rc<Mounted>)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Keeps `widget` alive and returns its id.
pub fn insert(widget: Mounted) -> u32 {
    let id = NEXT_ID.with(|next| {
        let id = next.get();
        next.set(id.wrapping_add(1).max(1));
        id
    });
    WIDGETS.with(|w| w.borrow_mut().push((id, Rc::new(widget))));
    id
}

/// The widget with `id`, if still mounted.
pub fn get(id: u32) -> Option<Rc<Mounted>> {
    WIDGETS.with(|w| {
        w.borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, m)| Rc::clone(m))
    })
}

/// The widget mounted in `container`, if any.
#[cfg(feature = "product")]
pub fn in_container(container: &Element) -> Option<Rc<Mounted>> {
    WIDGETS.with(|w| {
        w.borrow()
            .iter()
            .find(|(_, m)| m.container().is_same_node(Some(container)))
            .map(|(_, m)| Rc::clone(m))
    })
}

/// Unmounts the widget with `id`.
pub fn remove(id: u32) {
    let removed = WIDGETS.with(|w| {
        let mut widgets = w.borrow_mut();
        let index = widgets.iter().position(|(i, _)| *i == id)?;
        Some(widgets.remove(index))
    });
    drop(removed);
}

/// Unmounts whatever is mounted in `container`.
pub fn remove_in(container: &Element) {
    let removed = WIDGETS.with(|w| {
        let mut widgets = w.borrow_mut();
        let (gone, kept): (Vec<_>, Vec<_>) = widgets
            .drain(..)
            .partition(|(_, m)| m.container().is_same_node(Some(container)));
        *widgets = kept;
        gone
    });
    drop(removed);
}

/// Unmounts everything.
pub fn clear() {
    let removed = WIDGETS.with(|w| std::mem::take(&mut *w.borrow_mut()));
    drop(removed);
}

/// Whether the widget with `id` is still mounted.
pub fn contains(id: u32) -> bool {
    WIDGETS.with(|w| w.borrow().iter().any(|(i, _)| *i == id))
}
