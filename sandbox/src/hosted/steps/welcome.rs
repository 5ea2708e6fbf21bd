//! Onboarding (API.md §4.4 "unknown phone: onboarding path"): a verified phone Points has never
//! seen gets a Points account here, with 0 points (API.md §12), before the balance step. The
//! shopper must accept the terms; a name is optional. Reserved phones and phones seen before
//! (an earning, an earlier onboarding) never come here.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    response::Response,
};

use super::{
    Step, error_line, flow_text, form_lang, form_step, form_value, go, guard, open, status_for,
};
use crate::{
    clock,
    hosted::{
        LangQuery,
        page::{escape, lang_field},
        render,
    },
    lang::Lang,
    session::Journey,
    state::AppState,
};

/// The longest name the form takes, in characters.
const MAX_NAME: usize = 100;

pub async fn welcome_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id, lang) {
        Ok((journey, _, _)) => guard(&id, Step::Welcome, &journey, lang)
            .unwrap_or_else(|| welcome_form(lang, &id, &journey, "", None)),
        Err(page) => page,
    }
}

pub async fn welcome_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let f = flow_text(lang);
    let journey = match open(&state, &id, lang) {
        Ok((journey, _, _)) => journey,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Welcome, &journey, lang) {
        return redirect;
    }
    let name = form_value(&form, "name").unwrap_or_default();
    let error = if form_value(&form, "terms").as_deref() != Some("accepted") {
        Some(f.terms_required)
    } else if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        Some(f.bad_name)
    } else {
        None
    };
    if error.is_some() {
        // Nothing is created: the shopper sees the form again with what they typed.
        return welcome_form(lang, &id, &journey, &name, error);
    }
    let result = state.update(|store| {
        let now = clock::now();
        let Some(phone) = journey.phone.as_ref() else {
            return Ok(());
        };
        // Check first: a refused step changes nothing.
        store.journey_mut(&id, now, |_| {})?;
        let customer = store.customer_mut(phone.expose());
        customer.name = Some(name).filter(|n| !n.is_empty());
        store.journey_mut(&id, now, |j| j.onboarding = false)
    });
    if let Some(phone) = &journey.phone {
        tracing::info!(phone = %phone.masked(), "hosted checkout: Points account created");
    }
    match result {
        Ok(()) => go(&id, "redeem", lang),
        Err(view) => render(lang, &view),
    }
}

fn welcome_form(
    lang: Lang,
    id: &str,
    journey: &Journey,
    name: &str,
    error: Option<&str>,
) -> Response {
    let f = flow_text(lang);
    let masked = journey
        .phone
        .as_ref()
        .map(|p| format!("+966{}", p.masked()))
        .unwrap_or_default();
    let main = format!(
        r#"<img class="pk-icon" src="/checkout/assets/coin.svg" alt="" width="64" height="64">
<h1 class="pk-title" data-testid="message-title">{title}</h1>
<p class="pk-text">{body} <bdi dir="ltr" data-testid="masked-phone">{masked}</bdi></p>
<form method="post" action="/checkout/{id}/welcome">{lang_field}
<label class="pk-field" for="name">{name_label}</label>
<input class="pk-input" id="name" name="name" maxlength="{MAX_NAME}" autocomplete="name" value="{name}" data-testid="name">
<label class="pk-choice"><input type="checkbox" name="terms" value="accepted" required data-testid="terms"> {terms}</label>
{error}<button type="submit" class="pk-btn" data-testid="join">{join}</button></form>"#,
        title = f.welcome_title,
        body = f.welcome_body,
        id = escape(id),
        lang_field = lang_field(lang),
        name_label = f.name_label,
        name = escape(name),
        terms = f.terms,
        error = error_line(error),
        join = f.join,
    );
    form_step(
        lang,
        "onboarding",
        f.welcome_title,
        main,
        id,
        status_for(error),
    )
}
