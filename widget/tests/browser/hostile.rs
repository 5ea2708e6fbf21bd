//! Hostile strings in every option are shown as text or refused; nothing is injected.

use js_sys::Reflect;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::helpers::*;

const HOSTILE: &str = "<img src=x onerror=window.__pkPwned=1>\u{202e}javascript:alert(1)";

#[wasm_bindgen_test]
async fn hostile_strings_in_every_option_never_become_markup() {
    let cases: [(&str, Option<&str>); 13] = [
        ("type", Some("POINTS_E_TYPE")),
        ("lang", None),
        ("digits", None),
        ("points", Some("POINTS_E_INPUT")),
        ("price", Some("POINTS_E_INPUT")),
        ("multiplier", Some("POINTS_E_INPUT")),
        ("callbackUrl", Some("POINTS_E_OPTIONS")),
        ("priceSelector", Some("POINTS_E_OPTIONS")),
        ("env", Some("POINTS_E_ORIGIN")),
        ("server", None),
        ("orderParam", None),
        ("parentOrigin", None),
        ("widgetUrl", None),
    ];
    for (key, expect) in cases {
        let container = fresh_container();
        let errors = Recorder::new(&container, "points:error", "code");
        let _handle = mount(
            &container,
            &[
                ("type", "installments".into()),
                ("points", 5.into()),
                (key, HOSTILE.into()),
            ],
        );
        match expect {
            Some(code) => {
                assert_eq!(errors.values(), [code], "{key}");
                assert_eq!(container.child_element_count(), 0, "{key}");
            }
            None => {
                assert_eq!(errors.values(), Vec::<String>::new(), "{key}");
                assert_eq!(state(&container).as_deref(), Some("ready"), "{key}");
            }
        }
        assert_no_injection(&container);
    }
    // An <img> error handler would run asynchronously: give it the chance.
    sleep(100).await;
    let window = web_sys::window().expect("window");
    assert!(
        Reflect::get(&window, &"__pkPwned".into())
            .expect("get")
            .is_undefined()
    );
}
