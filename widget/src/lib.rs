//! points-kit's storefront widget: the Points "Widgets Messaging" loader API, rendered by
//! WebAssembly into a Shadow DOM in the page instead of an iframe.
//!
//! `widget/js/widget-loader.js` is what storefronts include; it loads this module and calls the
//! functions exported here. Built with `cargo build -p widget --target wasm32-unknown-unknown
//! --profile widget`, then `wasm-bindgen --target web --out-name points_widget`.
//!
//! The JS boundary is this file: everything below it takes typed values.

use wasm_bindgen::prelude::*;

mod card;
mod dom;
mod error;
mod fetch;
mod format;
mod icon;
mod lang;
mod listener;
mod options;
mod order;
mod panic;
mod points;
mod registry;
mod report;
mod schedule;
mod shadow;
mod status;
mod task;
mod timer;
mod widget;

pub use error::WidgetError;
pub use lang::Lang;
pub use order::{OrderReference, OrderState};
pub use points::{AmountError, Points, Price};
pub use schedule::PollSchedule;

use options::RawOptions;

/// Runs once when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    panic::install_hook();
}

/// Mounts a widget. `options` is the object given to `PointsWidget.init` (`container` a selector
/// or an element). Never throws: failures are reported on the container (or on `document` when
/// there is no container) and the returned handle is inert.
#[wasm_bindgen]
pub fn mount(options: JsValue) -> Handle {
    let options = RawOptions::new(options);
    let Some(container) = widget::resolve_container(&options) else {
        return Handle { id: 0 };
    };
    // A second init on the same container replaces the first, as the official playground does.
    registry::remove_in(&container);
    match widget::mount(&container, &options) {
        Some(mounted) => Handle {
            id: registry::insert(mounted),
        },
        None => Handle { id: 0 },
    }
}

/// `PointsWidget.destroy()`: unmounts every widget on the page.
#[wasm_bindgen(js_name = destroyAll)]
pub fn destroy_all() {
    registry::clear();
}

/// One mounted widget, as returned by [`mount`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct Handle {
    /// The registry id; 0 for a widget that failed to mount.
    id: u32,
}

#[wasm_bindgen]
impl Handle {
    /// `handle.update({points})` or `({price, multiplier})`; a no-op once destroyed.
    pub fn update(&self, options: JsValue) {
        if let Some(widget) = registry::get(self.id) {
            widget.update(&RawOptions::new(options));
        }
    }

    /// Removes the widget, its listeners and timers. Idempotent.
    pub fn destroy(&self) {
        registry::remove(self.id);
    }

    /// Whether the widget is still on the page.
    #[wasm_bindgen(getter)]
    pub fn mounted(&self) -> bool {
        registry::contains(self.id)
    }
}
