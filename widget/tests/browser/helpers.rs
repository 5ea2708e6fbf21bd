//! Finding things in a mounted widget, recording its events, and faking the page around it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use points_widget::Handle;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CustomEvent, Document, Element, Event, EventTarget, Response, ResponseInit, ShadowRoot,
};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// A new empty `<div>` in `<body>`.
pub fn fresh_container() -> Element {
    let doc = document();
    let div = doc.create_element("div").expect("div");
    doc.body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div
}

/// An options object: `container` plus `pairs`.
pub fn options(container: &Element, pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    Reflect::set(&object, &"container".into(), container).expect("set");
    for (key, value) in pairs {
        Reflect::set(&object, &JsValue::from_str(key), value).expect("set");
    }
    object.into()
}

/// `PointsWidget.init(options)` as the loader calls it, the loader being on this (loopback) origin.
pub fn mount(container: &Element, pairs: &[(&str, JsValue)]) -> Handle {
    points_widget::configure(format!("{}/widget/widget-loader.js", page_origin()));
    points_widget::mount(options(container, pairs))
}

/// `location.origin` of the test page (`http://127.0.0.1:PORT`).
pub fn page_origin() -> String {
    web_sys::window()
        .expect("window")
        .location()
        .origin()
        .expect("origin")
}

/// No `<img>` (or any element we did not create) came from a hostile string, and its handler
/// never ran.
pub fn assert_no_injection(container: &Element) {
    let window = web_sys::window().expect("window");
    assert!(
        Reflect::get(&window, &"__pkPwned".into())
            .expect("get")
            .is_undefined(),
        "an injected handler ran"
    );
    assert!(document().query_selector("img").expect("query").is_none());
    if let Some(host) = container.query_selector(".pk-host").expect("query")
        && let Some(root) = host.shadow_root()
    {
        assert!(
            root.query_selector("img, script, iframe, [onerror]")
                .expect("q")
                .is_none()
        );
    }
}

/// The shadow root of our wrapper in `container`.
pub fn shadow(container: &Element) -> ShadowRoot {
    host(container).shadow_root().expect("an open shadow root")
}

/// Our wrapper element (light DOM).
pub fn host(container: &Element) -> Element {
    container
        .query_selector(".pk-host")
        .expect("query")
        .expect("a .pk-host wrapper")
}

/// The one element matching `selector` inside the widget's shadow root.
pub fn find(container: &Element, selector: &str) -> Element {
    shadow(container)
        .query_selector(selector)
        .expect("query")
        .unwrap_or_else(|| panic!("no {selector} in the widget"))
}

pub fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default()
}

pub fn state(container: &Element) -> Option<String> {
    container.get_attribute("data-state")
}

/// Every `name` event on `target`, as (detail field `key`) strings or numbers rendered as text.
pub struct Recorder {
    pub seen: Rc<RefCell<Vec<String>>>,
    target: EventTarget,
    name: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Recorder {
    pub fn new(target: &EventTarget, name: &'static str, key: &'static str) -> Self {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&seen);
        let callback = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let detail = event
                .dyn_into::<CustomEvent>()
                .map(|e| e.detail())
                .unwrap_or(JsValue::NULL);
            let value = Reflect::get(&detail, &key.into()).unwrap_or(JsValue::UNDEFINED);
            let value = value
                .as_string()
                .or_else(|| value.as_f64().map(|n| n.to_string()));
            sink.borrow_mut().push(value.unwrap_or_else(|| "?".into()));
        });
        target
            .add_event_listener_with_callback(name, callback.as_ref().unchecked_ref())
            .expect("listen");
        Recorder {
            seen,
            target: target.clone(),
            name,
            callback,
        }
    }

    pub fn values(&self) -> Vec<String> {
        self.seen.borrow().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.callback.as_ref().unchecked_ref());
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("timer");
}

/// Polls `check` every 20 ms for up to `ms`; the bounded retry used for eventual assertions.
pub async fn eventually(ms: i32, what: &str, check: impl Fn() -> bool) {
    let mut waited = 0;
    while !check() {
        assert!(waited < ms, "timed out after {ms} ms waiting for {what}");
        sleep(20).await;
        waited += 20;
    }
}

/// Sets the page's query string without navigating (`history.replaceState`).
pub fn set_query(query: &str) {
    let window = web_sys::window().expect("window");
    let path = window.location().pathname().expect("pathname");
    let url = format!("{path}{query}");
    window
        .history()
        .expect("history")
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .expect("replaceState");
}

/// `window.fetch` replaced by canned answers; the real one comes back on drop.
pub struct FakeFetch {
    pub urls: Rc<RefCell<Vec<String>>>,
    original: JsValue,
    _stub: Closure<dyn FnMut(JsValue) -> Promise>,
}

impl FakeFetch {
    /// Answers `(status, body)` in turn, repeating the last one.
    pub fn install(answers: &[(u16, &str)]) -> Self {
        let window = web_sys::window().expect("window");
        let original = Reflect::get(&window, &"fetch".into()).expect("fetch");
        let urls = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&urls);
        let answers: Vec<(u16, String)> =
            answers.iter().map(|(s, b)| (*s, (*b).to_owned())).collect();
        let stub = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |url: JsValue| {
            let mut log = log.borrow_mut();
            log.push(url.as_string().unwrap_or_default());
            let (status, body) = &answers[(log.len() - 1).min(answers.len() - 1)];
            let init = ResponseInit::new();
            init.set_status(*status);
            let response =
                Response::new_with_opt_str_and_init(Some(body), &init).expect("Response");
            Promise::resolve(&JsValue::from(response))
        });
        let function: &Function = stub.as_ref().unchecked_ref();
        Reflect::set(&window, &"fetch".into(), function).expect("stub fetch");
        FakeFetch {
            urls,
            original,
            _stub: stub,
        }
    }

    pub fn calls(&self) -> usize {
        self.urls.borrow().len()
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = Reflect::set(&window, &"fetch".into(), &self.original);
        }
    }
}

/// `window.fetch` replaced by one that never answers but honours its `signal`, rejecting with
/// an `AbortError` when aborted, as the browser's own does; the real one comes back on drop.
pub struct HangingFetch {
    pub calls: Rc<RefCell<usize>>,
    original: JsValue,
    _stub: Closure<dyn FnMut(JsValue, JsValue) -> Promise>,
}

impl HangingFetch {
    pub fn install() -> Self {
        let window = web_sys::window().expect("window");
        let original = Reflect::get(&window, &"fetch".into()).expect("fetch");
        let calls = Rc::new(RefCell::new(0));
        let count = Rc::clone(&calls);
        let stub = Closure::<dyn FnMut(JsValue, JsValue) -> Promise>::new(
            move |_url: JsValue, init: JsValue| {
                *count.borrow_mut() += 1;
                let signal = Reflect::get(&init, &"signal".into()).unwrap_or(JsValue::UNDEFINED);
                Promise::new(&mut |_resolve, reject| {
                    let Some(target) = signal.dyn_ref::<EventTarget>() else {
                        return;
                    };
                    let on_abort = Closure::once_into_js(move || {
                        let error = web_sys::DomException::new_with_message_and_name(
                            "The operation was aborted.",
                            "AbortError",
                        )
                        .map(JsValue::from)
                        .unwrap_or(JsValue::NULL);
                        let _ = reject.call1(&JsValue::NULL, &error);
                    });
                    let _ =
                        target.add_event_listener_with_callback("abort", on_abort.unchecked_ref());
                })
            },
        );
        let function: &Function = stub.as_ref().unchecked_ref();
        Reflect::set(&window, &"fetch".into(), function).expect("stub fetch");
        HangingFetch {
            calls,
            original,
            _stub: stub,
        }
    }
}

impl Drop for HangingFetch {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = Reflect::set(&window, &"fetch".into(), &self.original);
        }
    }
}

/// Counts the page's `unhandledrejection` events while it lives.
pub struct UnhandledRejections {
    pub count: Rc<RefCell<usize>>,
    listener: Closure<dyn FnMut(Event)>,
}

impl UnhandledRejections {
    pub fn watch() -> Self {
        let count = Rc::new(RefCell::new(0));
        let seen = Rc::clone(&count);
        let listener = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            *seen.borrow_mut() += 1;
            // Handled here: the test reports it, the runner need not.
            event.prevent_default();
        });
        web_sys::window()
            .expect("window")
            .add_event_listener_with_callback(
                "unhandledrejection",
                listener.as_ref().unchecked_ref(),
            )
            .expect("listen");
        UnhandledRejections { count, listener }
    }
}

impl Drop for UnhandledRejections {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "unhandledrejection",
                self.listener.as_ref().unchecked_ref(),
            );
        }
    }
}
