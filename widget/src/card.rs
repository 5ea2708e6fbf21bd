//! `points-card`: the product-page card. "Earn N points when you buy this product…" with the gold
//! coin, a "Learn more" button that opens the §7.4 modal in the page, and the Points badge.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};

use crate::dom::{Field, append, append_text, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::format::Digits;
use crate::icon::{coin, logo};
use crate::lang::Lang;
use crate::listener::EventListener;
use crate::modal::{self, Slot};
use crate::number::{Part, PointsRuns, compose};
use crate::points::Points;
use crate::report::report;
use crate::shadow::Sheet;

/// The card's own styles, adopted next to [`crate::shadow::BASE`].
pub static STYLE: Sheet = Sheet {
    name: "card",
    css: include_str!("card.css"),
};

/// A mounted card.
#[derive(Debug)]
pub struct Card {
    /// The bold "N points" run.
    runs: PointsRuns,
    /// The number shown, read when the modal opens.
    points: Rc<Cell<Points>>,
    /// The open modal, if any; closed when the card goes.
    modal: Slot,
    /// Clicks on "Learn more"; removed when the card is dropped.
    _more: Option<EventListener>,
}

impl Drop for Card {
    fn drop(&mut self) {
        modal::close(&self.modal);
    }
}

impl Card {
    /// Renders into `shadow`, showing `points`.
    pub fn mount(
        container: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        digits: Digits,
        points: Points,
    ) -> Result<Self, WidgetError> {
        let doc = document()?;
        let card = element(&doc, "div", "pk-box pk-card");
        set_attr(&card, "part", "pk-card");
        append(&card, &coin(&doc));
        let text = element(&doc, "p", "pk-card__text");
        let mut runs = PointsRuns::new(lang, digits);
        let (before, after, more) = copy(lang);
        compose(
            &doc,
            &text,
            &mut runs,
            &[Part::Text(before), Part::Points, Part::Text(after)],
        )?;
        let button = element(&doc, "button", "pk-link pk-card__more");
        set_attr(&button, "type", "button");
        set_attr(&button, "aria-haspopup", "dialog");
        set_attr(&button, "part", "pk-link");
        append_text(&button, more);
        append(&text, &button);
        append(&card, &text);
        append(&card, &logo(&doc));

        let shown = Rc::new(Cell::new(points));
        let slot = Slot::default();
        let more = {
            let (target, shown, slot) = (container.clone(), Rc::clone(&shown), Rc::clone(&slot));
            let trigger: HtmlElement = button.clone().unchecked_into();
            EventListener::new(&button, "click", move |_| {
                dispatch(
                    &target,
                    "points:learn-more",
                    &[("type", Field::Str("points-card"))],
                );
                if let Err(error) = modal::open(&slot, &trigger, lang, digits, shown.get()) {
                    report(Some(&target), &error);
                }
            })
        };
        runs.fill(points)?;
        shadow
            .append_child(&card)
            .map_err(|_| WidgetError::internal("appendChild"))?;
        Ok(Card {
            runs,
            points: shown,
            modal: slot,
            _more: more,
        })
    }

    /// Shows a new number in the same card.
    pub fn show(&self, points: Points) -> Result<(), WidgetError> {
        self.points.set(points);
        self.runs.fill(points)
    }
}

/// The text before the number, after it, and the button label.
fn copy(lang: Lang) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::Ar => (
            "إكسب ",
            " مكافأة عند شرائك لهذا المنتج. تُضاف مباشرة إلى محفظتك وتقدر تستخدمها في مشترياتك القادمة ",
            "لمعرفة المزيد",
        ),
        Lang::En => (
            "Earn ",
            " when you buy this product. They go straight to your wallet and you can use them on your next purchases. ",
            "Learn more",
        ),
    }
}
