//! The fake card step for the remainder (API.md §12: the sandbox's PSP). Any Luhn-valid
//! 16-digit number is approved, except the reserved [`DECLINED_CARD`]: that payment fails, the
//! order is `cancelled` with reason "Payment failed: card declined" and `cancelled` fires
//! (API.md §6.1: "payment failed"), no points leave the wallet, and the shopper returns to the
//! store with `status=failed`.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    response::Response,
};
use protocol::Sar;

use super::{
    Step, error_line, flow_text, form_lang, form_step, form_value, go, guard, open, pay::settle,
    returning_page, status_for,
};
use crate::{
    clock,
    hosted::{
        LangQuery,
        page::{escape, lang_field},
        render, return_url,
        text::{format_sar, text},
    },
    lang::Lang,
    session::Journey,
    state::AppState,
};

/// The card the sandbox always declines (the number card networks reserve for declines in
/// test mode; `4000 0000 0000 0002`).
pub const DECLINED_CARD: &str = "4000000000000002";

pub async fn card_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id, lang) {
        Ok((journey, _, _)) => guard(&id, Step::Card, &journey, lang)
            .or_else(|| nothing_to_pay(&id, &journey, lang))
            .unwrap_or_else(|| card_form(lang, &id, &journey, None)),
        Err(page) => page,
    }
}

pub async fn card_submit(
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
    if let Some(redirect) =
        guard(&id, Step::Card, &journey, lang).or_else(|| nothing_to_pay(&id, &journey, lang))
    {
        return redirect;
    }
    let digits: String = form_value(&form, "card")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !is_card_number(&digits) {
        return card_form(lang, &id, &journey, Some(flow_text(lang).bad_card));
    }
    if digits == DECLINED_CARD {
        return declined(&state, &id, lang);
    }
    settle(&state, &id, lang)
}

/// A full redemption has no remainder: its card step is the confirmation.
fn nothing_to_pay(id: &str, journey: &Journey, lang: Lang) -> Option<Response> {
    journey
        .redemption
        .is_some_and(|r| r.remainder == Sar::ZERO)
        .then(|| go(id, "confirm", lang))
}

/// 16 digits passing the Luhn check, as a card form would insist.
fn is_card_number(digits: &str) -> bool {
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The payment failed: the order is cancelled, and the page returns to the store with
/// `status=failed` after 4 s.
fn declined(state: &AppState, id: &str, lang: Lang) -> Response {
    let order = match state.update(|store| store.fail_payment(id, clock::now())) {
        Ok(order) => order,
        Err(view) => return render(lang, &view),
    };
    tracing::info!(order = %order.uuid, "hosted checkout: card declined");
    let f = flow_text(lang);
    let main = format!(
        r#"<img class="pk-icon" src="/checkout/assets/clock.svg" alt="" width="64" height="64">
<h1 class="pk-title" data-testid="message-title">{title}</h1>
<p class="pk-text" data-testid="message-body">{body}</p>"#,
        title = f.declined_title,
        body = f.declined_body,
    );
    let back = return_url(&order, "failed");
    returning_page(lang, "failed", f.declined_title, &main, back.as_ref())
}

fn card_form(lang: Lang, id: &str, journey: &Journey, error: Option<&str>) -> Response {
    let t = text(lang);
    let f = flow_text(lang);
    let remainder = journey.redemption.map_or(Sar::ZERO, |r| r.remainder);
    let main = format!(
        r#"<h1 class="pk-title">{title}</h1>
<dl class="pk-panel"><div class="pk-row"><dt>{remainder_label}</dt><dd data-testid="remainder">{remainder} {currency}</dd></div></dl>
<form method="post" action="/checkout/{id}/card">{lang_field}
<label class="pk-field" for="card">{label}</label>
<input class="pk-input" id="card" name="card" inputmode="numeric" autocomplete="cc-number" dir="ltr" maxlength="23" placeholder="4242 4242 4242 4242" data-testid="card" required>
<p class="pk-note" data-testid="test-cards">{hint}</p>
{error}<button type="submit" class="pk-btn" data-testid="pay">{pay} {remainder} {currency}</button></form>"#,
        title = f.card_title,
        remainder_label = f.remainder,
        remainder = format_sar(remainder),
        currency = t.currency,
        id = escape(id),
        lang_field = lang_field(lang),
        label = f.card_label,
        hint = f.test_cards,
        error = error_line(error),
        pay = f.pay,
    );
    form_step(lang, "card", f.card_title, main, id, status_for(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_need_sixteen_digits_and_the_luhn_check() {
        assert!(is_card_number("4242424242424242"));
        assert!(is_card_number(DECLINED_CARD));
        assert!(!is_card_number("4242424242424241"), "Luhn");
        assert!(!is_card_number("424242424242424"), "15 digits");
        assert!(!is_card_number("42424242424242a2"));
    }
}
