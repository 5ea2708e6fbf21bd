//! Server-rendered HTML for the hosted checkout. No scripts; styles come from
//! `/checkout/assets/checkout.css`; everything a merchant or shopper supplied is escaped.
//!
//! Stable hooks for tests: `<body data-page="…">` names the page (`checkout`, `expired`,
//! `not-found`, `superseded`, `completed`, `success`, `cancelled`) and the elements a test needs
//! carry `data-testid`.

use url::Url;

use super::text::{Text, format_sar, group_thousands, text};
use crate::{lang::Lang, order::Order, order::redemption_points};

/// The page of an open session: the order, its points price, approve and cancel.
pub fn checkout(lang: Lang, session_id: &str, order: &Order, merchant_name: &str) -> String {
    let t = text(lang);
    let total = format!("{} {}", format_sar(order.total_price), t.currency);
    let points = format!(
        "{} {}",
        group_thousands(redemption_points(order.total_price)),
        t.points
    );
    let action = |what: &str| format!("/checkout/{}/{what}", escape(session_id));
    let main = format!(
        r#"<h1 class="pk-title"><img class="pk-coin" src="/checkout/assets/coin.svg" alt="" width="36" height="36"><span>{title}</span></h1>
<dl class="pk-panel">
<div class="pk-row"><dt>{store_label}</dt><dd data-testid="merchant-name"><bdi>{merchant}</bdi></dd></div>
<div class="pk-row"><dt>{number_label}</dt><dd data-testid="order-number"><bdi>{number}</bdi></dd></div>
<div class="pk-row"><dt>{total_label}</dt><dd data-testid="order-total">{total}</dd></div>
<div class="pk-row"><dt>{points_label}</dt><dd data-testid="order-points">{points}</dd></div>
</dl>
<div class="pk-option" aria-checked="true" role="radio"><span class="pk-radio"></span><span>{full} ( {total} = {points} )</span></div>
<form method="post" action="{approve_action}">{lang_field}<button type="submit" class="pk-btn" data-testid="approve">{approve}</button></form>
<a class="pk-btn pk-btn-alt" href="/checkout/{session}/phone?lang={code}" data-testid="start">{start}</a>
<form method="post" action="{cancel_action}">{lang_field}<button type="submit" class="pk-link" data-testid="cancel">{cancel}</button></form>
<p class="pk-note">{note}</p>"#,
        title = t.title,
        store_label = t.store,
        merchant = escape(merchant_name),
        number_label = t.order_number,
        number = escape(order.order_number.as_str()),
        total_label = t.order_total,
        points_label = t.points_equivalent,
        full = t.full_redemption,
        approve_action = action("approve"),
        cancel_action = action("cancel"),
        lang_field = lang_field(lang),
        approve = t.approve,
        cancel = t.cancel,
        note = t.expires_note,
        session = escape(session_id),
        code = lang.as_str(),
        start = super::steps::flow_text(lang).start,
    );
    layout(lang, "checkout", t.title, &main, Switch::Offer)
}

/// Which message page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    Expired,
    NotFound,
    Superseded,
    Completed,
    Success,
    Cancelled,
}

/// A page that only says something, with the order number when there is one and a link back
/// to the store when the merchant gave a `callback_url`.
pub fn message(lang: Lang, kind: Message, order: Option<&Order>, back: Option<&Url>) -> String {
    let t = text(lang);
    let (page, icon, title, body) = match kind {
        Message::Expired => ("expired", "clock", t.expired_title, t.expired_body),
        Message::NotFound => ("not-found", "clock", t.not_found_title, t.not_found_body),
        Message::Superseded => ("superseded", "clock", t.expired_title, t.superseded_body),
        Message::Completed => ("completed", "coin", t.completed_title, t.completed_body),
        Message::Success => ("success", "check", t.success_title, t.success_body),
        Message::Cancelled => ("cancelled", "clock", t.cancelled_title, t.cancelled_body),
    };
    let details = order.map_or_else(String::new, |order| order_summary(t, order));
    let link = back.map_or_else(String::new, |url| {
        format!(
            r#"<a class="pk-btn" href="{}" data-testid="back-to-store">{}</a>"#,
            escape(url.as_str()),
            t.back_to_store
        )
    });
    let thanks = if kind == Message::Success {
        format!(r#"<p class="pk-note">{}</p>"#, t.thanks)
    } else {
        String::new()
    };
    let main = format!(
        r#"<img class="pk-icon" src="/checkout/assets/{icon}.svg" alt="" width="64" height="64">
<h1 class="pk-title" data-testid="message-title">{title}</h1>
<p class="pk-text" data-testid="message-body">{body}</p>
{details}{link}{thanks}"#
    );
    layout(lang, page, title, &main, Switch::Omit)
}

fn order_summary(t: &Text, order: &Order) -> String {
    format!(
        r#"<dl class="pk-panel">
<div class="pk-row"><dt>{}</dt><dd data-testid="order-number"><bdi>{}</bdi></dd></div>
<div class="pk-row"><dt>{}</dt><dd data-testid="order-total">{} {}</dd></div>
</dl>
"#,
        t.order_number,
        escape(order.order_number.as_str()),
        t.order_total,
        format_sar(order.total_price),
        t.currency
    )
}

/// Whether the header offers the other language. Its link is relative (`?lang=…`), so only a
/// page rendered for a `GET` of its own URL can offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Switch {
    Offer,
    Omit,
}

pub(super) fn layout(lang: Lang, page: &str, title: &str, main: &str, switch: Switch) -> String {
    layout_with_head(lang, page, title, main, switch, "")
}

/// [`layout`] with extra `<head>` markup (the success page's `<meta http-equiv="refresh">`).
pub(super) fn layout_with_head(
    lang: Lang,
    page: &str,
    title: &str,
    main: &str,
    switch: Switch,
    head: &str,
) -> String {
    let t = text(lang);
    let switch = match (switch, lang) {
        (Switch::Omit, _) => "",
        (Switch::Offer, Lang::Ar) => {
            r#"<a class="pk-lang" href="?lang=en" hreflang="en" data-testid="lang-switch">English</a>"#
        }
        (Switch::Offer, Lang::En) => {
            r#"<a class="pk-lang" href="?lang=ar" hreflang="ar" data-testid="lang-switch">العربية</a>"#
        }
    };
    format!(
        r#"<!doctype html>
<html lang="{code}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · {brand}</title>
<link rel="stylesheet" href="/checkout/assets/checkout.css">
<link rel="icon" href="/checkout/assets/coin.svg">
{head}</head>
<body data-page="{page}">
<header class="pk-top">
<span class="pk-logo" aria-label="{brand}">{brand}<span class="pk-dot"></span></span>
{switch}
</header>
<main class="pk-main"><section class="pk-card">
{main}
</section></main>
</body>
</html>
"#,
        code = lang.as_str(),
        dir = lang.dir(),
        brand = t.brand,
    )
}

/// A hidden field that carries the page's language through a form post.
pub(super) fn lang_field(lang: Lang) -> String {
    format!(
        r#"<input type="hidden" name="lang" value="{}">"#,
        lang.as_str()
    )
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("متجر"), "متجر");
    }
}
