//! Mounting one widget: resolve the container, take over the box the loader reserved (or make
//! one), render the component for `type` into its shadow root, and take it all away on drop.
//!
//! Updates (`handle.update`, `<points-widget>` attributes, the price selector) change the number
//! in place; a new `type`, `lang` or `digits` re-renders inside the same host element.

use std::cell::RefCell;

use web_sys::{Element, ShadowRoot};

#[cfg(feature = "product")]
use crate::alert::{self, Alert};
#[cfg(feature = "product")]
use crate::card::{self, Card};
use crate::dom::{Field, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::format::Digits;
#[cfg(feature = "product")]
use crate::installments::Installments;
use crate::lang::Lang;
#[cfg(feature = "product")]
use crate::modal;
use crate::options::{AmountOptions, NOT_BUNDLED, RawOptions, WidgetType};
use crate::origin::{self, Place};
use crate::points::{DEFAULT_MULTIPLIER, Points, Price};
#[cfg(feature = "product")]
use crate::price_watch::PriceWatch;
use crate::report::{STATE_ATTR, report, set_state};
use crate::shadow::{BASE, Sheet, prepare};
#[cfg(feature = "return-page")]
use crate::status::{self, ReturnOptions, ReturnStatus};

/// The class of our wrapper element in the merchant's container (light DOM). The loader creates
/// it (with the skeleton) before the wasm arrives; we take it over.
pub const HOST_CLASS: &str = "pk-host";

/// A widget on the page. Dropping it removes the wrapper, the listeners, the timers and the
/// container's `data-state`.
#[derive(Debug)]
pub struct Mounted {
    container: Element,
    host: Element,
    shadow: ShadowRoot,
    state: RefCell<State>,
    /// Follows `priceSelector`; dropped (disconnected) with the widget.
    #[cfg(feature = "product")]
    _watch: Option<PriceWatch>,
}

#[derive(Debug)]
struct State {
    settings: Settings,
    component: Component,
}

/// What the widget shows, merged over updates.
#[derive(Debug, Clone)]
struct Settings {
    kind: WidgetType,
    lang: Lang,
    digits: Digits,
    points: Option<Points>,
    price: Option<Price>,
    multiplier: u64,
    callback: Option<String>,
    #[cfg(feature = "return-page")]
    return_options: Option<ReturnOptions>,
}

impl Settings {
    /// `points` if given, else `floor(price × multiplier)`, else 0 (the official default).
    fn points(&self) -> Points {
        match (self.points, self.price) {
            (Some(points), _) => points,
            (None, Some(price)) => price.points_at(self.multiplier).unwrap_or_default(),
            (None, None) => Points::default(),
        }
    }

    fn merge(&mut self, amount: AmountOptions) {
        if let Some(m) = amount.multiplier {
            self.multiplier = m;
        }
        if amount.points.is_some() {
            self.points = amount.points;
            self.price = None;
        } else if amount.price.is_some() {
            self.price = amount.price;
            self.points = None;
        }
    }
}

/// What is rendered; only the types of this bundle exist (see the crate's features).
#[derive(Debug)]
enum Component {
    /// Nothing: the placeholder while a widget is re-rendered.
    Empty,
    #[cfg(feature = "product")]
    Alert(Alert),
    #[cfg(feature = "product")]
    Card(Card),
    #[cfg(feature = "product")]
    Installments(Installments),
    /// Held for its `Drop`, which stops the polling.
    #[cfg(feature = "return-page")]
    Return { _status: ReturnStatus },
}

impl Component {
    /// Shows `points` in place; `false` for a widget without a number (the return widget
    /// follows the server, not the page).
    fn show(&self, points: Points) -> Result<bool, WidgetError> {
        let _ = points;
        match self {
            #[cfg(feature = "product")]
            Component::Alert(c) => c.show(points).map(|()| true),
            #[cfg(feature = "product")]
            Component::Card(c) => c.show(points).map(|()| true),
            #[cfg(feature = "product")]
            Component::Installments(c) => c.show(points).map(|()| true),
            _ => Ok(false),
        }
    }
}

impl Mounted {
    /// The element the merchant gave us.
    pub fn container(&self) -> &Element {
        &self.container
    }

    /// Applies `handle.update(options)`; errors are reported on the container and leave the
    /// widget as it was.
    pub fn update(&self, options: &RawOptions) {
        if let Err(error) = self.try_update(options) {
            report(Some(&self.container), &error);
        }
    }

    fn try_update(&self, options: &RawOptions) -> Result<(), WidgetError> {
        let amount = options.amount()?;
        let kind = options.type_given().transpose()?;
        let mut state = self.state.borrow_mut();
        let mut next = state.settings.clone();
        next.merge(amount);
        if let Some(kind) = kind {
            next.kind = kind;
        }
        if let Some(lang) = options.lang_given() {
            next.lang = lang;
        }
        if let Some(digits) = options.digits() {
            next.digits = digits;
        }
        if options.has("callbackUrl") {
            next.callback = options.callback_url()?;
        }
        #[cfg(feature = "return-page")]
        if next.kind == WidgetType::Return && next.return_options.is_none() {
            next.return_options = Some(return_options(options)?);
        }
        let same_view = next.kind == state.settings.kind
            && next.lang == state.settings.lang
            && next.digits == state.settings.digits
            && next.callback == state.settings.callback;
        if same_view {
            let points = next.points();
            if !state.component.show(points)? {
                return Ok(());
            }
            state.settings = next;
            drop(state);
            set_state(&self.container, "ready");
            self.announce("points:updated", points);
            return Ok(());
        }
        // Re-render inside the same host: drop the old component first (its modal, its timers).
        let old = std::mem::replace(&mut state.component, Component::Empty);
        drop(old);
        let component = render(&self.container, &self.host, &self.shadow, &next)?;
        state.settings = next;
        state.component = component;
        let points = state.settings.points();
        drop(state);
        self.announce("points:updated", points);
        Ok(())
    }

    fn announce(&self, name: &str, points: Points) {
        let kind = self.state.borrow().settings.kind;
        announce(&self.container, kind, name, points);
    }

    /// The `priceSelector` element changed: read its text as the new price.
    #[cfg(feature = "product")]
    pub fn price_changed(&self, text: &str) {
        match crate::price_watch::read_price(text) {
            Some(price) => {
                let amount = AmountOptions {
                    price: Some(price),
                    ..AmountOptions::default()
                };
                self.state.borrow_mut().settings.merge(amount);
                if let Err(error) = self.refresh() {
                    report(Some(&self.container), &error);
                }
            }
            None => report(
                Some(&self.container),
                &WidgetError::Input("the price element holds no price"),
            ),
        }
    }

    #[cfg(feature = "product")]
    fn refresh(&self) -> Result<(), WidgetError> {
        let state = self.state.borrow();
        let points = state.settings.points();
        if !state.component.show(points)? {
            return Ok(());
        }
        drop(state);
        set_state(&self.container, "ready");
        self.announce("points:updated", points);
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
        let _ = self.container.remove_attribute(STATE_ATTR);
    }
}

/// The container named by `options`, or the reported failure.
pub fn resolve_container(options: &RawOptions) -> Option<Element> {
    let found = document().and_then(|doc| options.container(&doc));
    match found {
        Ok(container) if container.is_connected() => Some(container),
        Ok(container) => {
            let error = WidgetError::Container("the container is not in the document");
            report(Some(&container), &error);
            None
        }
        Err(error) => {
            report(None, &error);
            None
        }
    }
}

/// Renders the widget `options` describe into `container`; failures are reported there (and
/// the reserved box is removed: nothing is rendered).
pub fn mount(container: &Element, options: &RawOptions, loader: Option<&str>) -> Option<Mounted> {
    match try_mount(container, options, loader) {
        Ok(mounted) => Some(mounted),
        Err(error) => {
            if let Some(host) = reserved_host(container) {
                host.remove();
            }
            report(Some(container), &error);
            None
        }
    }
}

fn try_mount(
    container: &Element,
    options: &RawOptions,
    loader: Option<&str>,
) -> Result<Mounted, WidgetError> {
    check_origin(options, loader)?;
    let kind = options.widget_type()?;
    // Read everything before touching the DOM, so a bad option leaves no half-built widget.
    let amount = options.amount()?;
    let mut settings = Settings {
        kind,
        lang: options.lang(),
        digits: options.digits().unwrap_or_default(),
        points: None,
        price: None,
        multiplier: DEFAULT_MULTIPLIER,
        callback: options.callback_url()?,
        #[cfg(feature = "return-page")]
        return_options: None,
    };
    settings.merge(amount);
    #[cfg(feature = "return-page")]
    if kind == WidgetType::Return {
        settings.return_options = Some(return_options(options)?);
    }
    #[cfg(feature = "product")]
    let watched = watched_price(options, amount, &mut settings)?;
    let host = match reserved_host(container) {
        Some(host) => host,
        None => {
            let host = element(&document()?, "div", HOST_CLASS);
            container
                .append_child(&host)
                .map_err(|_| WidgetError::internal("appendChild"))?;
            host
        }
    };
    let _ = host.remove_attribute("hidden");
    let shadow = prepare(&host, &[])?;
    let component = match render(container, &host, &shadow, &settings) {
        Ok(component) => component,
        Err(error) => {
            host.remove();
            return Err(error);
        }
    };
    let points = settings.points();
    let kind = settings.kind;
    if kind != WidgetType::Return {
        set_state(container, "ready");
        announce(container, kind, "points:ready", points);
    }
    Ok(Mounted {
        container: container.clone(),
        host,
        shadow,
        state: RefCell::new(State {
            settings,
            component,
        }),
        #[cfg(feature = "product")]
        _watch: watched.and_then(|el| PriceWatch::new(&el, container)),
    })
}

/// The `priceSelector` element, if given, with its price read into `settings` unless `points`
/// or `price` were given too.
#[cfg(feature = "product")]
fn watched_price(
    options: &RawOptions,
    amount: AmountOptions,
    settings: &mut Settings,
) -> Result<Option<Element>, WidgetError> {
    let Some(selector) = options.price_selector() else {
        return Ok(None);
    };
    let el = crate::price_watch::find(&selector)?;
    if amount.points.is_none() && amount.price.is_none() {
        let text = el.text_content().unwrap_or_default();
        settings.price = Some(
            crate::price_watch::read_price(&text)
                .ok_or(WidgetError::Input("the price element holds no price"))?,
        );
    }
    Ok(Some(el))
}

/// Dispatches `points:ready` / `points:updated` for a points-showing widget.
fn announce(container: &Element, kind: WidgetType, name: &str, points: Points) {
    if kind == WidgetType::Return {
        return;
    }
    #[allow(clippy::cast_precision_loss)] // at most 2^53 − 1: exact.
    let n = points.get() as f64;
    dispatch(
        container,
        name,
        &[
            ("type", Field::Str(kind.as_str())),
            ("state", Field::Str("ready")),
            ("points", Field::Num(n)),
        ],
    );
}

/// Renders `settings` into `shadow` (emptied first) with the type's stylesheets.
fn render(
    container: &Element,
    host: &Element,
    shadow: &ShadowRoot,
    settings: &Settings,
) -> Result<Component, WidgetError> {
    let sheet: &'static Sheet = match settings.kind {
        #[cfg(feature = "product")]
        WidgetType::PointsAlert => &alert::STYLE,
        #[cfg(feature = "product")]
        WidgetType::PointsCard => &card::STYLE,
        #[cfg(feature = "product")]
        WidgetType::Installments => &modal::STYLE,
        #[cfg(feature = "return-page")]
        WidgetType::Return => &status::STYLE,
        #[allow(unreachable_patterns)] // every type is in the test build
        _ => return Err(WidgetError::Type(NOT_BUNDLED)),
    };
    prepare(host, &[&BASE, sheet])?;
    set_attr(host, "data-points-type", settings.kind.as_str());
    set_attr(host, "dir", settings.lang.dir());
    set_attr(host, "lang", settings.lang.code());
    let (lang, digits, points) = (settings.lang, settings.digits, settings.points());
    let _ = (container, digits, points);
    Ok(match settings.kind {
        #[cfg(feature = "product")]
        WidgetType::PointsAlert => {
            Component::Alert(Alert::mount(container, host, shadow, lang, digits, points)?)
        }
        #[cfg(feature = "product")]
        WidgetType::PointsCard => {
            Component::Card(Card::mount(container, shadow, lang, digits, points)?)
        }
        #[cfg(feature = "product")]
        WidgetType::Installments => Component::Installments(Installments::mount(
            container,
            shadow,
            lang,
            digits,
            points,
            settings.callback.as_deref(),
        )?),
        #[cfg(feature = "return-page")]
        WidgetType::Return => {
            let options = settings
                .return_options
                .clone()
                .ok_or_else(|| WidgetError::internal("return options"))?;
            Component::Return {
                _status: ReturnStatus::mount(container, shadow, lang, options)?,
            }
        }
        #[allow(unreachable_patterns)]
        _ => return Err(WidgetError::Type(NOT_BUNDLED)),
    })
}

#[cfg(feature = "return-page")]
fn return_options(options: &RawOptions) -> Result<ReturnOptions, WidgetError> {
    Ok(ReturnOptions {
        server: options.server()?,
        order_param: options.order_param(),
    })
}

/// The wrapper the loader reserved in `container` (a direct child), if any.
fn reserved_host(container: &Element) -> Option<Element> {
    let children = container.children();
    (0..children.length())
        .filter_map(|i| children.item(i))
        .find(|child| child.class_list().contains(HOST_CLASS))
}

/// Origin validation (see [`crate::origin`]).
fn check_origin(options: &RawOptions, loader: Option<&str>) -> Result<(), WidgetError> {
    let window = web_sys::window().ok_or(WidgetError::Internal("no window"))?;
    let page = window.location().href().unwrap_or_default();
    let page_is_production = document()?
        .query_selector("meta[name=\"points-env\"]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .is_some_and(|c| c.trim() == "production");
    let widget_url = options.widget_url();
    origin::check(&Place {
        loader,
        page: &page,
        widget_url: widget_url.as_deref(),
        env: options.env(),
        page_is_production,
    })
}
