//! The loader's own duties: which bundle serves which type, and the failures that happen before
//! or around the wasm (`POINTS_E_FETCH`, `POINTS_E_INTERNAL`), none of which throw into the page.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::element::{call, loader};
use crate::helpers::*;

/// This test module's `mount`, wrapped so each call records which bundle the loader chose.
fn recording_module(bundle: &'static str, log: &Rc<RefCell<Vec<String>>>) -> JsValue {
    let module = Object::new();
    let log = Rc::clone(log);
    let mount = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |options: JsValue| {
        let kind = Reflect::get(&options, &"type".into()).unwrap_or_default();
        log.borrow_mut()
            .push(format!("{bundle}:{}", kind.as_string().unwrap_or_default()));
        points_widget::configure(format!("{}/widget/widget-loader.js", page_origin()));
        JsValue::from(points_widget::mount(options))
    });
    let destroy_all = Closure::<dyn Fn()>::new(points_widget::destroy_all);
    Reflect::set(&module, &"mount".into(), mount.as_ref()).expect("set");
    Reflect::set(&module, &"destroyAll".into(), destroy_all.as_ref()).expect("set");
    mount.forget();
    destroy_all.forget();
    module.into()
}

fn use_modules(api: &Object, product: &JsValue, ret: &JsValue) {
    let f: Function = Reflect::get(api, &"__useModule".into())
        .expect("get")
        .into();
    f.call2(api, product, ret).expect("__useModule");
}

#[wasm_bindgen_test]
async fn each_type_goes_to_its_bundle_and_a_type_change_moves_bundles() {
    let api = loader();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (product, ret) = (
        recording_module("widget", &log),
        recording_module("return", &log),
    );
    use_modules(&api, &product, &ret);
    let _server = FakeFetch::install(&[(200, r#"{"state":"pending","order_number":"A-1"}"#)]);
    set_query("?ref=A-1");

    let card = fresh_container();
    let card_opts = options(
        &card,
        &[("type", "points-card".into()), ("points", 5.into())],
    );
    let handle = call(&api, "init", &card_opts);
    let page = fresh_container();
    call(&api, "init", &options(&page, &[("type", "return".into())]));
    assert_eq!(
        log.borrow().as_slice(),
        ["widget:points-card", "return:return"]
    );

    // handle.update({type: 'return'}): the card leaves the product bundle for the return one.
    let update: Function = Reflect::get(&handle, &"update".into())
        .expect("update")
        .into();
    let change = Object::new();
    Reflect::set(&change, &"type".into(), &"return".into()).expect("set");
    update.call1(&handle, &change).expect("update");
    assert_eq!(
        log.borrow().last().map(String::as_str),
        Some("return:return")
    );
    assert!(
        shadow(&card)
            .query_selector(".pk-card")
            .expect("q")
            .is_none()
    );
    eventually(2000, "the return widget in the card's container", || {
        shadow(&card)
            .query_selector(".pk-status")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    call(&api, "destroy", &JsValue::UNDEFINED);
    set_query("");
}

#[wasm_bindgen_test]
async fn a_module_that_cannot_load_is_a_fetch_error_on_the_container() {
    let api = loader();
    // Load from the network: this loader ran from an inline script, so it has no directory.
    use_modules(&api, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");
    call(
        &api,
        "init",
        &options(
            &container,
            &[("type", "points-card".into()), ("points", 5.into())],
        ),
    );
    eventually(6000, "POINTS_E_FETCH", || !errors.values().is_empty()).await;
    assert_eq!(errors.values(), ["POINTS_E_FETCH"]);
    assert_eq!(state(&container).as_deref(), Some("error"));
    call(&api, "destroy", &JsValue::UNDEFINED);
}

#[wasm_bindgen_test]
fn a_module_that_throws_is_an_internal_error_not_an_exception() {
    let api = loader();
    let broken = Object::new();
    let mount = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(|_| {
        Err(js_sys::Error::new("the browser refused").into())
    });
    Reflect::set(&broken, &"mount".into(), mount.as_ref()).expect("set");
    mount.forget();
    use_modules(&api, &broken.into(), &JsValue::NULL);
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");
    // `call` panics if init throws: it must not.
    let handle = call(
        &api,
        "init",
        &options(
            &container,
            &[("type", "points-alert".into()), ("points", 5.into())],
        ),
    );
    assert_eq!(errors.values(), ["POINTS_E_INTERNAL"]);
    assert_eq!(state(&container).as_deref(), Some("error"));
    let mounted = Reflect::get(&handle, &"mounted".into()).expect("mounted");
    assert_eq!(mounted.as_bool(), Some(false));
    call(&api, "destroy", &JsValue::UNDEFINED);
}
