//! The hosted steps beyond the happy path: onboarding for a phone new to Points (API.md §4.4),
//! the OTP resend cooldown (§4.2), and the reserved declined card (→ `status=failed`, §6.1).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestSandbox, eventually, spawn_sandbox, spawn_sandbox_with};

fn body(order_number: &str, total: f64) -> Value {
    json!({
        "total_price": total,
        "order_number": order_number,
        "callback_url": "https://shop.example/points/return?ref=abc",
    })
}

async fn html(app: &TestSandbox, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// Posts a form; the status, the `Location` (if any) and the page.
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

/// Phone and OTP for `phone`; where the OTP step sends the shopper.
async fn verify(app: &TestSandbox, id: &str, phone: &str) -> String {
    let (status, _, _) = submit(app, &format!("/checkout/{id}/phone"), &[("phone", phone)]).await;
    assert_eq!(status, 303);
    let (status, location, page) =
        submit(app, &format!("/checkout/{id}/otp"), &[("otp", "1234")]).await;
    assert_eq!(status, 303, "{page}");
    location
}

#[tokio::test]
async fn an_unknown_phone_lands_on_onboarding_and_pays_by_card_with_a_new_wallet() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 80.0)).await;
    let before = app.control_get("/_sandbox/customers/0551234567").await;
    assert_eq!(before["known"], false);

    let location = verify(&app, &id, "0551234567").await;
    assert_eq!(location, format!("/checkout/{id}/welcome?lang=ar"));
    let skipped = app.get(&format!("/checkout/{id}/redeem")).await;
    assert_eq!(skipped.status(), 303, "no balance before onboarding");
    assert_eq!(
        skipped.headers()["location"],
        format!("/checkout/{id}/welcome?lang=ar").as_str()
    );
    let (status, page) = html(&app, &format!("/checkout/{id}/welcome")).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(page.contains(r#"data-page="onboarding""#));
    assert!(page.contains("مرحباً بك في بوينتس"));
    assert!(page.contains("+9665*****567"), "the phone is masked");
    assert!(!page.contains("<script"), "hosted pages carry no script");
    let (_, english) = html(&app, &format!("/checkout/{id}/welcome?lang=en")).await;
    assert!(
        english.contains(r#"<html lang="en" dir="ltr">"#) && english.contains("Welcome to Points")
    );

    // Refused: the terms unaccepted, or an oversize name; nothing is created.
    let (status, _, page) = submit(
        &app,
        &format!("/checkout/{id}/welcome"),
        &[("name", "Sara")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("يجب الموافقة على الشروط"));
    assert!(page.contains(r#"value="Sara""#), "what was typed is kept");
    let long = "x".repeat(101);
    let (status, _, _) = submit(
        &app,
        &format!("/checkout/{id}/welcome"),
        &[("name", long.as_str()), ("terms", "accepted")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.control_get("/_sandbox/customers/551234567").await["known"],
        false
    );

    let (status, location, _) = submit(
        &app,
        &format!("/checkout/{id}/welcome"),
        &[("name", "Sara"), ("terms", "accepted")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/checkout/{id}/redeem?lang=ar").as_str())
    );
    let customer = app.control_get("/_sandbox/customers/551234567").await;
    assert_eq!(
        (customer["known"].clone(), customer["points"].clone()),
        (json!(true), json!(0))
    );
    assert_eq!(customer["account"], "active");
    let again = app.get(&format!("/checkout/{id}/welcome")).await;
    assert_eq!(again.status(), 303, "onboarding happens once");

    // A new wallet has nothing to redeem: the whole total goes to the card.
    let (_, balance) = html(&app, &format!("/checkout/{id}/redeem")).await;
    assert!(balance.contains(r#"data-testid="mode-card""#));
    let (status, location, _) =
        submit(&app, &format!("/checkout/{id}/redeem"), &[("mode", "card")]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/checkout/{id}/card?lang=ar").as_str())
    );
    let (_, card) = html(&app, &format!("/checkout/{id}/card")).await;
    assert!(card.contains("80.00"), "the whole total: {card}");
    let (status, _, success) = submit(
        &app,
        &format!("/checkout/{id}/card"),
        &[("card", "4242 4242 4242 4242")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(success.contains(r#"data-page="success""#));
    let order = app.order("ORD-1").await;
    assert_eq!(order["order_status"], "approved");
    assert_eq!(order["total_points"], 0);
    assert_eq!(order["payment_status"], "partially_paid");
    let uuid = order["uuid"].as_str().expect("uuid");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["event"], "approved");

    // Now Points knows the phone: the next checkout goes straight to the balance.
    let next = app.start_checkout(&body("ORD-2", 80.0)).await;
    assert_eq!(
        verify(&app, &next, "551234567").await,
        format!("/checkout/{next}/redeem?lang=ar")
    );
}

#[tokio::test]
async fn reserved_and_known_phones_never_see_onboarding() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 80.0)).await;
    assert_eq!(
        verify(&app, &id, "500000002").await,
        format!("/checkout/{id}/redeem?lang=ar")
    );
    let welcome = app.get(&format!("/checkout/{id}/welcome?lang=en")).await;
    assert_eq!(
        welcome.headers()["location"],
        format!("/checkout/{id}/redeem?lang=en").as_str()
    );

    // An earning made the phone known to Points.
    app.earned("EARN-1", 10.0).await;
    let id = app.start_checkout(&body("ORD-2", 80.0)).await;
    assert_eq!(
        verify(&app, &id, "0512345678").await,
        format!("/checkout/{id}/redeem?lang=ar")
    );
}

#[tokio::test]
async fn the_otp_page_counts_down_from_thirty_seconds_and_refuses_an_early_resend() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 80.0)).await;
    submit(
        &app,
        &format!("/checkout/{id}/phone"),
        &[("phone", "500000001")],
    )
    .await;

    let (_, page) = html(&app, &format!("/checkout/{id}/otp")).await;
    assert!(page.contains("إعادة الارسال في 00:30"), "{page}");
    assert!(page.contains(r#"aria-disabled="true""#));
    assert!(page.contains("تم إرسال الرمز عبر الرسائل القصيرة"));
    assert!(!page.contains("<script"));
    let (status, _, page) = submit(
        &app,
        &format!("/checkout/{id}/otp/resend"),
        &[("lang", "en")],
    )
    .await;
    assert_eq!(status, 429);
    assert!(page.contains("You can ask for a new code in 00:"), "{page}");
    // Refusing the resend changed nothing: the code still works.
    let (status, location, _) =
        submit(&app, &format!("/checkout/{id}/otp"), &[("otp", "1234")]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/checkout/{id}/redeem?lang=ar").as_str())
    );
}

#[tokio::test]
async fn a_new_code_is_sent_once_the_cooldown_is_over_and_at_most_five_per_session() {
    let app = spawn_sandbox_with(|c| c.otp_resend_after = Duration::from_secs(1)).await;
    let id = app.start_checkout(&body("ORD-1", 80.0)).await;
    submit(
        &app,
        &format!("/checkout/{id}/phone"),
        &[("phone", "500000001")],
    )
    .await;
    let resend = format!("/checkout/{id}/otp/resend");

    let (early, _, _) = submit(&app, &resend, &[]).await;
    assert_eq!(early, 429, "inside the cooldown");
    let location = eventually("the cooldown to pass", || async {
        let (status, location, _) = submit(&app, &resend, &[]).await;
        (status == 303).then_some(location)
    })
    .await;
    assert_eq!(location, format!("/checkout/{id}/otp?lang=ar"));
    let (again, _, _) = submit(&app, &resend, &[]).await;
    assert_eq!(again, 429, "a new code starts a new cooldown");

    let app = spawn_sandbox_with(|c| c.otp_resend_after = Duration::ZERO).await;
    let id = app.start_checkout(&body("ORD-1", 80.0)).await;
    submit(
        &app,
        &format!("/checkout/{id}/phone"),
        &[("phone", "500000001")],
    )
    .await;
    let resend = format!("/checkout/{id}/otp/resend");
    let (_, ready) = html(&app, &format!("/checkout/{id}/otp")).await;
    assert!(ready.contains(r#"aria-disabled="false""#) && ready.contains("إعادة الارسال<"));
    for _ in 0..4 {
        assert_eq!(submit(&app, &resend, &[]).await.0, 303);
    }
    let (status, _, page) = submit(&app, &resend, &[]).await;
    assert_eq!(status, 429, "five codes per session");
    assert!(page.contains("طلبت رموزاً كثيرة"));
    assert!(page.contains(r#"data-testid="resend-exhausted""#));
}

#[tokio::test]
async fn the_declined_card_fails_the_payment_cancels_the_order_and_returns_with_failed() {
    let app = spawn_sandbox().await;
    let id = app.start_checkout(&body("ORD-1", 224.0)).await;
    verify(&app, &id, "500000001").await;
    submit(
        &app,
        &format!("/checkout/{id}/redeem"),
        &[("mode", "partial"), ("amount", "150")],
    )
    .await;
    submit(&app, &format!("/checkout/{id}/confirm"), &[]).await;
    let (_, card) = html(&app, &format!("/checkout/{id}/card")).await;
    assert!(
        card.contains("4000 0000 0000 0002"),
        "the reserved card is documented on the page"
    );
    let (luhn, _, _) = submit(
        &app,
        &format!("/checkout/{id}/card"),
        &[("card", "4000 0000 0000 0003")],
    )
    .await;
    assert_eq!(luhn, 422, "not a card number");
    assert_eq!(app.order("ORD-1").await["order_status"], "new");

    let (status, _, page) = submit(
        &app,
        &format!("/checkout/{id}/card"),
        &[("card", "4000 0000 0000 0002"), ("lang", "en")],
    )
    .await;

    assert_eq!(status, 200);
    assert!(page.contains(r#"data-page="failed""#));
    assert!(page.contains("Your card was declined"));
    let order = app.order("ORD-1").await;
    let uuid = order["uuid"].as_str().expect("uuid");
    let refresh = format!(
        r#"<meta http-equiv="refresh" content="4;url=https://shop.example/points/return?ref=abc&amp;order_number=ORD-1&amp;uuid={uuid}&amp;status=failed">"#
    );
    assert!(page.contains(&refresh), "{page}");
    assert_eq!(order["order_status"], "cancelled");
    assert_eq!(order["reason"], "Payment failed: card declined");
    let got = app.receiver.wait_for(uuid, 1).await;
    assert_eq!(got[0].body["event"], "cancelled");
    assert_eq!(
        got[0].body["order"]["reason"],
        "Payment failed: card declined"
    );
    let wallet = app.control_get("/_sandbox/customers/500000001").await;
    assert_eq!(wallet["points"], 10_000, "no points left the wallet");

    // The session is over; its page links back with the same status.
    let (_, after) = html(&app, &format!("/checkout/{id}")).await;
    assert!(after.contains("status=failed"), "{after}");
    let (status, _, _) = submit(
        &app,
        &format!("/checkout/{id}/card"),
        &[("card", "4242 4242 4242 4242")],
    )
    .await;
    assert_eq!(status, 200, "the finished page, not a second payment");
    assert_eq!(app.order("ORD-1").await["order_status"], "cancelled");
}
