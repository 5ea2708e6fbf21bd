//! `return`: the reference comes from the URL, the state only from the merchant server.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::helpers::*;

const PENDING: &str = r#"{"order_number":"ORD-7","state":"pending"}"#;
const CONFIRMED: &str = r#"{"order_number":"ORD-7","state":"confirmed","total":"150.75"}"#;

fn status_text(container: &web_sys::Element) -> String {
    text(&find(container, "[role=status]"))
}

#[wasm_bindgen_test]
async fn polls_until_the_server_confirms_and_ignores_the_status_param() {
    set_query("?ref=ORD-7&status=approved");
    let fetch = FakeFetch::install(&[(200, PENDING), (200, CONFIRMED)]);
    let container = fresh_container();
    let updates = Recorder::new(&container, "points:updated", "state");

    let _handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );

    // `status=approved` in the URL must not show anything but "confirming".
    assert_eq!(state(&container).as_deref(), Some("pending"));
    assert_eq!(status_text(&container), "Confirming your order…");
    let region = find(&container, "[role=status]");
    assert_eq!(region.get_attribute("aria-live").as_deref(), Some("polite"));

    eventually(3_000, "confirmed", || {
        state(&container).as_deref() == Some("confirmed")
    })
    .await;
    assert_eq!(
        status_text(&container),
        "Your order is confirmedOrder number: ORD-7"
    );
    assert_eq!(text(&find(&container, "bdi.pk-status__ref")), "ORD-7");
    assert_eq!(updates.values(), ["confirmed"]);
    assert_eq!(
        fetch.urls.borrow().first().map(String::as_str),
        Some("/api/orders/ORD-7")
    );

    // Terminal: no more requests.
    let calls = fetch.calls();
    sleep(900).await;
    assert_eq!(fetch.calls(), calls);
    set_query("");
}

#[wasm_bindgen_test]
async fn arabic_pending_then_failed_with_a_custom_param_and_server() {
    set_query("?oid=A%2F1&ref=ignored");
    let fetch = FakeFetch::install(&[
        (503, ""),
        (200, r#"{"order_number":"A/1","state":"failed"}"#),
    ]);
    let container = fresh_container();

    let _handle = mount(
        &container,
        &[
            ("type", "return".into()),
            ("orderParam", "oid".into()),
            ("server", format!("{}/", page_origin()).into()),
        ],
    );

    assert_eq!(status_text(&container), "جارٍ تأكيد طلبك…");
    assert_eq!(
        host(&container).get_attribute("dir").as_deref(),
        Some("rtl")
    );
    eventually(3_000, "failed", || {
        state(&container).as_deref() == Some("failed")
    })
    .await;
    assert_eq!(status_text(&container), "لم يكتمل الدفع");
    assert_eq!(
        fetch.urls.borrow()[0],
        format!("{}/api/orders/A%2F1", page_origin())
    );
    set_query("");
}

#[wasm_bindgen_test]
async fn an_unknown_order_is_an_order_error() {
    set_query("?order_number=NOPE");
    let _fetch = FakeFetch::install(&[(404, r#"{"error":"not found"}"#)]);
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");

    let _handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );

    eventually(2_000, "error", || {
        state(&container).as_deref() == Some("error")
    })
    .await;
    assert_eq!(errors.values(), ["POINTS_E_ORDER"]);
    assert_eq!(status_text(&container), "We could not find this order.");
    set_query("");
}

#[wasm_bindgen_test]
async fn without_a_reference_nothing_is_fetched() {
    set_query("?status=approved&uuid=0b5c");
    let fetch = FakeFetch::install(&[(200, CONFIRMED)]);
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");

    let _handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );

    assert_eq!(state(&container).as_deref(), Some("error"));
    assert_eq!(errors.values(), ["POINTS_E_ORDER"]);
    assert_eq!(
        status_text(&container),
        "We could not find an order reference in this link."
    );
    sleep(600).await;
    assert_eq!(fetch.calls(), 0);
    set_query("");
}

#[wasm_bindgen_test]
async fn destroy_stops_polling() {
    set_query("?ref=ORD-7");
    let fetch = FakeFetch::install(&[(200, PENDING)]);
    let container = fresh_container();
    let handle = mount(&container, &[("type", "return".into())]);
    eventually(1_000, "first request", || fetch.calls() == 1).await;

    handle.destroy();
    sleep(1_400).await;

    assert_eq!(fetch.calls(), 1);
    assert_eq!(container.child_element_count(), 0);
    set_query("");
}

#[wasm_bindgen_test]
async fn a_status_server_on_another_origin_is_refused() {
    set_query("?ref=ORD-7");
    let fetch = FakeFetch::install(&[(200, CONFIRMED)]);
    for server in [
        "https://shop.example",
        "//evil.example",
        "javascript:alert(1)",
    ] {
        let container = fresh_container();
        let errors = Recorder::new(&container, "points:error", "code");
        let handle = mount(
            &container,
            &[("type", "return".into()), ("server", server.into())],
        );
        assert!(!handle.mounted(), "{server}");
        assert_eq!(errors.values(), ["POINTS_E_ORIGIN"], "{server}");
        assert_eq!(container.child_element_count(), 0);
    }
    sleep(600).await;
    assert_eq!(fetch.calls(), 0);
    set_query("");
}

#[wasm_bindgen_test]
async fn hostile_references_are_shown_as_text() {
    let hostile = "<img src=x onerror=window.__pkPwned=1>javascript:alert(1)";
    let encoded = String::from(js_sys::encode_uri_component(hostile));
    set_query(&format!("?ref={encoded}"));
    let body = format!(
        r#"{{"order_number":{},"state":"confirmed"}}"#,
        String::from(js_sys::JSON::stringify(&hostile.into()).expect("json"))
    );
    let _fetch = FakeFetch::install(&[(200, body.as_str())]);
    let container = fresh_container();
    let _handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );
    eventually(2_000, "confirmed", || {
        state(&container).as_deref() == Some("confirmed")
    })
    .await;
    assert_eq!(text(&find(&container, "bdi.pk-status__ref")), hostile);
    assert_no_injection(&container);
    set_query("");
}

#[wasm_bindgen_test]
async fn a_reference_with_a_direction_override_is_not_used() {
    set_query("?ref=ORD\u{202e}7-DRO");
    let fetch = FakeFetch::install(&[(200, CONFIRMED)]);
    let container = fresh_container();
    let errors = Recorder::new(&container, "points:error", "code");
    let _handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );
    assert_eq!(errors.values(), ["POINTS_E_ORDER"]);
    sleep(600).await;
    assert_eq!(fetch.calls(), 0);
    set_query("");
}

#[wasm_bindgen_test]
async fn a_well_formed_uuid_goes_to_the_server_as_a_hint_and_a_hostile_one_does_not() {
    for (query, expected) in [
        (
            "?ref=ORD-7&uuid=550e8400-e29b-41d4-a716-446655440000&status=approved",
            "/api/orders/ORD-7?uuid=550e8400-e29b-41d4-a716-446655440000",
        ),
        ("?ref=ORD-7&uuid=x%26status%3Dapproved", "/api/orders/ORD-7"),
    ] {
        set_query(query);
        let fetch = FakeFetch::install(&[(200, CONFIRMED)]);
        let container = fresh_container();
        let _handle = mount(&container, &[("type", "return".into())]);
        eventually(3_000, "confirmed", || {
            state(&container).as_deref() == Some("confirmed")
        })
        .await;
        assert_eq!(
            fetch.urls.borrow().first().map(String::as_str),
            Some(expected),
            "query {query}"
        );
    }
    set_query("");
}

#[wasm_bindgen_test]
async fn destroying_the_widget_mid_request_raises_nothing_into_the_page() {
    set_query("?ref=ORD-7");
    let rejections = UnhandledRejections::watch();
    let fetch = HangingFetch::install();
    let container = fresh_container();
    let handle = mount(
        &container,
        &[("type", "return".into()), ("lang", "en".into())],
    );
    eventually(2_000, "the status request in flight", || {
        *fetch.calls.borrow() > 0
    })
    .await;

    // Destroying aborts the request; its rejection must end inside the widget.
    handle.destroy();
    assert!(!handle.mounted());
    sleep(300).await;
    assert_eq!(
        *rejections.count.borrow(),
        0,
        "no unhandled rejection reached the page"
    );
    assert_eq!(
        *fetch.calls.borrow(),
        1,
        "nothing asked again after destroy"
    );
    drop(fetch);
    set_query("");
}
