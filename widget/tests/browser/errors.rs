//! Failures become `data-state="error"` and a `points:error` event with a stable code.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::helpers::*;

#[wasm_bindgen_test]
fn a_selector_that_matches_nothing_is_reported_on_the_document() {
    let errors = Recorder::new(&document(), "points:error", "code");

    let handle = points_widget::mount(options_without_container(&[
        ("type", "points-card".into()),
        ("container", "#no-such-element".into()),
    ]));

    assert!(!handle.mounted());
    assert_eq!(errors.values(), ["POINTS_E_CONTAINER"]);
}

#[wasm_bindgen_test]
fn a_container_outside_the_document_gets_the_error_state() {
    let detached = document().create_element("div").expect("div");
    let errors = Recorder::new(&detached, "points:error", "code");

    let handle = mount(&detached, &[("type", "points-card".into())]);

    assert!(!handle.mounted());
    assert_eq!(state(&detached).as_deref(), Some("error"));
    assert_eq!(errors.values(), ["POINTS_E_CONTAINER"]);
}

#[wasm_bindgen_test]
fn unknown_types_are_type_errors() {
    for kind in [
        JsValue::from_str("banner"),
        "<img src=x onerror=alert(1)>".into(),
        JsValue::UNDEFINED,
    ] {
        let container = fresh_container();
        let errors = Recorder::new(&container, "points:error", "code");

        let handle = mount(&container, &[("type", kind.clone())]);

        assert!(!handle.mounted(), "{kind:?}");
        assert_eq!(state(&container).as_deref(), Some("error"), "{kind:?}");
        assert_eq!(errors.values(), ["POINTS_E_TYPE"], "{kind:?}");
        assert_eq!(
            container.child_element_count(),
            0,
            "left a half-built widget for {kind:?}"
        );
    }
}

#[wasm_bindgen_test]
fn bad_amounts_are_input_errors_and_nothing_is_rendered() {
    let cases: [(&str, JsValue); 10] = [
        ("points", "-1".into()),
        ("points", JsValue::from_f64(-3.0)),
        ("points", JsValue::from_f64(2.5)),
        ("points", "abc".into()),
        ("points", "1\u{202e}2".into()),
        ("points", JsValue::from_f64(f64::NAN)),
        ("price", "-10".into()),
        ("price", "1.005".into()),
        ("price", "<img src=x onerror=alert(1)>".into()),
        ("multiplier", "x".into()),
    ];
    for (key, value) in cases {
        let container = fresh_container();
        let errors = Recorder::new(&container, "points:error", "code");
        let _handle = mount(
            &container,
            &[("type", "points-card".into()), (key, value.clone())],
        );
        assert_eq!(errors.values(), ["POINTS_E_INPUT"], "{key} = {value:?}");
        assert_eq!(state(&container).as_deref(), Some("error"));
        assert_eq!(
            container.child_element_count(),
            0,
            "rendered {key} = {value:?}"
        );
    }
}

#[wasm_bindgen_test]
fn options_that_are_not_an_object_do_not_throw() {
    let errors = Recorder::new(&document(), "points:error", "code");
    let handle = points_widget::mount(JsValue::from_str("points-card"));
    assert!(!handle.mounted());
    assert_eq!(errors.values(), ["POINTS_E_CONTAINER"]);
}

fn options_without_container(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), value).expect("set");
    }
    object.into()
}
