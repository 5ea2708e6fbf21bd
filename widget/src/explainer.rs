//! The "how it works" view of API.md §7.4 (`checkout-widget.png`): the Points logo, the headline,
//! what the shopper earns, three reward tiles and four steps. The `installments` widget shows it
//! inline; the `points-card` modal shows it in a dialog.

use web_sys::{Document, Element};

use crate::dom::{append, append_text, element, set_attr};
use crate::error::WidgetError;
use crate::format::{Digits, format_small};
use crate::icon::coin;
use crate::lang::Lang;
use crate::number::{Part, PointsRuns, compose};

/// The id of the headline, for `aria-labelledby` (ids are scoped to our shadow root).
pub const TITLE_ID: &str = "pk-title";

/// Builds the view into `parent`; the point counts go into `runs`.
pub fn build(
    doc: &Document,
    outer: &Element,
    lang: Lang,
    digits: Digits,
    runs: &mut PointsRuns,
) -> Result<(), WidgetError> {
    let parent = &element(doc, "div", "pk-ex");
    append(outer, parent);
    let logo = element(doc, "span", "pk-ex__logo");
    set_attr(&logo, "aria-hidden", "true");
    append_text(&logo, lang.pick("بوينتس", "Points"));
    append(parent, &logo);

    let title = element(doc, "h2", "pk-ex__title");
    set_attr(&title, "id", TITLE_ID);
    append_text(
        &title,
        lang.pick(
            "تسوّق واربح مكافآتك مع بوينتس !",
            "Shop and earn your rewards with Points!",
        ),
    );
    append(parent, &title);

    let lead = element(doc, "p", "pk-ex__lead");
    compose(doc, &lead, runs, lead_copy(lang))?;
    append(parent, &lead);

    let (rewards, tiles) = panel(
        doc,
        "ul",
        "pk-tiles",
        lang.pick("وش هي مكافآتك !", "What are your rewards?"),
    )?;
    for (i, parts) in tile_copy(lang).iter().enumerate() {
        let tile = element(doc, "li", "pk-tile");
        let icon = element(doc, "span", "pk-tile__icon");
        set_attr(&icon, "aria-hidden", "true");
        match i {
            0 => append(&icon, &coin(doc)),
            1 => append_text(&icon, lang.pick("ر.س", "SAR")),
            _ => append_text(&icon, "2X"),
        }
        append(&tile, &icon);
        let label = element(doc, "span", "pk-tile__text");
        compose(doc, &label, runs, parts)?;
        append(&tile, &label);
        append(&tiles, &tile);
    }
    append(parent, &rewards);

    let (how, steps) = panel(
        doc,
        "ol",
        "pk-steps",
        lang.pick("كيف يعمل ؟", "How does it work?"),
    )?;
    for (i, parts) in step_copy(lang).iter().enumerate() {
        let step = element(doc, "li", "pk-step");
        let n = element(doc, "span", "pk-step__n");
        set_attr(&n, "aria-hidden", "true");
        append_text(&n, &format_small(i as u64 + 1, lang, digits));
        append(&step, &n);
        let label = element(doc, "span", "pk-step__text");
        compose(doc, &label, runs, parts)?;
        append(&step, &label);
        append(&steps, &step);
    }
    append(parent, &how);
    Ok(())
}

/// A grey panel with a heading and a list; returns (panel, list).
fn panel(
    doc: &Document,
    list_tag: &str,
    list_class: &str,
    heading: &str,
) -> Result<(Element, Element), WidgetError> {
    let section = element(doc, "section", "pk-ex__panel");
    let h = element(doc, "h3", "pk-ex__heading");
    append_text(&h, heading);
    append(&section, &h);
    let list = element(doc, list_tag, list_class);
    append(&section, &list);
    Ok((section, list))
}

fn lead_copy(lang: Lang) -> &'static [Part<'static>] {
    match lang {
        Lang::Ar => &[
            Part::Text("اكسب "),
            Part::Points,
            Part::Text(
                " مباشرة عند شراء هذا المنتج. النقاط تُضاف تلقائيًا لمحفظتك وتقدر تستخدمها بسهولة في أي متجر مشارك.",
            ),
        ],
        Lang::En => &[
            Part::Text("Earn "),
            Part::Points,
            Part::Text(
                " directly when you buy this product. Points are added to your wallet automatically and you can use them easily at any participating store.",
            ),
        ],
    }
}

fn tile_copy(lang: Lang) -> [&'static [Part<'static>]; 3] {
    match lang {
        Lang::Ar => [
            &[Part::Points, Part::Text(" تُضاف فورًا بعد الدفع")],
            &[Part::Text("النقاط تعادل رصيد شرائي تقدر تستخدمه لاحقًا")],
            &[Part::Text("مضاعفة النقاط ! بعض المتاجر تمنح X2 أو X3")],
        ],
        Lang::En => [
            &[Part::Points, Part::Text(" added right after payment")],
            &[Part::Text("Points are purchasing credit you can use later")],
            &[Part::Text("Points multiplier! Some stores give X2 or X3")],
        ],
    }
}

fn step_copy(lang: Lang) -> [&'static [Part<'static>]; 4] {
    match lang {
        Lang::Ar => [
            &[Part::Text(
                "اشترِ المنتج – أضف المنتج إلى سلة التسوّق وأكمل الدفع",
            )],
            &[
                Part::Text("استلم نقاطك فورًا – تُضاف "),
                Part::Points,
                Part::Text(" مباشرة إلى محفظتك الرقمية"),
            ],
            &[Part::Text(
                "استخدمها وقت ما تحب – استبدل النقاط في أي متجر مشارك في الشبكة",
            )],
            &[Part::Text(
                "تابع رصيدك – تقدر تعرف رصيد نقاطك ومشترياتك من تطبيق Points",
            )],
        ],
        Lang::En => [
            &[Part::Text(
                "Buy the product – add it to your cart and complete the payment",
            )],
            &[
                Part::Text("Get your points instantly – "),
                Part::Points,
                Part::Text(" go straight to your digital wallet"),
            ],
            &[Part::Text(
                "Use them whenever you like – redeem points at any participating store",
            )],
            &[Part::Text(
                "Track your balance – see your points and purchases in the Points app",
            )],
        ],
    }
}
