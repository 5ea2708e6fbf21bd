//! `points-alert`, `installments`, the `digits` option and the `points-card` modal.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement, KeyboardEvent, KeyboardEventInit, ShadowRoot};

use crate::helpers::*;

fn html(element: Element) -> HtmlElement {
    element.dyn_into().expect("an HTML element")
}

#[wasm_bindgen_test]
fn arabic_alert_has_the_official_copy_and_dismisses() {
    let container = fresh_container();
    let dismissed = Recorder::new(&container, "points:dismissed", "type");
    let _handle = mount(
        &container,
        &[("type", "points-alert".into()), ("points", 199.into())],
    );

    assert_eq!(state(&container).as_deref(), Some("ready"));
    assert_eq!(
        host(&container).get_attribute("dir").as_deref(),
        Some("rtl")
    );
    assert_eq!(
        text(&find(&container, ".pk-alert__text")),
        "ستكسب 199 نقطة مكافأة عند إتمام هذا الطلب ، على نفس رقم جوالك"
    );
    let close = find(&container, "button.pk-alert__close");
    assert_eq!(close.get_attribute("aria-label").as_deref(), Some("إغلاق"));
    html(close).click();

    assert!(host(&container).has_attribute("hidden"));
    assert_eq!(state(&container).as_deref(), Some("dismissed"));
    assert_eq!(dismissed.values(), ["points-alert"]);
}

#[wasm_bindgen_test]
fn english_alert_reads_left_to_right() {
    let container = fresh_container();
    let handle = mount(
        &container,
        &[
            ("type", "points-alert".into()),
            ("lang", "en".into()),
            ("points", 1.into()),
        ],
    );
    assert_eq!(
        host(&container).get_attribute("dir").as_deref(),
        Some("ltr")
    );
    assert_eq!(
        text(&find(&container, ".pk-alert__text")),
        "You will earn 1 point when you complete this order, on the same mobile number"
    );
    handle.update(options(&container, &[("points", 250.into())]));
    assert_eq!(text(&find(&container, ".pk-number")), "250");
}

#[wasm_bindgen_test]
fn installments_explain_and_continue_to_the_callback_url() {
    let container = fresh_container();
    let _handle = mount(
        &container,
        &[
            ("type", "installments".into()),
            ("lang", "en".into()),
            ("points", 199.into()),
            ("callbackUrl", "https://shop.example/checkout/return".into()),
        ],
    );
    assert_eq!(state(&container).as_deref(), Some("ready"));
    assert_eq!(
        text(&find(&container, ".pk-ex__title")),
        "Shop and earn your rewards with Points!"
    );
    let root = shadow(&container);
    let numbers = root.query_selector_all(".pk-number").expect("query");
    assert_eq!(numbers.length(), 3, "lead, first tile, second step");
    assert_eq!(
        root.query_selector_all("li.pk-step").expect("q").length(),
        4
    );
    assert_eq!(
        root.query_selector_all("li.pk-tile").expect("q").length(),
        3
    );
    assert!(text(&find(&container, ".pk-ex__lead")).starts_with("Earn 199 points directly"));
    let cta = find(&container, "a.pk-cta");
    assert_eq!(
        cta.get_attribute("href").as_deref(),
        Some("https://shop.example/checkout/return")
    );
    assert_eq!(text(&cta), "Continue shopping");
}

#[wasm_bindgen_test]
fn arabic_installments_without_a_callback_announce_continue() {
    let container = fresh_container();
    let continued = Recorder::new(&container, "points:continue", "type");
    let _handle = mount(
        &container,
        &[("type", "installments".into()), ("points", 50.into())],
    );
    assert_eq!(
        text(&find(&container, ".pk-ex__title")),
        "تسوّق واربح مكافآتك مع بوينتس !"
    );
    assert_eq!(
        text(&find(&container, ".pk-ex__heading")),
        "وش هي مكافآتك !"
    );
    let cta = find(&container, "button.pk-cta");
    assert_eq!(text(&cta), "تابع التسوّق");
    html(cta).click();
    assert_eq!(continued.values(), ["installments"]);
}

#[wasm_bindgen_test]
fn callback_urls_that_are_not_http_are_refused() {
    for url in [
        "javascript:window.__pkPwned=1",
        "data:text/html,x",
        "//evil.example/",
    ] {
        let container = fresh_container();
        let errors = Recorder::new(&container, "points:error", "code");
        let _handle = mount(
            &container,
            &[("type", "installments".into()), ("callbackUrl", url.into())],
        );
        assert_eq!(errors.values(), ["POINTS_E_OPTIONS"], "{url}");
        assert_eq!(container.child_element_count(), 0);
    }
}

#[wasm_bindgen_test]
fn arabic_indic_digits_on_request() {
    let container = fresh_container();
    let handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("points", 1507.into()),
            ("digits", "arabic".into()),
        ],
    );
    assert_eq!(text(&find(&container, ".pk-number")), "١٬٥٠٧");
    handle.update(options(&container, &[("digits", "latin".into())]));
    assert_eq!(text(&find(&container, ".pk-number")), "1,507");
    let english = fresh_container();
    let _en = mount(
        &english,
        &[
            ("type", "points-alert".into()),
            ("lang", "en".into()),
            ("points", 42.into()),
            ("digits", "arabic".into()),
        ],
    );
    assert_eq!(text(&find(&english, ".pk-number")), "٤٢");
}

fn modal_root() -> Option<ShadowRoot> {
    document()
        .query_selector(".pk-modal-host")
        .expect("query")
        .and_then(|host| host.shadow_root())
}

fn key(target: &Element, name: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(name);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_composed(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    target.dispatch_event(&event).expect("dispatch");
}

#[wasm_bindgen_test]
async fn learn_more_opens_an_accessible_modal_with_a_focus_trap() {
    let container = fresh_container();
    let handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("lang", "en".into()),
            ("points", 199.into()),
        ],
    );
    let trigger = html(find(&container, ".pk-card__more"));
    trigger.focus().expect("focus");
    trigger.click();

    let root = modal_root().expect("a modal in the page");
    let dialog = root.query_selector("dialog").expect("q").expect("a dialog");
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let label = dialog.get_attribute("aria-labelledby").expect("labelled");
    let title = root.get_element_by_id(&label).expect("the label element");
    assert_eq!(text(&title), "Shop and earn your rewards with Points!");
    assert!(text(&dialog).contains("Earn 199 points directly"));
    assert!(dialog.has_attribute("open"));

    let close = root.query_selector(".pk-close").expect("q").expect("close");
    let cta = root.query_selector(".pk-cta").expect("q").expect("cta");
    let active = || root.active_element();
    assert!(
        close.is_same_node(active().as_ref().map(|e| e.as_ref())),
        "focus starts inside"
    );
    html(cta.clone()).focus().expect("focus");
    key(&cta, "Tab", false);
    assert!(
        close.is_same_node(active().as_ref().map(|e| e.as_ref())),
        "Tab wraps to the start"
    );
    key(&close, "Tab", true);
    assert!(
        cta.is_same_node(active().as_ref().map(|e| e.as_ref())),
        "Shift+Tab wraps to the end"
    );

    // The entrance animation is off for people who asked for less motion.
    let sheets = Array::from(&Reflect::get(&root, &"adoptedStyleSheets".into()).expect("sheets"));
    let mut css = String::new();
    for sheet in sheets.iter() {
        let rules = Array::from(&Reflect::get(&sheet, &"cssRules".into()).expect("rules"));
        for rule in rules.iter() {
            let text = Reflect::get(&rule, &"cssText".into()).expect("cssText");
            css.push_str(&text.as_string().unwrap_or_default());
        }
    }
    assert!(css.contains("prefers-reduced-motion: reduce"), "{css}");
    assert!(
        css.contains("animation: auto ease 0s 1 normal none running none")
            || css.contains("animation: none"),
        "{css}"
    );

    key(&dialog, "Escape", false);
    assert!(modal_root().is_none(), "Esc closes");
    let card_root = shadow(&container);
    assert!(
        trigger.is_same_node(card_root.active_element().as_ref().map(|e| e.as_ref())),
        "focus is back on the trigger"
    );

    // The close button and the CTA close it too; destroying the card closes an open modal.
    trigger.click();
    let root = modal_root().expect("open again");
    html(root.query_selector(".pk-cta").expect("q").expect("cta")).click();
    assert!(modal_root().is_none());
    trigger.click();
    assert!(modal_root().is_some());
    handle.destroy();
    assert!(modal_root().is_none());
    sleep(10).await;
}
