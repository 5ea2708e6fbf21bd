//! The hosted checkout's steps (API.md §4.2, §12): phone entry, OTP (`1234`, with a resend
//! cooldown), onboarding for a phone new to Points, balance with full or partial redemption
//! (or none), confirmation, a fake card for the remainder (one reserved number is declined),
//! and success with a 4-second redirect to the store (`<meta http-equiv="refresh">`, no script).
//!
//! - `GET|POST /checkout/{id}/phone` → `otp` (+ `POST otp/resend`) → (`welcome`) → `redeem` →
//!   `confirm` → (`card`) → success page, or the declined page with `status=failed`
//!
//! Each step sends the shopper back to the first one not done yet. Reserved phone `500000003`
//! has no Points account and gets "للاسف ما عندك حساب في بوينتس".

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    LangQuery, html,
    page::{Switch, escape, lang_field, layout, layout_with_head},
    render,
    text::{format_sar, text},
};
use crate::{
    clock,
    lang::Lang,
    order::Order,
    session::{Journey, SessionView},
    state::AppState,
};

mod card;
mod copy;
mod otp;
mod pay;
mod phone;
mod welcome;

pub use card::{card_page, card_submit};
pub use copy::flow_text;
pub use otp::{otp_page, otp_resend, otp_submit};
pub use pay::{confirm_page, confirm_submit, redeem_page, redeem_submit};
pub use phone::{phone_page, phone_submit};
pub use welcome::{welcome_page, welcome_submit};

/// Seconds before the success and declined pages send the shopper back (API.md §4.2).
const REDIRECT_SECONDS: u8 = 4;

/// The steps in order; a step's page needs every earlier one done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Phone,
    Otp,
    Welcome,
    Redeem,
    Confirm,
    Card,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Phone => "phone",
            Step::Otp => "otp",
            Step::Welcome => "welcome",
            Step::Redeem => "redeem",
            Step::Confirm => "confirm",
            Step::Card => "card",
        }
    }

    /// The first step `journey` has not done.
    fn next_for(journey: &Journey) -> Step {
        match journey {
            Journey { phone: None, .. } => Step::Phone,
            Journey {
                verified: false, ..
            } => Step::Otp,
            Journey {
                onboarding: true, ..
            } => Step::Welcome,
            Journey {
                redemption: None, ..
            } => Step::Redeem,
            _ => Step::Confirm,
        }
    }
}

/// An open session's journey, order and the phone's balance, or the page (in `lang`) the
/// session shows instead.
#[expect(
    clippy::result_large_err,
    reason = "the error is the page to answer with, built once per request"
)]
fn open(state: &AppState, id: &str, lang: Lang) -> Result<(Journey, Box<Order>, u64), Response> {
    let now = clock::now();
    let mut store = state.store();
    match store.session_view(id, now) {
        SessionView::Open { session, order, .. } => {
            let balance = session
                .journey
                .phone
                .as_ref()
                .map_or(0, |p| store.customer(p.expose()).points);
            Ok((session.journey, order, balance))
        }
        other => Err(render(lang, &other)),
    }
}

fn go(id: &str, step: &str, lang: Lang) -> Response {
    Redirect::to(&format!(
        "/checkout/{}/{step}?lang={}",
        escape(id),
        lang.as_str()
    ))
    .into_response()
}

fn form_value(form: &[u8], key: &str) -> Option<String> {
    url::form_urlencoded::parse(form)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
}

fn form_lang(form: &[u8], query: &LangQuery) -> Lang {
    form_value(form, "lang").map_or_else(
        || Lang::from_param(query.lang.as_deref()),
        |l| Lang::from_param(Some(&l)),
    )
}

/// Renders `step` if the journey has reached it, else sends the shopper to the right step.
fn guard(id: &str, step: Step, journey: &Journey, lang: Lang) -> Option<Response> {
    let next = Step::next_for(journey);
    let reached = step <= next || (step == Step::Card && next == Step::Confirm);
    // Onboarding is only for a phone new to Points; nobody else goes back to it.
    let misplaced = step == Step::Welcome && next != Step::Welcome;
    (!reached || misplaced).then(|| go(id, next.path(), lang))
}

fn summary(lang: Lang, order: &Order) -> String {
    let t = text(lang);
    format!(
        r#"<dl class="pk-panel"><div class="pk-row"><dt>{}</dt><dd data-testid="order-total">{} {}</dd></div></dl>
"#,
        t.order_total,
        format_sar(order.total_price),
        t.currency
    )
}

/// A form step of the hosted flow in the page layout with the cancel link under it: `status`
/// is 200, or 422 / 429 when it is shown again with an error.
fn form_step(
    lang: Lang,
    page: &str,
    title: &str,
    main: String,
    id: &str,
    status: StatusCode,
) -> Response {
    html(
        status,
        layout(
            lang,
            page,
            title,
            &with_cancel(main, lang, id),
            Switch::Omit,
        ),
    )
}

/// 422 when a step is shown again with an error, else 200.
fn status_for(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

fn with_cancel(main: String, lang: Lang, id: &str) -> String {
    format!(
        r#"{main}
<form method="post" action="/checkout/{}/cancel">{}<button type="submit" class="pk-link" data-testid="cancel">{}</button></form>"#,
        escape(id),
        lang_field(lang),
        text(lang).cancel
    )
}

fn error_line(error: Option<&str>) -> String {
    error.map_or_else(String::new, |e| {
        format!(r#"<p class="pk-error" role="alert" data-testid="error">{e}</p>"#)
    })
}

/// A final page that returns to the store after [`REDIRECT_SECONDS`] (when the merchant gave a
/// `callback_url`), with a link for those who do not wait.
fn returning_page(
    lang: Lang,
    page: &str,
    title: &str,
    main: &str,
    back: Option<&url::Url>,
) -> Response {
    let t = text(lang);
    let f = flow_text(lang);
    let head = back.map_or_else(String::new, |url| {
        format!(
            r#"<meta http-equiv="refresh" content="{REDIRECT_SECONDS};url={}">
"#,
            escape(url.as_str())
        )
    });
    let link = back.map_or_else(String::new, |url| {
        format!(
            r#"<p class="pk-note" data-testid="redirecting">{}</p><a class="pk-btn" href="{}" data-testid="back-to-store">{}</a>"#,
            f.redirecting,
            escape(url.as_str()),
            t.back_to_store
        )
    });
    html(
        StatusCode::OK,
        layout_with_head(
            lang,
            page,
            title,
            &format!("{main}\n{link}"),
            Switch::Omit,
            &head,
        ),
    )
}
