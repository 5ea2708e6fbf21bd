//! The paying steps: balance and redemption choice (full, partial, or none), confirmation, and
//! the success page that returns to the store. The card step is in `card`.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use protocol::Sar;

use super::{
    LangQuery, Step, error_line, flow_text, form_lang, form_step, form_value, go, guard, html,
    open, returning_page, status_for, with_cancel,
};
use crate::{
    clock,
    hosted::{
        page::{Switch, escape, lang_field, layout},
        render, return_url,
        text::{format_sar, group_thousands, text},
    },
    lang::Lang,
    order::{Order, redemption_points},
    session::{RedemptionError, card_only, redemption},
    state::AppState,
};

pub async fn redeem_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    match open(&state, &id, lang) {
        Ok((journey, order, balance)) => guard(&id, Step::Redeem, &journey, lang)
            .unwrap_or_else(|| redeem_form(lang, &id, &order, balance, None)),
        Err(page) => page,
    }
}

pub async fn redeem_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let f = flow_text(lang);
    let (journey, order, balance) = match open(&state, &id, lang) {
        Ok(found) => found,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Redeem, &journey, lang) {
        return redirect;
    }
    let amount = match form_value(&form, "mode").as_deref() {
        Some("partial") => form_value(&form, "amount")
            .and_then(|a| Sar::parse(&a).ok())
            .unwrap_or(Sar::ZERO),
        // No points at all (a new or empty wallet): nothing to confirm, straight to the card.
        Some("card") => {
            let chosen = card_only(order.total_price);
            return match state.update(|store| {
                store.journey_mut(&id, clock::now(), |j| j.redemption = Some(chosen))
            }) {
                Ok(()) => go(&id, "card", lang),
                Err(view) => render(lang, &view),
            };
        }
        _ => order.total_price,
    };
    let chosen = match redemption(order.total_price, amount, balance) {
        Ok(chosen) => chosen,
        Err(err) => {
            let message = match err {
                RedemptionError::BelowMinimum => f.below_minimum,
                RedemptionError::InsufficientBalance => f.insufficient,
                RedemptionError::InvalidAmount => f.invalid_amount,
            };
            return redeem_form(lang, &id, &order, balance, Some(message));
        }
    };
    match state
        .update(|store| store.journey_mut(&id, clock::now(), |j| j.redemption = Some(chosen)))
    {
        Ok(()) => go(&id, "confirm", lang),
        Err(view) => render(lang, &view),
    }
}

fn redeem_form(lang: Lang, id: &str, order: &Order, balance: u64, error: Option<&str>) -> Response {
    let t = text(lang);
    let f = flow_text(lang);
    let balance_value = Sar::from_halalas(balance.saturating_mul(3));
    let full_points = redemption_points(order.total_price);
    let main = format!(
        r#"<h1 class="pk-title"><img class="pk-coin" src="/checkout/assets/coin.svg" alt="" width="36" height="36"><span>{title}</span></h1>
<dl class="pk-panel">
<div class="pk-row"><dt>{balance_label}</dt><dd data-testid="balance">{balance} {points} ({balance_sar} {currency})</dd></div>
<div class="pk-row"><dt>{total_label}</dt><dd data-testid="order-total">{total} {currency}</dd></div>
</dl>
<form method="post" action="/checkout/{id}/redeem">{lang_field}
<label class="pk-choice"><input type="radio" name="mode" value="full" checked data-testid="mode-full"> {full} ({total} {currency} = {full_points} {points})</label>
<label class="pk-choice"><input type="radio" name="mode" value="partial" data-testid="mode-partial"> {partial}</label>
<label class="pk-field" for="amount">{partial_label}</label>
<input class="pk-input" id="amount" name="amount" inputmode="decimal" dir="ltr" data-testid="amount">
<label class="pk-choice"><input type="radio" name="mode" value="card" data-testid="mode-card"> {card_only}</label>
{error}<button type="submit" class="pk-btn" data-testid="redeem">{redeem}</button></form>"#,
        title = t.title,
        balance_label = f.balance,
        balance = group_thousands(balance),
        points = t.points,
        balance_sar = format_sar(balance_value),
        currency = t.currency,
        total_label = t.order_total,
        total = format_sar(order.total_price),
        id = escape(id),
        lang_field = lang_field(lang),
        full = f.full,
        full_points = group_thousands(full_points),
        partial = f.partial,
        partial_label = f.partial_label,
        card_only = f.card_only,
        error = error_line(error),
        redeem = f.redeem,
    );
    form_step(lang, "redeem", t.title, main, id, status_for(error))
}

pub async fn confirm_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_param(query.lang.as_deref());
    let (journey, _, _) = match open(&state, &id, lang) {
        Ok(found) => found,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Confirm, &journey, lang) {
        return redirect;
    }
    let Some(chosen) = journey.redemption else {
        return go(&id, "redeem", lang);
    };
    let t = text(lang);
    let f = flow_text(lang);
    let main = format!(
        r#"<h1 class="pk-title">{title}</h1>
<p class="pk-text">{body}</p>
<dl class="pk-panel">
<div class="pk-row"><dt>{redeem}</dt><dd data-testid="redeem-amount">{amount} {currency}</dd></div>
<div class="pk-row"><dt>{points_label}</dt><dd data-testid="redeem-points">{points} {points_word}</dd></div>
<div class="pk-row"><dt>{remainder_label}</dt><dd data-testid="remainder">{remainder} {currency}</dd></div>
</dl>
<form method="post" action="/checkout/{id}/confirm">{lang_field}<button type="submit" class="pk-btn" data-testid="confirm">{confirm}</button></form>
<a class="pk-link" href="/checkout/{id}/redeem?lang={code}" data-testid="back">{back}</a>"#,
        title = f.confirm_title,
        body = f.confirm_body,
        redeem = f.redeem,
        amount = format_sar(chosen.amount),
        currency = t.currency,
        points_label = t.points_equivalent,
        points = group_thousands(chosen.points),
        points_word = t.points,
        remainder_label = f.remainder,
        remainder = format_sar(chosen.remainder),
        id = escape(&id),
        lang_field = lang_field(lang),
        confirm = f.confirm,
        code = lang.as_str(),
        back = f.back,
    );
    html(
        StatusCode::OK,
        layout(
            lang,
            "confirm",
            f.confirm_title,
            &with_cancel(main, lang, &id),
            Switch::Omit,
        ),
    )
}

pub async fn confirm_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    form: Bytes,
) -> Response {
    let lang = form_lang(&form, &query);
    let (journey, _, _) = match open(&state, &id, lang) {
        Ok(found) => found,
        Err(page) => return page,
    };
    if let Some(redirect) = guard(&id, Step::Confirm, &journey, lang) {
        return redirect;
    }
    match journey.redemption {
        // Full redemption skips the card step and settles at once (API.md §12).
        Some(chosen) if chosen.remainder == Sar::ZERO => settle(&state, &id, lang),
        Some(_) => go(&id, "card", lang),
        None => go(&id, "redeem", lang),
    }
}

/// Settles the order and shows the success page, which returns to the store after 4 s.
pub(super) fn settle(state: &AppState, id: &str, lang: Lang) -> Response {
    let order = match state.update(|store| store.settle_redemption(id, clock::now())) {
        Ok(order) => order,
        Err(view) => return render(lang, &view),
    };
    tracing::info!(order = %order.uuid, points = order.total_points, "hosted redemption settled");
    let t = text(lang);
    let main = format!(
        r#"<img class="pk-icon" src="/checkout/assets/check.svg" alt="" width="64" height="64">
<h1 class="pk-title" data-testid="message-title">{title}</h1>
<dl class="pk-panel">
<div class="pk-row"><dt>{points_label}</dt><dd data-testid="redeemed-points">{points} {points_word}</dd></div>
</dl>
<p class="pk-note">{thanks}</p>"#,
        title = t.success_title,
        points_label = t.points_equivalent,
        points = group_thousands(order.total_points),
        points_word = t.points,
        thanks = t.thanks,
    );
    let back = return_url(&order, "approved");
    returning_page(lang, "success", t.success_title, &main, back.as_ref())
}
