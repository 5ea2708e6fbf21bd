//! The hosted checkout's steps (API.md §4.2, §12): phone entry, OTP (`1234`), balance with full
//! or partial redemption, confirmation, a fake card for the remainder, and success with a
//! 4-second redirect to the store (`<meta http-equiv="refresh">`, no script needed).
//!
//! - `GET|POST /checkout/{id}/phone` → `otp` → `redeem` → `confirm` → (`card`) → success page
//!
//! Each step sends the shopper back to the first one not done yet. Reserved phone `500000003`
//! has no Points account and gets "للاسف ما عندك حساب في بوينتس".

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use protocol::PhoneNumber;

use super::{
    LangQuery, html,
    page::{Switch, escape, lang_field, layout},
    render,
    text::{format_sar, text},
};
use crate::{
    clock,
    customers::Account,
    lang::Lang,
    order::Order,
    session::{Journey, SessionView},
    state::AppState,
};

mod copy;
mod pay;

pub use copy::flow_text;
pub use pay::{card_page, card_submit, confirm_page, confirm_submit, redeem_page, redeem_submit};

/// The sandbox's OTP, always (API.md §12).
pub const OTP: &str = "1234";
/// Seconds before the success page sends the shopper back (API.md §4.2).
const REDIRECT_SECONDS: u8 = 4;

/// The steps in order; a step's page needs every earlier one done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Phone,
    Otp,
    Redeem,
    Confirm,
    Card,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Phone => "phone",
            Step::Otp => "otp",
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
                redemption: None, ..
            } => Step::Redeem,
            _ => Step::Confirm,
        }
    }
}

/// An open session's journey and order, or the page the session shows instead.
#[expect(
    clippy::result_large_err,
    reason = "the error is the page to answer with, built once per request"
)]
fn open(state: &AppState, id: &str) -> Result<(Journey, Box<Order>, u64), Response> {
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
        other => Err(render(Lang::Ar, &other)),
    }
}

fn go(id: &str, step: &str, lang: Lang) -> Response {
    Redirect::to(&format!(
        "/checkout/{}/{step}?lang={}",
        escape(id),
        lang.code()
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
    (step > next && !(step == Step::Card && next == Step::Confirm))
        .then(|| go(id, next.path(), lang))
}

pub async fn phone_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id) {
        Ok((journey, _, _))
            if query.change.is_none() && has_no_account(&state, journey.phone.as_ref()) =>
        {
            let phone = journey
                .phone
                .unwrap_or_else(|| unreachable!("checked above"));
            no_account(lang, &id, &phone)
        }
        Ok((journey, order, _)) => phone_form(lang, &id, &order, journey.phone.as_ref(), None),
        Err(page) => page,
    }
}

pub async fn phone_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let f = flow_text(lang);
    let order = match open(&state, &id) {
        Ok((_, order, _)) => order,
        Err(page) => return page,
    };
    let Ok(phone) = PhoneNumber::parse(&form_value(&form, "phone").unwrap_or_default()) else {
        return phone_form(lang, &id, &order, None, Some(f.bad_phone));
    };
    if has_no_account(&state, Some(&phone)) {
        return no_account(lang, &id, &phone);
    }
    let result = state.update(|store| {
        store.journey_mut(&id, clock::now(), |j| {
            j.phone = Some(phone);
            j.verified = false;
            j.redemption = None;
        })
    });
    match result {
        Ok(()) => go(&id, "otp", lang),
        Err(view) => render(lang, &view),
    }
}

/// Whether `phone` belongs to nobody at Points (reserved phone `500000003`).
fn has_no_account(state: &AppState, phone: Option<&PhoneNumber>) -> bool {
    phone.is_some_and(|p| state.store().customer(p.expose()).account == Account::Missing)
}

/// "للاسف ما عندك حساب في بوينتس", with a way to try another number.
fn no_account(lang: Lang, id: &str, phone: &PhoneNumber) -> Response {
    let f = flow_text(lang);
    tracing::info!(phone = %phone.masked(), "hosted checkout: no Points account");
    let main = format!(
        r#"<img class="pk-icon" src="/checkout/assets/clock.svg" alt="" width="64" height="64">
<h1 class="pk-title" data-testid="message-title">{}</h1>
<a class="pk-btn" href="/checkout/{}/phone?lang={}&amp;change=1" data-testid="change-number">{}</a>"#,
        f.no_account,
        escape(id),
        lang.code(),
        f.change_number
    );
    html(
        StatusCode::OK,
        layout(lang, "no-account", f.no_account, &main, Switch::Omit),
    )
}

fn phone_form(
    lang: Lang,
    id: &str,
    order: &Order,
    phone: Option<&PhoneNumber>,
    error: Option<&str>,
) -> Response {
    let f = flow_text(lang);
    let main = format!(
        r#"<h1 class="pk-title">{title}</h1>
{summary}<form method="post" action="/checkout/{id}/phone">{lang_field}
<label class="pk-field" for="phone">{label}</label>
<input class="pk-input" id="phone" name="phone" inputmode="tel" autocomplete="tel" dir="ltr" value="{value}" data-testid="phone" required>
{error}<button type="submit" class="pk-btn" data-testid="next">{next}</button></form>"#,
        title = f.phone_title,
        summary = summary(lang, order),
        id = escape(id),
        lang_field = lang_field(lang),
        label = f.phone_label,
        value = phone
            .map(|p| format!("0{}", p.expose()))
            .unwrap_or_default(),
        error = error_line(error),
        next = f.next,
    );
    form_step(lang, "phone", f.phone_title, main, id, error)
}

pub async fn otp_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id) {
        Ok((journey, _, _)) if has_no_account(&state, journey.phone.as_ref()) => {
            go(&id, "phone", lang)
        }
        Ok((journey, _, _)) => guard(&id, Step::Otp, &journey, lang)
            .unwrap_or_else(|| otp_form(lang, &id, &journey, None)),
        Err(page) => page,
    }
}

pub async fn otp_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let journey = match open(&state, &id) {
        Ok((journey, _, _)) => journey,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Otp, &journey, lang) {
        return redirect;
    }
    if has_no_account(&state, journey.phone.as_ref()) {
        return go(&id, "phone", lang);
    }
    if form_value(&form, "otp").as_deref() != Some(OTP) {
        return otp_form(lang, &id, &journey, Some(flow_text(lang).wrong_otp));
    }
    match state.update(|store| store.journey_mut(&id, clock::now(), |j| j.verified = true)) {
        Ok(()) => go(&id, "redeem", lang),
        Err(view) => render(lang, &view),
    }
}

fn otp_form(lang: Lang, id: &str, journey: &Journey, error: Option<&str>) -> Response {
    let f = flow_text(lang);
    let masked = journey
        .phone
        .as_ref()
        .map(|p| format!("+966{}", p.masked()))
        .unwrap_or_default();
    let main = format!(
        r#"<h1 class="pk-title">{title}</h1>
<p class="pk-text">{sent}: <bdi dir="ltr" data-testid="masked-phone">{masked}</bdi></p>
<a class="pk-link" href="/checkout/{id}/phone?lang={code}" data-testid="change-number">{change}</a>
<form method="post" action="/checkout/{id}/otp">{lang_field}
<label class="pk-field" for="otp">{label}</label>
<input class="pk-input pk-otp" id="otp" name="otp" inputmode="numeric" maxlength="4" pattern="[0-9]{{4}}" autocomplete="one-time-code" dir="ltr" data-testid="otp" required>
{error}<button type="submit" class="pk-btn" data-testid="verify">{verify}</button></form>"#,
        title = f.otp_title,
        sent = f.otp_sent,
        id = escape(id),
        code = lang.code(),
        change = f.change_number,
        lang_field = lang_field(lang),
        label = f.otp_label,
        error = error_line(error),
        verify = f.verify,
    );
    form_step(lang, "otp", f.otp_title, main, id, error)
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

/// A step page's content with the "cancel and return to the store" form under it.
/// A form step of the hosted flow: 422 when it is shown again with an error, 200 otherwise,
/// in the page layout with the cancel link under it.
fn form_step(
    lang: Lang,
    page: &str,
    title: &str,
    main: String,
    id: &str,
    error: Option<&str>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
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
