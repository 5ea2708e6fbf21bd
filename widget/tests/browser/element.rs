//! The loader in the page: `<points-widget>`, the reserved box, and `priceSelector`.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::helpers::*;

/// `window.PointsWidget`, running `widget/js/widget-loader.js` once, wired to this module.
pub(crate) fn loader() -> Object {
    let window = web_sys::window().expect("window");
    let existing = Reflect::get(&window, &"PointsWidget".into()).expect("get");
    if existing.is_undefined() {
        let script = document().create_element("script").expect("script");
        script.set_text_content(Some(include_str!("../../js/widget-loader.js")));
        document()
            .head()
            .expect("head")
            .append_child(&script)
            .expect("run the loader");
    }
    let api: Object = Reflect::get(&window, &"PointsWidget".into())
        .expect("get")
        .dyn_into()
        .expect("PointsWidget");
    use_module(&api, true);
    api
}

/// Gives the loader this test module as its wasm (`real`) or a module that never arrives.
fn use_module(api: &Object, real: bool) {
    let module = if real {
        let module = Object::new();
        let mount = Closure::<dyn Fn(JsValue) -> JsValue>::new(|options: JsValue| {
            points_widget::configure(format!("{}/widget/widget-loader.js", page_origin()));
            JsValue::from(points_widget::mount(options))
        });
        let destroy_all = Closure::<dyn Fn()>::new(points_widget::destroy_all);
        Reflect::set(&module, &"mount".into(), mount.as_ref()).expect("set");
        Reflect::set(&module, &"destroyAll".into(), destroy_all.as_ref()).expect("set");
        mount.forget();
        destroy_all.forget();
        JsValue::from(module)
    } else {
        JsValue::NULL
    };
    call(api, "__useModule", &module);
}

pub(crate) fn call(api: &Object, name: &str, arg: &JsValue) -> JsValue {
    let f: Function = Reflect::get(api, &name.into())
        .expect("get")
        .dyn_into()
        .expect("a function");
    f.call1(api, arg).expect("call")
}

fn height(element: &Element) -> f64 {
    element.get_bounding_client_rect().height()
}

async fn microtask() {
    JsFuture::from(Promise::resolve(&JsValue::NULL))
        .await
        .expect("microtask");
}

#[wasm_bindgen_test]
fn the_element_renders_and_updates_from_its_attributes_in_place() {
    let _api = loader();
    let doc = document();
    let el = doc.create_element("points-widget").expect("points-widget");
    for (name, value) in [("type", "points-card"), ("lang", "en"), ("points", "300")] {
        el.set_attribute(name, value).expect("attr");
    }
    let ready = Recorder::new(&el, "points:ready", "points");
    let updated = Recorder::new(&el, "points:updated", "points");
    doc.body().expect("body").append_child(&el).expect("append");

    assert_eq!(state(&el).as_deref(), Some("ready"));
    assert_eq!(ready.values(), ["300"]);
    let wrapper = host(&el);
    let card = find(&el, ".pk-card");

    el.set_attribute("points", "1507").expect("attr");
    assert_eq!(text(&find(&el, ".pk-number")), "1,507");
    assert!(
        card.is_same_node(Some(&find(&el, ".pk-card"))),
        "number updated in place"
    );

    el.set_attribute("price", "19.99").expect("attr");
    el.set_attribute("multiplier", "3").expect("attr");
    assert_eq!(text(&find(&el, ".pk-number")), "59");

    el.set_attribute("digits", "arabic").expect("attr");
    assert_eq!(text(&find(&el, ".pk-number")), "٥٩");
    el.set_attribute("lang", "ar").expect("attr");
    assert_eq!(wrapper.get_attribute("dir").as_deref(), Some("rtl"));
    el.set_attribute("type", "points-alert").expect("attr");
    assert!(text(&find(&el, ".pk-alert__text")).starts_with("ستكسب ٥٩ نقطة"));
    assert!(wrapper.is_same_node(Some(&host(&el))), "never re-mounted");
    assert_eq!(updated.values(), ["1507", "199", "59", "59", "59", "59"]);

    // A bad attribute is an input error; fixing it renders again.
    let errors = Recorder::new(&el, "points:error", "code");
    el.set_attribute("points", "-1").expect("attr");
    assert_eq!(errors.values(), ["POINTS_E_INPUT"]);
    assert_eq!(
        text(&find(&el, ".pk-number")),
        "٥٩",
        "the last good number stays"
    );

    el.remove();
    assert_eq!(el.child_element_count(), 0);
    assert_eq!(state(&el), None);
}

#[wasm_bindgen_test]
fn a_bad_attribute_at_connect_renders_nothing_until_fixed() {
    let _api = loader();
    let doc = document();
    let el = doc.create_element("points-widget").expect("points-widget");
    el.set_attribute("type", "points-card").expect("attr");
    el.set_attribute("points", "ten").expect("attr");
    let errors = Recorder::new(&el, "points:error", "code");
    doc.body().expect("body").append_child(&el).expect("append");
    assert_eq!(errors.values(), ["POINTS_E_INPUT"]);
    assert_eq!(el.child_element_count(), 0);

    el.set_attribute("points", "10").expect("attr");
    assert_eq!(state(&el).as_deref(), Some("ready"));
    assert_eq!(text(&find(&el, ".pk-number")), "10");
    el.remove();
}

#[wasm_bindgen_test]
fn the_loader_reserves_the_final_box_before_the_wasm_arrives() {
    let api = loader();
    use_module(&api, false);
    let mut reserved = Vec::new();
    for kind in ["points-card", "points-alert", "installments"] {
        let container = fresh_container();
        let init = options(
            &container,
            &[
                ("type", kind.into()),
                ("lang", "en".into()),
                ("points", 199.into()),
            ],
        );
        call(&api, "init", &init);
        assert_eq!(state(&container).as_deref(), Some("loading"));
        let skeleton = host(&container)
            .shadow_root()
            .expect("shadow")
            .query_selector(".pk-skeleton")
            .expect("q");
        assert!(skeleton.is_some(), "{kind}: a skeleton shows meanwhile");
        reserved.push((
            kind,
            container.clone(),
            host(&container),
            height(&container),
        ));
    }
    use_module(&api, true);
    for (kind, container, wrapper, before) in reserved {
        let init = options(
            &container,
            &[
                ("type", kind.into()),
                ("lang", "en".into()),
                ("points", 199.into()),
            ],
        );
        call(&api, "init", &init);
        assert_eq!(state(&container).as_deref(), Some("ready"), "{kind}");
        assert!(
            wrapper.is_same_node(Some(&host(&container))),
            "{kind}: box reused"
        );
        assert!(before > 40.0, "{kind}: reserved {before}px");
        assert_eq!(height(&container), before, "{kind}: the box kept its size");
    }
}

#[wasm_bindgen_test]
async fn the_price_selector_updates_the_points_in_the_same_frame() {
    let doc = document();
    let price = doc.create_element("p").expect("p");
    price.set_id("pk-test-price");
    price.set_text_content(Some("150.75 ر.س"));
    doc.body()
        .expect("body")
        .append_child(&price)
        .expect("append");
    let container = fresh_container();
    let updated = Recorder::new(&container, "points:updated", "points");
    let handle = mount(
        &container,
        &[
            ("type", "points-card".into()),
            ("multiplier", "10".into()),
            ("priceSelector", "#pk-test-price".into()),
        ],
    );
    assert_eq!(text(&find(&container, ".pk-number")), "1,507");

    price.set_text_content(Some("19.99 ر.س"));
    microtask().await;
    assert_eq!(text(&find(&container, ".pk-number")), "199");

    let node = price.first_child().expect("text node");
    node.set_node_value(Some("٢٠٫٠٠ ر.س"));
    microtask().await;
    assert_eq!(text(&find(&container, ".pk-number")), "200");
    assert_eq!(updated.values(), ["199", "200"]);

    handle.destroy();
    price.set_text_content(Some("1.00"));
    microtask().await;
    assert_eq!(updated.values(), ["199", "200"], "the observer is gone");
    price.remove();
}
