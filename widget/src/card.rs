//! `points-card`: the product-page card. "Earn N points when you buy this product…" with the gold
//! coin, a "Learn more" button and the Points badge, as on the official widget.

use std::cell::Cell;

use web_sys::{Element, ShadowRoot};

use crate::dom::{Field, append, append_text, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::format::format_points;
use crate::icon::{coin, logo};
use crate::lang::Lang;
use crate::listener::EventListener;
use crate::options::AmountOptions;
use crate::points::{DEFAULT_MULTIPLIER, Points};
use crate::report::set_state;
use crate::shadow::Sheet;

/// The card's own styles, adopted next to [`crate::shadow::BASE`].
pub static STYLE: Sheet = Sheet {
    name: "card",
    css: include_str!("card.css"),
};

/// A mounted card.
#[derive(Debug)]
pub struct Card {
    /// The merchant's element; receives `data-state` and our events.
    container: Element,
    /// The bold "N points" run, rebuilt on update.
    amount: Element,
    /// Copy language.
    lang: Lang,
    /// The multiplier last given, kept so `update({price})` can reuse it.
    multiplier: Cell<u64>,
    /// Clicks on "Learn more"; removed when the card is dropped.
    _more: Option<EventListener>,
}

impl Card {
    /// Renders into `shadow` and marks `container` ready.
    pub fn mount(
        container: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        amount: AmountOptions,
    ) -> Result<Self, WidgetError> {
        let multiplier = amount.multiplier.unwrap_or(DEFAULT_MULTIPLIER);
        let points = resolve(amount, multiplier);
        let doc = document()?;
        let card = element(&doc, "div", "pk-box pk-card")?;
        append(&card, &coin(&doc)?)?;
        let text = element(&doc, "p", "pk-card__text")?;
        let bold = element(&doc, "b", "pk-card__points")?;
        let (before, after, more) = copy(lang);
        append_text(&text, before)?;
        append(&text, &bold)?;
        append_text(&text, after)?;
        let button = element(&doc, "button", "pk-link pk-card__more")?;
        set_attr(&button, "type", "button")?;
        append_text(&button, more)?;
        append(&text, &button)?;
        append(&card, &text)?;
        append(&card, &logo(&doc)?)?;

        let target = container.clone();
        let more = EventListener::new(&button, "click", move |_| {
            dispatch(
                &target,
                "points:learn-more",
                &[("type", Field::Str("points-card"))],
            );
        });
        let this = Card {
            container: container.clone(),
            amount: bold,
            lang,
            multiplier: Cell::new(multiplier),
            _more: more,
        };
        this.fill(points)?;
        shadow
            .append_child(&card)
            .map_err(|_| WidgetError::internal("appendChild"))?;
        set_state(container, "ready");
        dispatch(container, "points:ready", &this.detail(points));
        Ok(this)
    }

    /// `handle.update({points})` or `({price, multiplier?})`: new number, same card.
    pub fn update(&self, amount: AmountOptions) -> Result<(), WidgetError> {
        if amount.points.is_none() && amount.price.is_none() {
            return Err(WidgetError::Options("update needs points or price".into()));
        }
        let multiplier = amount.multiplier.unwrap_or(self.multiplier.get());
        self.multiplier.set(multiplier);
        let points = resolve(amount, multiplier);
        self.fill(points)?;
        set_state(&self.container, "ready");
        dispatch(&self.container, "points:updated", &self.detail(points));
        Ok(())
    }

    /// Writes `<bdi>1,507</bdi> points` into the bold run.
    fn fill(&self, points: Points) -> Result<(), WidgetError> {
        let doc = document()?;
        let number = element(&doc, "bdi", "pk-card__number")?;
        append_text(&number, &format_points(points, self.lang))?;
        self.amount.set_text_content(None);
        append(&self.amount, &number)?;
        let unit = match (self.lang, points.get()) {
            (Lang::Ar, _) => " نقطة",
            (Lang::En, 1) => " point",
            (Lang::En, _) => " points",
        };
        append_text(&self.amount, unit)
    }

    fn detail(&self, points: Points) -> [(&'static str, Field<'static>); 3] {
        #[allow(clippy::cast_precision_loss)] // at most 2^53 − 1: exact.
        let n = points.get() as f64;
        [
            ("type", Field::Str("points-card")),
            ("state", Field::Str("ready")),
            ("points", Field::Num(n)),
        ]
    }
}

/// `points` if given, else `floor(price × multiplier)`, else 0 (the official default). The product
/// cannot overflow: a price is at most 10^12 halalas and a multiplier at most 1,000.
fn resolve(amount: AmountOptions, multiplier: u64) -> Points {
    match (amount.points, amount.price) {
        (Some(points), _) => points,
        (None, Some(price)) => price.points_at(multiplier).unwrap_or_default(),
        (None, None) => Points::default(),
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
