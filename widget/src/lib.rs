//! points-kit's storefront widget: the Points "Widgets Messaging" loader API, rendered by
//! WebAssembly into a Shadow DOM in the page instead of an iframe.
//!
//! `widget/js/widget-loader.js` is what storefronts include; it loads this module and calls the
//! functions exported here. Built by `cargo xtask widget` (per bundle: `cargo build -p widget
//! --target wasm32-unknown-unknown --no-default-features --features product --profile widget`,
//! then `wasm-bindgen --target no-modules`, then `wasm-opt`).
//!
//! # The contract
//!
//! - **Script tag** (auto-init): `data-type`, `data-lang`, `data-points`, `data-container` (the
//!   official four) and ours: `data-price`, `data-multiplier`, `data-digits`, `data-env`,
//!   `data-price-selector`, `data-callback-url`, `data-widget-url`, `data-server`,
//!   `data-order-param`.
//! - **`PointsWidget.init(options)`** with the same names in camelCase (`type`, `lang`, `points`,
//!   `container`, `widgetUrl`, `parentOrigin`, `callbackUrl`, `price`, `multiplier`, `digits`,
//!   `env`, `priceSelector`, `server`, `orderParam`) returns a handle with `update(options)`
//!   (`points`, `price`, `multiplier`: the number changes in place; `type`, `lang`, `digits`,
//!   `callbackUrl`: re-rendered inside the same host element), `destroy()` and `mounted`.
//!   `PointsWidget.destroy()` removes every widget.
//! - **`<points-widget type="points-card" price="150.75" multiplier="10">`**: the element is the
//!   container; the attributes `type`, `lang`, `points`, `price`, `multiplier`, `digits` are
//!   observed and update it in place; the other options are read at connect (`price-selector`,
//!   `callback-url`, `env`, …). Removing the element destroys the widget.
//! - **Types**: `points-alert` (dismissible bar: `data-state="dismissed"`, `points:dismissed`),
//!   `points-card` (card; "learn more" opens the §7.4 modal: a `<dialog>` with `role="dialog"`,
//!   `aria-modal`, labelled by its headline, Tab wraps, Esc closes, focus goes back to the
//!   trigger, no animation under `prefers-reduced-motion`), `installments` (the §7.4 view inline;
//!   "continue shopping" is a link to `callbackUrl`, or dispatches `points:continue` without one)
//!   and `return` (the order status, from the merchant server only).
//! - **Events** on the container, bubbling and composed: `points:ready`, `points:updated` (detail
//!   `type`, `state`, `points`), `points:error` (detail `code`, `message`), `points:learn-more`,
//!   `points:dismissed`, `points:continue`. `data-state` on the container: `loading`, `ready`,
//!   `error`, `dismissed`, and for `return` `pending`/`confirmed`/`failed`/`expired`/`refunded`.
//! - **Error codes**: `POINTS_E_CONTAINER`, `POINTS_E_TYPE`, `POINTS_E_INPUT` (non-numeric or
//!   negative `points`/`price`/`multiplier`: nothing is rendered; on update the last good number
//!   stays), `POINTS_E_OPTIONS` (`callbackUrl` not http(s), `priceSelector` matching nothing, …),
//!   `POINTS_E_ORIGIN`, `POINTS_E_ENV`, `POINTS_E_ORDER`, `POINTS_E_FETCH` (loader could not load
//!   the module), `POINTS_E_INTERNAL`. Each is one console line, the event and `data-state`.
//! - **Text only**: every string from the page goes into text nodes; `callbackUrl` must be
//!   `http(s):` or a path; a return reference with control or bidi-override characters is not used.
//! - **`priceSelector`**: a `MutationObserver` on that element; its first number ("150.75 ر.س",
//!   "١٥٠٫٧٥") × `multiplier` is shown, updated in the observer's microtask (same frame, no timers).
//! - **`digits`**: `latin` (default) or `arabic` (Arabic-Indic numerals, `Intl` numbering system
//!   `arab`).
//! - **No layout shift**: `init` synchronously puts the wrapper (`.pk-host`, with an open shadow
//!   root and a skeleton) into the container, sized per type and viewport exactly as the rendered
//!   widget; the wasm renders into that same wrapper. The module loads when a container comes
//!   within 300 px of the viewport or the browser is idle (`return`: at once).
//!
//! - **Bundles**: `points_widget.js` + `_bg.wasm` (feature `product`) render `points-alert`,
//!   `points-card` and `installments` and hold no network code; `points_return.js` + `_bg.wasm`
//!   (feature `return-page`) render `return`. The loader loads the one a widget's `type` needs,
//!   each glue as a classic script (`wasm-bindgen --target no-modules`) so it can carry an SRI
//!   hash. A bundle asked for a type it lacks answers `POINTS_E_TYPE`.
//! - **Theming**: the custom property `--pk-brand` (default `#5f4be8`) on the container, and the
//!   parts `pk-card`, `pk-alert`, `pk-installments`, `pk-link`, `pk-skeleton` for `::part()`.
//! - **TypeScript**: `widget/js/widget-loader.d.ts`.
//!
//! # Origin validation
//!
//! See [`origin`]. The build knows its origin, `https://business.papp.sa` unless built with
//! `POINTS_WIDGET_ORIGIN=…` (and `POINTS_WIDGET_ENV=sandbox` for a sandbox build). With
//! `data-env` unset ("auto") or `production`, the widget refuses (`POINTS_E_ORIGIN`) when the
//! loader was served from another origin, when `widgetUrl` names another origin, or when the page
//! is plain http outside localhost. The module is always loaded from the loader's own directory:
//! `widgetUrl` is only checked, never fetched. "Auto" treats a loader **and** page both on a
//! loopback host (`localhost`, `*.localhost`, `127.0.0.1`, `[::1]`) as development and allows it:
//! a real storefront is never on a loopback host, so there "auto" is "production", and the demo
//! storefront and e2e (page and loader on `http://127.0.0.1:PORT`) need no attribute.
//! `data-env="development"` is honoured on loopback pages only. A sandbox build, or
//! `data-env="sandbox"`, on a page with `<meta name="points-env" content="production">` refuses
//! with `POINTS_E_ENV`. The `return` widget's `server` must be the page's own origin (or a path).
//!
//! The JS boundary is this file: everything below it takes typed values.

use wasm_bindgen::prelude::*;

mod dom;
mod error;
mod format;
mod icon;
mod lang;
mod options;
pub mod origin;
mod panic;
mod points;
mod registry;
mod report;
mod shadow;
mod widget;

// The product and checkout types (feature `product`).
#[cfg(feature = "product")]
mod alert;
#[cfg(feature = "product")]
mod card;
#[cfg(feature = "product")]
mod explainer;
#[cfg(feature = "product")]
mod installments;
#[cfg(feature = "product")]
mod listener;
#[cfg(feature = "product")]
mod modal;
#[cfg(feature = "product")]
mod number;
#[cfg(feature = "product")]
mod price_watch;

// The return page (feature `return-page`): the only network code.
#[cfg(feature = "return-page")]
mod fetch;
#[cfg(feature = "return-page")]
mod order;
#[cfg(feature = "return-page")]
mod schedule;
#[cfg(feature = "return-page")]
mod status;

pub use error::WidgetError;
pub use lang::Lang;
#[cfg(feature = "return-page")]
pub use order::{OrderReference, OrderState};
pub use points::{AmountError, Points, Price};
#[cfg(feature = "return-page")]
pub use schedule::PollSchedule;

use std::cell::RefCell;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

use options::RawOptions;

thread_local! {
    /// The URL `widget-loader.js` was loaded from, given by the loader through [`configure`].
    static LOADER_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called once by the loader: where it was itself loaded from (`document.currentScript.src`),
/// which origin validation checks against the build's origin.
#[wasm_bindgen]
pub fn configure(loader_url: String) {
    LOADER_URL.with(|url| *url.borrow_mut() = Some(loader_url).filter(|u| !u.is_empty()));
}

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
    let loader = LOADER_URL.with(|url| url.borrow().clone());
    match widget::mount(&container, &options, loader.as_deref()) {
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
    /// `handle.update({points})`, `({price, multiplier})`, or `({type, lang, digits})`; a no-op
    /// once destroyed.
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
