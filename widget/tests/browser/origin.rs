//! Origin validation: where the loader came from, `widgetUrl`, `data-env` and the page's
//! `<meta name="points-env">`.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::helpers::*;

fn mount_from(loader: &str, pairs: &[(&str, JsValue)]) -> (web_sys::Element, Vec<String>, bool) {
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");
    points_widget::configure(loader.into());
    let handle = points_widget::mount(options(&container, pairs));
    let mounted = handle.mounted();
    handle.destroy();
    let seen = errors.values();
    (container, seen, mounted)
}

#[wasm_bindgen_test]
fn a_loader_from_another_origin_is_refused_with_nothing_rendered() {
    let card = [("type", JsValue::from("points-card")), ("points", 5.into())];
    let (container, errors, mounted) = mount_from("https://cdn.example/widget-loader.js", &card);
    assert!(!mounted);
    assert_eq!(errors, ["POINTS_E_ORIGIN"]);
    assert_eq!(state(&container).as_deref(), Some("error"));
    assert_eq!(container.child_element_count(), 0);

    // The production origin on a plain-http page outside localhost would be refused too; here
    // (http://127.0.0.1) asking for production refuses a loopback loader.
    let local = format!("{}/widget/widget-loader.js", page_origin());
    let production = [
        ("type", JsValue::from("points-card")),
        ("env", "production".into()),
    ];
    let (_, errors, _) = mount_from(&local, &production);
    assert_eq!(errors, ["POINTS_E_ORIGIN"]);

    // Auto on loopback is development: allowed. So is an explicit development.
    let (_, errors, mounted) = mount_from(&local, &card);
    assert!(mounted && errors.is_empty());
    let dev = [
        ("type", JsValue::from("points-card")),
        ("env", "development".into()),
    ];
    let (_, errors, mounted) = mount_from("https://cdn.example/widget-loader.js", &dev);
    assert!(mounted && errors.is_empty(), "{errors:?}");

    // An unknown loader URL (not given) is never development.
    let (_, errors, _) = mount_from("", &card);
    assert_eq!(errors, ["POINTS_E_ORIGIN"]);
}

#[wasm_bindgen_test]
fn a_sandbox_set_up_on_a_page_that_declares_production_is_an_env_error() {
    let doc = document();
    let meta = doc.create_element("meta").expect("meta");
    meta.set_attribute("name", "points-env").expect("attr");
    meta.set_attribute("content", "production").expect("attr");
    doc.head()
        .expect("head")
        .append_child(&meta)
        .expect("append");

    let local = format!("{}/widget/widget-loader.js", page_origin());
    let sandbox = [
        ("type", JsValue::from("points-card")),
        ("env", "sandbox".into()),
    ];
    let (container, errors, mounted) = mount_from(&local, &sandbox);
    meta.remove();
    assert!(!mounted);
    assert_eq!(errors, ["POINTS_E_ENV"]);
    assert_eq!(state(&container).as_deref(), Some("error"));
}
