//! The OTP step (API.md §4.2, §12): the code is always `1234`; a new one may be asked for once
//! the cooldown is over ("إعادة الارسال في 00:30"), at most [`MAX_SENDS`] per session. No script
//! counts down: the page states the wait as of its rendering, the button posts, and the server
//! enforces the cooldown (an early or excess request is a `429` with the time left).

use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use time::OffsetDateTime;

use super::{
    Step, error_line, flow_text, form_lang, form_step, form_value, go, guard, open,
    phone::has_no_account, status_for,
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

/// The sandbox's OTP, always (API.md §12).
pub const OTP: &str = "1234";
/// Codes one session may have sent, the first included.
pub const MAX_SENDS: u32 = 5;

/// How long until another code may be sent.
fn resend_wait(journey: &Journey, now: OffsetDateTime, cooldown: Duration) -> Duration {
    let Some(sent_at) = journey.otp_sent_at else {
        return Duration::ZERO;
    };
    let elapsed = Duration::try_from(now - sent_at).unwrap_or(Duration::ZERO);
    cooldown.saturating_sub(elapsed)
}

/// `00:30`, rounded up to the second, as the official page writes it.
fn mm_ss(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

pub async fn otp_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    let journey = match open(&state, &id, lang) {
        Ok((journey, _, _)) => journey,
        Err(page) => return page,
    };
    if has_no_account(&state, journey.phone.as_ref()) {
        return go(&id, "phone", lang);
    }
    if let Some(redirect) = guard(&id, Step::Otp, &journey, lang) {
        return redirect;
    }
    let mut journey = journey;
    if journey.otp_sent_at.is_none() {
        // The phone came with the checkout request: its first code goes out now.
        let now = clock::now();
        let sent = state.update(|store| {
            store.journey_mut(&id, now, |j| {
                j.otp_sent_at = Some(now);
                j.otp_sends = 1;
            })
        });
        if let Err(view) = sent {
            return render(lang, &view);
        }
        journey.otp_sent_at = Some(now);
        journey.otp_sends = 1;
    }
    otp_form(&state, lang, &id, &journey, None, StatusCode::OK)
}

pub async fn otp_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let journey = match open(&state, &id, lang) {
        Ok((journey, _, _)) => journey,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Otp, &journey, lang) {
        return redirect;
    }
    let Some(phone) = journey
        .phone
        .clone()
        .filter(|_| !has_no_account(&state, journey.phone.as_ref()))
    else {
        return go(&id, "phone", lang);
    };
    if form_value(&form, "otp").as_deref() != Some(OTP) {
        let error = Some(flow_text(lang).wrong_otp);
        return otp_form(&state, lang, &id, &journey, error, status_for(error));
    }
    let result = state.update(|store| {
        // A phone Points has never seen is onboarded before it sees a balance (API.md §4.4).
        let new_to_points = !store.knows(phone.expose());
        store
            .journey_mut(&id, clock::now(), |j| {
                j.verified = true;
                j.onboarding = new_to_points;
            })
            .map(|()| new_to_points)
    });
    match result {
        Ok(true) => go(&id, "welcome", lang),
        Ok(false) => go(&id, "redeem", lang),
        Err(view) => render(lang, &view),
    }
}

/// `POST /checkout/{id}/otp/resend`: another code, once the cooldown is over.
pub async fn otp_resend(
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
    if let Some(redirect) = guard(&id, Step::Otp, &journey, lang) {
        return redirect;
    }
    if journey.verified || has_no_account(&state, journey.phone.as_ref()) {
        return go(&id, Step::next_for(&journey).path(), lang);
    }
    let now = clock::now();
    if journey.otp_sends >= MAX_SENDS {
        let error = Some(f.too_many_codes);
        return otp_form(
            &state,
            lang,
            &id,
            &journey,
            error,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let wait = resend_wait(&journey, now, state.otp_resend_after());
    if !wait.is_zero() {
        let error = format!("{} {}", f.resend_wait, mm_ss(wait));
        let error = Some(error.as_str());
        return otp_form(
            &state,
            lang,
            &id,
            &journey,
            error,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let result = state.update(|store| {
        store.journey_mut(&id, now, |j| {
            j.otp_sent_at = Some(now);
            j.otp_sends += 1;
        })
    });
    tracing::info!(
        session_sends = journey.otp_sends + 1,
        "hosted checkout: OTP resent"
    );
    match result {
        Ok(()) => go(&id, "otp", lang),
        Err(view) => render(lang, &view),
    }
}

fn otp_form(
    state: &AppState,
    lang: Lang,
    id: &str,
    journey: &Journey,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let f = flow_text(lang);
    let masked = journey
        .phone
        .as_ref()
        .map(|p| format!("+966{}", p.masked()))
        .unwrap_or_default();
    let wait = resend_wait(journey, clock::now(), state.otp_resend_after());
    let resend = if journey.otp_sends >= MAX_SENDS {
        format!(
            r#"<p class="pk-note" data-testid="resend-exhausted">{}</p>"#,
            f.too_many_codes
        )
    } else {
        let (label, waiting) = if wait.is_zero() {
            (f.resend.to_owned(), "false")
        } else {
            (format!("{} {}", f.resend_in, mm_ss(wait)), "true")
        };
        format!(
            r#"<form method="post" action="/checkout/{id}/otp/resend">{lang_field}<button type="submit" class="pk-resend" aria-disabled="{waiting}" data-testid="resend" data-wait="{seconds}">{label}</button></form>"#,
            id = escape(id),
            lang_field = lang_field(lang),
            seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        )
    };
    let main = format!(
        r#"<h1 class="pk-title">{title}</h1>
<p class="pk-toast" role="status" data-testid="otp-sent">{sent}</p>
<div class="pk-panel pk-phone"><bdi dir="ltr" data-testid="masked-phone">{masked}</bdi>
<a class="pk-link" href="/checkout/{id}/phone?lang={code}" data-testid="change-number">{change}</a></div>
<form method="post" action="/checkout/{id}/otp">{lang_field}
<label class="pk-field" for="otp">{label}</label>
<input class="pk-input pk-otp" id="otp" name="otp" inputmode="numeric" maxlength="4" pattern="[0-9]{{4}}" autocomplete="one-time-code" dir="ltr" data-testid="otp" required>
{error}<button type="submit" class="pk-btn" data-testid="verify">{verify}</button></form>
{resend}"#,
        title = f.otp_title,
        sent = f.otp_sent,
        id = escape(id),
        code = lang.as_str(),
        change = f.change_number,
        lang_field = lang_field(lang),
        label = f.otp_label,
        error = error_line(error),
        verify = f.verify,
    );
    form_step(lang, "otp", f.otp_title, main, id, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_counts_down_from_the_last_code_and_rounds_up() {
        let now = clock::now();
        let journey = Journey {
            otp_sent_at: Some(now - time::Duration::milliseconds(2_500)),
            ..Journey::default()
        };
        let wait = resend_wait(&journey, now, Duration::from_secs(30));
        assert_eq!(wait, Duration::from_millis(27_500));
        assert_eq!(mm_ss(wait), "00:28");
        assert_eq!(mm_ss(Duration::from_secs(90)), "01:30");
        assert_eq!(
            resend_wait(&journey, now, Duration::from_secs(2)),
            Duration::ZERO
        );
        assert_eq!(
            resend_wait(&Journey::default(), now, Duration::from_secs(30)),
            Duration::ZERO
        );
    }
}
