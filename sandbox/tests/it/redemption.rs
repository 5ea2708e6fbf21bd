//! The hosted step-by-step redemption (API.md §4.2, §12): phone, OTP, balance, confirmation,
//! card, success with a 4-second redirect; reserved phones; both languages.

use serde_json::{Value, json};

use crate::helpers::{TestSandbox, spawn_sandbox};

fn body(order_number: &str, total: f64, phone: Option<&str>) -> Value {
    json!({
        "total_price": total,
        "order_number": order_number,
        "phone_number": phone,
        "callback_url": "https://shop.example/points/return?ref=abc",
    })
}

async fn html(app: &TestSandbox, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// Posts a step's form and returns the status, the `Location` (if any) and the page.
async fn submit(app: &TestSandbox, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let response = app.post_form(path, form).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.expect("body"))
}

/// Walks phone → OTP → balance for `id`, choosing `mode` (and `amount`).
async fn up_to_confirm(app: &TestSandbox, id: &str, phone: &str, redeem: &[(&str, &str)]) {
    let (status, location, _) =
        submit(app, &format!("/checkout/{id}/phone"), &[("phone", phone)]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/checkout/{id}/otp?lang=ar").as_str())
    );
    let (status, location, _) =
        submit(app, &format!("/checkout/{id}/otp"), &[("otp", "1234")]).await;
    assert_eq!(status, 303);
    assert!(location.contains("/redeem"), "{location}");
    let (status, location, page) = submit(app, &format!("/checkout/{id}/redeem"), redeem).await;
    assert_eq!(status, 303, "{page}");
    assert!(location.contains("/confirm"), "{location}");
}

#[tokio::test]
async fn a_full_redemption_skips_the_card_and_returns_to_the_store_after_four_seconds() {
    let app = spawn_sandbox().await;
    let id = app
        .start_checkout(&body("ORD-1", 224.0, Some("0500000001")))
        .await;

    let (_, start) = html(&app, &format!("/checkout/{id}")).await;
    assert!(start.contains(r#"data-testid="start""#));
    let (status, phone_page) = html(&app, &format!("/checkout/{id}/phone")).await;
    assert_eq!(status, 200);
    assert!(
        phone_page.contains(r#"value="0500000001""#),
        "the request's phone is prefilled"
    );
    let (entered, _, page) = submit(
        &app,
        &format!("/checkout/{id}/phone"),
        &[("phone", "0500000001")],
    )
    .await;
    assert_eq!(entered, 303);
    let (status, otp) = html(&app, &format!("/checkout/{id}/otp")).await;
    assert_eq!(status, 200, "{page}");
    assert!(otp.contains("+9665*****001"), "the phone is masked");
    let (bad_otp, _, page) = submit(&app, &format!("/checkout/{id}/otp"), &[("otp", "9999")]).await;
    assert_eq!(bad_otp, 422);
    assert!(page.contains("رمز التحقق غير صحيح"));
    submit(&app, &format!("/checkout/{id}/otp"), &[("otp", "1234")]).await;
    let (_, balance) = html(&app, &format!("/checkout/{id}/redeem")).await;
    assert!(
        balance.contains("10,000"),
        "the reserved customer's balance"
    );
    assert!(balance.contains("7,467"), "224 SAR in points");
    let (status, _, _) = submit(&app, &format!("/checkout/{id}/redeem"), &[("mode", "full")]).await;
    assert_eq!(status, 303);
    let (_, confirm) = html(&app, &format!("/checkout/{id}/confirm")).await;
    assert!(confirm.contains("تأكيد الإستبدال"));

    let (status, _, success) = submit(&app, &format!("/checkout/{id}/confirm"), &[]).await;

    assert_eq!(status, 200);
    assert!(success.contains(r#"data-page="success""#));
    let order = app.order("ORD-1").await;
    let uuid = order["uuid"].as_str().expect("uuid");
    let refresh = format!(
        r#"<meta http-equiv="refresh" content="4;url=https://shop.example/points/return?ref=abc&amp;order_number=ORD-1&amp;uuid={uuid}&amp;status=approved">"#
    );
    assert!(success.contains(&refresh), "{success}");
    assert_eq!(order["order_status"], "approved");
    assert_eq!(order["total_points"], 7_467);
    assert_eq!(order["payment_status"], "fully_paid");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["order"]["total_points"], 7_467);
    let customer = app.control_get("/_sandbox/customers/500000001").await;
    assert_eq!(customer["points"], 10_000 - 7_467);
}

#[tokio::test]
async fn a_partial_redemption_pays_the_rest_by_card() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 224.0, None)).await;
    up_to_confirm(
        &app,
        &id,
        "500000001",
        &[("mode", "partial"), ("amount", "150")],
    )
    .await;
    let (_, confirm) = html(&app, &format!("/checkout/{id}/confirm")).await;
    assert!(confirm.contains("5,000"), "150 SAR = 5,000 points");
    assert!(confirm.contains("74.00"), "the remainder");

    let (status, location, _) = submit(&app, &format!("/checkout/{id}/confirm"), &[]).await;
    assert_eq!(status, 303);
    assert!(location.contains("/card"));
    let (bad, _, page) = submit(&app, &format!("/checkout/{id}/card"), &[("card", "1234")]).await;
    assert_eq!(bad, 422, "{page}");
    let (paid, _, success) = submit(
        &app,
        &format!("/checkout/{id}/card"),
        &[("card", "4242 4242 4242 4242")],
    )
    .await;

    assert_eq!(paid, 200);
    assert!(success.contains(r#"data-page="success""#));
    let order = app.order("ORD-1").await;
    assert_eq!(order["order_status"], "approved");
    assert_eq!(order["total_points"], 5_000);
    assert_eq!(order["payment_status"], "partially_paid");
    let uuid = order["uuid"].as_str().expect("uuid");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["order"]["payment_status"], "partially_paid");
    let customer = app.control_get("/_sandbox/customers/500000001").await;
    assert_eq!(customer["points"], 5_000);

    let (refunded, _) = app
        .post_api(&format!("/orders/{uuid}/refund"), &json!({}))
        .await;
    assert_eq!(refunded, 200);
    let customer = app.control_get("/_sandbox/customers/500000001").await;
    assert_eq!(
        customer["points"], 10_000,
        "redeemed points go back to the wallet"
    );
}

#[tokio::test]
async fn redeeming_too_much_or_too_little_is_refused_on_the_page() {
    let app = spawn_sandbox().await;
    let check = |total: f64,
                 phone: &'static str,
                 form: Vec<(&'static str, &'static str)>,
                 message: &'static str| {
        let app = &app;
        async move {
            let number = format!(
                "ORD-{total}-{}-{}",
                form.len(),
                form.last().map_or("", |f| f.1)
            );
            let id = app.start_checkout(&body(&number, total, None)).await;
            submit(app, &format!("/checkout/{id}/phone"), &[("phone", phone)]).await;
            submit(app, &format!("/checkout/{id}/otp"), &[("otp", "1234")]).await;
            let (status, _, page) = submit(app, &format!("/checkout/{id}/redeem"), &form).await;
            assert_eq!(status, 422, "{page}");
            assert!(page.contains(message), "{message} in {page}");
            assert_eq!(app.order(&number).await["order_status"], "new");
        }
    };
    check(
        400.0,
        "500000001",
        vec![("mode", "full")],
        "رصيد نقاطك لا يكفي",
    )
    .await;
    check(
        50.0,
        "500000002",
        vec![("mode", "full")],
        "رصيد نقاطك لا يكفي",
    )
    .await;
    check(
        9.0,
        "500000001",
        vec![("mode", "full")],
        "الحد الأدنى لقيمة الطلب",
    )
    .await;
    check(
        100.0,
        "500000001",
        vec![("mode", "partial"), ("amount", "101")],
        "المبلغ غير صحيح",
    )
    .await;
    check(
        100.0,
        "500000001",
        vec![("mode", "partial"), ("amount", "abc")],
        "المبلغ غير صحيح",
    )
    .await;
}

#[tokio::test]
async fn the_phone_without_an_account_is_told_so() {
    let app = spawn_sandbox().await;
    let preset = app
        .start_checkout(&body("ORD-1", 50.0, Some("500000003")))
        .await;
    let typed = app.start_checkout(&body("ORD-2", 50.0, None)).await;

    let (status, page) = html(&app, &format!("/checkout/{preset}/phone")).await;
    let (_, _, typed_page) = submit(
        &app,
        &format!("/checkout/{typed}/phone"),
        &[("phone", "+966500000003")],
    )
    .await;
    let (otp, _) = html(&app, &format!("/checkout/{preset}/otp")).await;

    assert_eq!(status, 200);
    assert!(page.contains("للاسف ما عندك حساب في بوينتس"));
    assert!(page.contains(r#"data-page="no-account""#));
    assert!(typed_page.contains("للاسف ما عندك حساب في بوينتس"));
    assert_eq!(otp, 303, "no OTP for a phone without an account");
    let (_, change) = html(&app, &format!("/checkout/{preset}/phone?change=1")).await;
    assert!(change.contains(r#"data-page="phone""#));
    let (bad, _, _) = submit(
        &app,
        &format!("/checkout/{typed}/phone"),
        &[("phone", "12")],
    )
    .await;
    assert_eq!(bad, 422);
}

#[tokio::test]
async fn steps_cannot_be_skipped_and_speak_english_on_request() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 50.0, None)).await;

    let skip = app.get(&format!("/checkout/{id}/confirm?lang=en")).await;
    assert_eq!(skip.status(), 303);
    assert_eq!(
        skip.headers()["location"],
        format!("/checkout/{id}/phone?lang=en").as_str()
    );
    let (_, phone) = html(&app, &format!("/checkout/{id}/phone?lang=en")).await;
    assert!(phone.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(phone.contains("Enter your mobile number"));
    let (_, arabic) = html(&app, &format!("/checkout/{id}/phone")).await;
    assert!(arabic.contains(r#"<html lang="ar" dir="rtl">"#));
    let (_, location, _) = submit(
        &app,
        &format!("/checkout/{id}/phone"),
        &[("phone", "512345678"), ("lang", "en")],
    )
    .await;
    assert_eq!(location, format!("/checkout/{id}/otp?lang=en"));
    let card = app.get(&format!("/checkout/{id}/card")).await;
    assert_eq!(card.status(), 303, "no card before the OTP");

    let (_, otp) = html(&app, &format!("/checkout/{id}/otp?lang=en")).await;
    assert!(
        otp.contains(&format!(r#"action="/checkout/{id}/cancel""#)),
        "every step can cancel"
    );
    let (cancelled, location, _) = submit(&app, &format!("/checkout/{id}/cancel"), &[]).await;
    assert_eq!(cancelled, 303);
    assert!(location.ends_with("&status=cancelled"), "{location}");
    assert_eq!(app.order("ORD-1").await["order_status"], "cancelled");

    let id = app.start_checkout(&body("ORD-2", 50.0, None)).await;
    app.control_post(&format!("/_sandbox/sessions/{id}/expire"), &json!({}))
        .await;
    let (expired, _) = html(&app, &format!("/checkout/{id}/otp")).await;
    assert_eq!(expired, 410);
}
