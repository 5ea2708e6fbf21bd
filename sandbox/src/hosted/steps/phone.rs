//! The phone step: the number the OTP goes to, or the page for a phone without an account.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use protocol::PhoneNumber;

use super::{
    error_line, flow_text, form_lang, form_step, form_value, go, open, otp::MAX_SENDS, status_for,
    summary,
};
use crate::{
    clock,
    customers::Account,
    hosted::{
        LangQuery, html,
        page::{Switch, escape, lang_field, layout},
        render,
    },
    lang::Lang,
    order::Order,
    session::Journey,
    state::AppState,
};

pub async fn phone_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id, lang) {
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
    let (journey, order) = match open(&state, &id, lang) {
        Ok((journey, order, _)) => (journey, order),
        Err(page) => return page,
    };
    let Ok(phone) = PhoneNumber::parse(&form_value(&form, "phone").unwrap_or_default()) else {
        return phone_form(lang, &id, &order, None, Some(f.bad_phone));
    };
    // Changing the number sends a code too: it counts against the session's codes.
    if journey.otp_sends >= MAX_SENDS {
        let main = phone_main(lang, &id, &order, Some(&phone), Some(f.too_many_codes));
        return form_step(
            lang,
            "phone",
            f.phone_title,
            main,
            &id,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    if has_no_account(&state, Some(&phone)) {
        return no_account(lang, &id, &phone);
    }
    let now = clock::now();
    let result = state.update(|store| {
        store.journey_mut(&id, now, |j| {
            // A new number starts over, with a code "sent" to it now.
            *j = Journey {
                phone: Some(phone),
                otp_sent_at: Some(now),
                otp_sends: j.otp_sends + 1,
                ..Journey::default()
            };
        })
    });
    match result {
        Ok(()) => go(&id, "otp", lang),
        Err(view) => render(lang, &view),
    }
}

/// Whether `phone` belongs to nobody at Points (reserved phone `500000003`).
pub(super) fn has_no_account(state: &AppState, phone: Option<&PhoneNumber>) -> bool {
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
        lang.as_str(),
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
    let main = phone_main(lang, id, order, phone, error);
    form_step(
        lang,
        "phone",
        flow_text(lang).phone_title,
        main,
        id,
        status_for(error),
    )
}

fn phone_main(
    lang: Lang,
    id: &str,
    order: &Order,
    phone: Option<&PhoneNumber>,
    error: Option<&str>,
) -> String {
    let f = flow_text(lang);
    format!(
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
    )
}
