//! Mounting one widget: resolve the container, put our wrapper with its shadow root inside it,
//! render the component for `type`, and take it all away again on drop.

use web_sys::Element;

use crate::card::{self, Card};
use crate::dom::{document, element, set_attr};
use crate::error::WidgetError;
use crate::options::{RawOptions, WidgetType};
use crate::report::{STATE_ATTR, report, set_state};
use crate::shadow::{BASE, attach};
use crate::status::{self, ReturnOptions, ReturnStatus};

/// The class of our wrapper element in the merchant's container (light DOM).
pub const HOST_CLASS: &str = "pk-host";

/// A widget on the page. Dropping it removes the wrapper, the listeners, the timers and the
/// container's `data-state`.
#[derive(Debug)]
pub struct Mounted {
    container: Element,
    host: Element,
    component: Component,
}

#[derive(Debug)]
enum Component {
    Card(Card),
    /// Held for its `Drop`, which stops the polling.
    Return {
        _status: ReturnStatus,
    },
}

impl Mounted {
    /// The element the merchant gave us.
    pub fn container(&self) -> &Element {
        &self.container
    }

    /// Applies `handle.update(options)`; errors are reported on the container.
    pub fn update(&self, options: &RawOptions) {
        let result = match &self.component {
            Component::Card(card) => options.amount().and_then(|amount| card.update(amount)),
            // Nothing to update yet: the return widget follows the server, not the page.
            Component::Return { .. } => Ok(()),
        };
        if let Err(error) = result {
            report(Some(&self.container), &error);
        }
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
            let error = WidgetError::Container("the container is not in the document".into());
            report(Some(&container), &error);
            None
        }
        Err(error) => {
            report(None, &error);
            None
        }
    }
}

/// Renders the widget `options` describe into `container`; failures are reported there.
pub fn mount(container: &Element, options: &RawOptions) -> Option<Mounted> {
    set_state(container, "loading");
    match try_mount(container, options) {
        Ok(mounted) => Some(mounted),
        Err(error) => {
            report(Some(container), &error);
            None
        }
    }
}

fn try_mount(container: &Element, options: &RawOptions) -> Result<Mounted, WidgetError> {
    let kind = options.widget_type()?;
    let lang = options.lang();
    // Read everything before touching the DOM, so a bad option leaves no half-built widget.
    let (sheet, amount, return_options) = match kind {
        WidgetType::PointsCard => (&card::STYLE, Some(options.amount()?), None),
        WidgetType::Return => {
            let server = options.server()?;
            (
                &status::STYLE,
                None,
                Some(ReturnOptions {
                    server,
                    order_param: options.order_param(),
                }),
            )
        }
    };
    let host = element(&document()?, "div", HOST_CLASS)?;
    set_attr(&host, "data-points-type", kind.as_str())?;
    set_attr(&host, "dir", lang.dir())?;
    set_attr(&host, "lang", lang.code())?;
    container
        .append_child(&host)
        .map_err(|_| WidgetError::internal("appendChild"))?;
    let rendered =
        attach(&host, &[&BASE, sheet]).and_then(|shadow| match (amount, return_options) {
            (Some(amount), _) => Card::mount(container, &shadow, lang, amount).map(Component::Card),
            (None, Some(opts)) => ReturnStatus::mount(container, &shadow, lang, opts)
                .map(|s| Component::Return { _status: s }),
            (None, None) => Err(WidgetError::internal("option reading")),
        });
    match rendered {
        Ok(component) => Ok(Mounted {
            container: container.clone(),
            host,
            component,
        }),
        Err(error) => {
            host.remove();
            Err(error)
        }
    }
}
