//! `installments`: the checkout widget. The §7.4 view inline (points to be earned, rewards, how it
//! works) and a black "continue shopping" action: a link to `callbackUrl` when given, otherwise a
//! button that dispatches `points:continue` (for in-app webviews, as the official widget does).

use web_sys::{Element, ShadowRoot};

use crate::dom::{Field, append, append_text, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::explainer;
use crate::format::Digits;
use crate::lang::Lang;
use crate::listener::EventListener;
use crate::number::PointsRuns;
use crate::points::Points;

/// A mounted checkout widget.
#[derive(Debug)]
pub struct Installments {
    runs: PointsRuns,
    _continue: Option<EventListener>,
}

impl Installments {
    /// Renders into `shadow`. `callback` was validated (http(s) or a path).
    pub fn mount(
        container: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        digits: Digits,
        points: Points,
        callback: Option<&str>,
    ) -> Result<Self, WidgetError> {
        let doc = document()?;
        let root = element(&doc, "div", "pk-box pk-installments");
        set_attr(&root, "part", "pk-installments");
        let mut runs = PointsRuns::new(lang, digits);
        explainer::build(&doc, &root, lang, digits, &mut runs)?;
        let label = lang.pick("تابع التسوّق", "Continue shopping");
        let listener = match callback {
            Some(url) => {
                let link = element(&doc, "a", "pk-cta");
                set_attr(&link, "href", url);
                append_text(&link, label);
                append(&root, &link);
                None
            }
            None => {
                let button = element(&doc, "button", "pk-cta");
                set_attr(&button, "type", "button");
                append_text(&button, label);
                append(&root, &button);
                let target = container.clone();
                EventListener::new(&button, "click", move |_| {
                    dispatch(
                        &target,
                        "points:continue",
                        &[("type", Field::Str("installments"))],
                    );
                })
            }
        };
        runs.fill(points)?;
        shadow
            .append_child(&root)
            .map_err(|_| WidgetError::internal("appendChild"))?;
        Ok(Installments {
            runs,
            _continue: listener,
        })
    }

    /// Shows a new number in place.
    pub fn show(&self, points: Points) -> Result<(), WidgetError> {
        self.runs.fill(points)
    }
}
