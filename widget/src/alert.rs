//! `points-alert`: the compact light-purple bar ("ستكسب N نقطة مكافأة عند إتمام هذا الطلب ، على
//! نفس رقم جوالك") with a close (×) button. Dismissing hides the widget, sets
//! `data-state="dismissed"` and dispatches `points:dismissed`.

use wasm_bindgen::JsCast;
use web_sys::{Element, ShadowRoot};

use crate::dom::{Field, append, append_text, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::format::Digits;
use crate::icon::coin;
use crate::lang::Lang;
use crate::listener::EventListener;
use crate::number::{Part, PointsRuns, compose};
use crate::points::Points;
use crate::report::set_state;
use crate::shadow::Sheet;

/// The bar's styles.
pub static STYLE: Sheet = Sheet {
    name: "alert",
    css: include_str!("alert.css"),
};

/// A mounted alert bar.
#[derive(Debug)]
pub struct Alert {
    runs: PointsRuns,
    _close: Option<EventListener>,
}

impl Alert {
    /// Renders into `shadow`; `host` is hidden on dismissal.
    pub fn mount(
        container: &Element,
        host: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        digits: Digits,
        points: Points,
    ) -> Result<Self, WidgetError> {
        let doc = document()?;
        let bar = element(&doc, "div", "pk-alert");
        set_attr(&bar, "part", "pk-alert");
        append(&bar, &coin(&doc));
        let text = element(&doc, "p", "pk-alert__text");
        let mut runs = PointsRuns::new(lang, digits);
        let parts: &[Part<'_>] = match lang {
            Lang::Ar => &[
                Part::Text("ستكسب "),
                Part::Points,
                Part::Text(" مكافأة عند إتمام هذا الطلب ، على نفس رقم جوالك"),
            ],
            Lang::En => &[
                Part::Text("You will earn "),
                Part::Points,
                Part::Text(" when you complete this order, on the same mobile number"),
            ],
        };
        compose(&doc, &text, &mut runs, parts)?;
        append(&bar, &text);
        let close = element(&doc, "button", "pk-alert__close");
        set_attr(&close, "type", "button");
        set_attr(&close, "aria-label", lang.pick("إغلاق", "Close"));
        append_text(&close, "×");
        append(&bar, &close);
        let listener = {
            let (container, host) = (container.clone(), host.clone());
            EventListener::new(&close, "click", move |_| {
                let _ = host.set_attribute("hidden", "");
                set_state(&container, "dismissed");
                dispatch(
                    container.unchecked_ref(),
                    "points:dismissed",
                    &[("type", Field::Str("points-alert"))],
                );
            })
        };
        runs.fill(points)?;
        shadow
            .append_child(&bar)
            .map_err(|_| WidgetError::internal("appendChild"))?;
        Ok(Alert {
            runs,
            _close: listener,
        })
    }

    /// Shows a new number in the same bar.
    pub fn show(&self, points: Points) -> Result<(), WidgetError> {
        self.runs.fill(points)
    }
}
