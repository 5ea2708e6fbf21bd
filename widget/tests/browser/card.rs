//! `points-card`: copy, direction, the number and updates.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlElement;

use crate::helpers::*;

fn card_text(container: &web_sys::Element) -> String {
    text(&find(container, ".pk-card__text"))
}

#[wasm_bindgen_test]
fn arabic_card_shows_the_points_right_to_left() {
    let container = fresh_container();
    let ready = Recorder::new(&container, "points:ready", "points");

    let _handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("lang", "ar".into()),
            ("points", 300.into()),
        ],
    );

    assert_eq!(state(&container).as_deref(), Some("ready"));
    let host = host(&container);
    assert_eq!(host.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(host.get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(
        card_text(&container),
        "إكسب 300 نقطة مكافأة عند شرائك لهذا المنتج. تُضاف مباشرة إلى محفظتك وتقدر تستخدمها في مشترياتك القادمة لمعرفة المزيد"
    );
    assert_eq!(text(&find(&container, "b.pk-points bdi.pk-number")), "300");
    let button = find(&container, "button.pk-card__more");
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    assert_eq!(text(&button), "لمعرفة المزيد");
    assert_eq!(ready.values(), ["300"]);
}

#[wasm_bindgen_test]
fn english_card_reads_left_to_right_with_grouped_digits() {
    let container = fresh_container();

    let _handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("lang", "en".into()),
            ("points", 1507.into()),
        ],
    );

    assert_eq!(
        host(&container).get_attribute("dir").as_deref(),
        Some("ltr")
    );
    assert_eq!(
        card_text(&container),
        "Earn 1,507 points when you buy this product. They go straight to your wallet and you can use them on your next purchases. Learn more"
    );
}

#[wasm_bindgen_test]
fn arabic_is_the_default_language() {
    let container = fresh_container();
    let _handle = mount(
        &container,
        &[("type", "points-card".into()), ("points", "5".into())],
    );
    assert_eq!(
        host(&container).get_attribute("dir").as_deref(),
        Some("rtl")
    );
    assert!(card_text(&container).starts_with("إكسب 5 نقطة"));
}

#[wasm_bindgen_test]
fn price_times_multiplier_is_exact_and_floored() {
    let cases: [(JsValue, &str, &str); 4] = [
        ("150.75".into(), "10", "1,507"),
        ("19.99".into(), "3", "59"),
        // A JS number is read through its shortest decimal text, never multiplied as a float.
        (JsValue::from_f64(19.99), "3", "59"),
        (JsValue::from_f64(0.29), "100", "29"),
    ];
    for (price, multiplier, expect) in cases {
        let container = fresh_container();
        let _handle = mount(
            &container,
            &[
                ("type", "points-card".into()),
                ("price", price.clone()),
                ("multiplier", multiplier.into()),
            ],
        );
        let shown = text(&find(&container, ".pk-number"));
        assert_eq!(shown, expect, "price {price:?} × {multiplier}");
    }
}

#[wasm_bindgen_test]
fn points_win_over_price_and_arabic_uses_latin_digits() {
    let container = fresh_container();
    let _handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("points", 12345.into()),
            ("price", "1".into()),
        ],
    );
    assert_eq!(text(&find(&container, ".pk-number")), "12,345");
}

#[wasm_bindgen_test]
fn update_changes_the_number_in_place() {
    let container = fresh_container();
    let updated = Recorder::new(&container, "points:updated", "points");
    let handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("price", "10".into()),
            ("multiplier", "3".into()),
        ],
    );
    let card = find(&container, ".pk-card");

    handle.update(options(&container, &[("points", 500.into())]));
    assert_eq!(text(&find(&container, ".pk-number")), "500");
    // The multiplier given at mount is kept for a later price.
    handle.update(options(&container, &[("price", "20.5".into())]));
    assert_eq!(text(&find(&container, ".pk-number")), "61");

    assert!(
        card.is_same_node(Some(&find(&container, ".pk-card"))),
        "re-rendered instead of updated"
    );
    assert_eq!(updated.values(), ["500", "61"]);
}

#[wasm_bindgen_test]
fn destroy_removes_the_widget_and_its_state() {
    let container = fresh_container();
    let handle = mount(
        &container,
        &[("type", "points-card".into()), ("points", 1.into())],
    );
    assert!(handle.mounted());

    handle.destroy();
    handle.destroy();

    assert!(!handle.mounted());
    assert_eq!(container.child_element_count(), 0);
    assert_eq!(state(&container), None);
}

#[wasm_bindgen_test]
fn a_second_init_on_the_same_container_replaces_the_first() {
    let container = fresh_container();
    let first = mount(
        &container,
        &[("type", "points-card".into()), ("points", 1.into())],
    );
    let _second = mount(
        &container,
        &[("type", "points-card".into()), ("points", 2.into())],
    );

    assert!(!first.mounted());
    assert_eq!(container.child_element_count(), 1);
    assert_eq!(text(&find(&container, ".pk-number")), "2");
}

#[wasm_bindgen_test]
fn learn_more_is_a_button_that_announces_itself() {
    let container = fresh_container();
    let clicks = Recorder::new(&container, "points:learn-more", "type");
    let _handle = mount(&container, &[("type", "points-card".into())]);
    let button: HtmlElement = find(&container, ".pk-card__more")
        .dyn_into()
        .expect("html element");
    button.click();

    assert_eq!(clicks.values(), ["points-card"]);
    _handle.destroy();
}

#[wasm_bindgen_test]
fn styles_are_adopted_not_inlined() {
    let container = fresh_container();
    let _handle = mount(&container, &[("type", "points-card".into())]);
    let root = shadow(&container);

    let sheets = Reflect::get(&root, &"adoptedStyleSheets".into()).expect("adoptedStyleSheets");
    assert_eq!(js_sys::Array::from(&sheets).length(), 2);
    assert!(root.query_selector("style").expect("query").is_none());
    assert!(root.query_selector("[style]").expect("query").is_none());
}
