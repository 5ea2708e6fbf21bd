//! The official widget's shape, as a reference to measure points-kit's widget against (issue 9,
//! `cargo xtask bench`): a loader script that injects an iframe whose document renders the
//! card, on the official paths (API.md §7.1, §7.2):
//!
//! - `GET /widget-loader.js`: defines `window.PointsWidget` (`init`, `destroy`), auto-inits from
//!   its script tag's `data-*`, and per widget puts a wrapper with a skeleton at the preset
//!   height and an iframe of `/widget/embed` into the container. The iframe's `resize` messages
//!   (from this origin only) set its height; the first one removes the skeleton and, so a
//!   benchmark can time it like points-kit's widget, dispatches `points:ready` on the container
//!   (the official loader documents no event). `hide-alert-widget` removes an alert.
//! - `GET /widget/embed?type=…&lang=…&points=…&parentOrigin=…`: the iframe's document, the same
//!   card copy as points-kit's widget (§7.4), its own inline style and a small script that posts
//!   `resize` to `parentOrigin`; sent with the §7.2 security headers.
//!
//! Display only, like the original: no keys, no state, nothing stored.

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget-loader.js", get(loader))
        .route("/widget/embed", get(embed))
}

async fn loader() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LOADER,
    )
        .into_response()
}

/// The embed document's query (§7.2).
#[derive(Debug, Deserialize)]
struct EmbedQuery {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    points: Option<String>,
    #[serde(rename = "parentOrigin")]
    parent_origin: String,
}

async fn embed(
    query: Result<Query<EmbedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad("type and parentOrigin are required");
    };
    let Some(kind) = Kind::parse(&query.kind) else {
        return bad("type must be points-alert, points-card or installments");
    };
    let english = match query.lang.as_deref() {
        None | Some("ar") => false,
        Some("en") => true,
        Some(_) => return bad("lang must be ar or en"),
    };
    let points = match query.points.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(points)) if points <= 100_000_000 => points,
        Some(_) => return bad("points must be a whole number"),
    };
    let Some(origin) = parent_origin(&query.parent_origin) else {
        return bad("parentOrigin must be an http(s) origin");
    };
    let html = document(kind, english, points, &origin);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                 img-src data:",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (HeaderName::from_static("x-xss-protection"), "0"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        ],
        html,
    )
        .into_response()
}

fn bad(reason: &'static str) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Alert,
    Card,
    Installments,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        match text {
            "points-alert" => Some(Kind::Alert),
            "points-card" => Some(Kind::Card),
            "installments" => Some(Kind::Installments),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Alert => "points-alert",
            Kind::Card => "points-card",
            Kind::Installments => "installments",
        }
    }
}

/// `scheme://host[:port]` with nothing else, or `None`.
fn parent_origin(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    let origin = url.origin();
    if !matches!(url.scheme(), "http" | "https") || !origin.is_tuple() {
        return None;
    }
    let serialized = origin.ascii_serialization();
    (serialized == text.trim_end_matches('/')).then_some(serialized)
}

/// The iframe's document. Every value placed in it is a number, a fixed string, or the origin
/// checked above, JSON-encoded into the script.
fn document(kind: Kind, english: bool, points: u64, origin: &str) -> String {
    let (lang, dir) = if english {
        ("en", "ltr")
    } else {
        ("ar", "rtl")
    };
    let text = match (kind, english) {
        (Kind::Card, false) => format!(
            "إكسب <b>{points} نقطة</b> مكافأة عند شرائك لهذا المنتج. تُضاف مباشرة إلى محفظتك وتقدر \
             تستخدمها في مشترياتك القادمة <a href=\"#\">لمعرفة المزيد</a>"
        ),
        (Kind::Card, true) => format!(
            "Earn <b>{points} points</b> when you buy this product. They go straight to your wallet \
             and you can use them on your next purchases. <a href=\"#\">Learn more</a>"
        ),
        (Kind::Alert, false) => {
            format!("ستكسب <b>{points} نقطة</b> مكافأة عند إتمام هذا الطلب ، على نفس رقم جوالك")
        }
        (Kind::Alert, true) => format!(
            "You'll earn <b>{points} points</b> when you complete this order, on the same mobile \
             number"
        ),
        (Kind::Installments, false) => format!(
            "<strong>تسوّق واربح مكافآتك مع بوينتس !</strong><br>إكسب <b>{points} نقطة</b> مباشرة \
             عند الشراء، تُضاف تلقائياً إلى محفظتك وتستخدمها في أي متجر مشارك"
        ),
        (Kind::Installments, true) => format!(
            "<strong>Shop and earn your rewards with Points!</strong><br>Earn <b>{points} \
             points</b> right when you buy, added to your wallet automatically, usable at any \
             participating store"
        ),
    };
    let origin = serde_json::to_string(origin)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let kind = kind.name();
    format!(
        r#"<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{{margin:0;background:transparent;font:15px/1.6 system-ui,sans-serif;color:#1d1b2c}}
.card{{display:flex;gap:12px;align-items:center;padding:14px 16px;border:1px solid #e4e2ee;
border-radius:16px;background:#fff}}.points-alert .card{{background:#f1eeff;border:0}}
.coin{{flex:none;width:32px;height:32px;border-radius:50%;background:#f4b73f;box-shadow:inset 0 0 0 4px #e59e16}}
p{{margin:0;flex:1}}a{{color:inherit}}.badge{{flex:none;padding:2px 8px;border-radius:8px;background:#5f4be8;color:#fff;font-weight:700}}</style>
</head><body class="{kind}"><div class="card"><span class="coin" aria-hidden="true"></span><p>{text}</p><span class="badge">Points</span></div>
<script>(function(){{var o={origin};function send(){{parent.postMessage({{action:"resize",type:"{kind}",height:Math.ceil(document.documentElement.getBoundingClientRect().height)}},o)}}
if(document.readyState==="complete")send();else addEventListener("load",send);if(window.ResizeObserver)new ResizeObserver(send).observe(document.body);}})();</script>
</body></html>"#
    )
}

const LOADER: &str = r#"(function () {
  'use strict';
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src).origin : 'https://business.papp.sa';
  // Preset heights per type: [desktop, mobile] (API.md §7.3).
  var HEIGHTS = { 'points-alert': [64, 88], 'points-card': [108, 160], 'installments': [120, 170] };
  var mounted = [];
  function find(target) { return typeof target === 'string' ? document.querySelector(target) : target; }
  function init(options) {
    var container = find(options && options.container);
    if (!container || !HEIGHTS[options.type]) { return; }
    var mobile = window.matchMedia('(max-width: 420px)').matches;
    var height = HEIGHTS[options.type][mobile ? 1 : 0];
    var wrap = document.createElement('div');
    wrap.style.cssText = 'position:relative;min-height:' + height + 'px';
    var skeleton = document.createElement('div');
    skeleton.style.cssText = 'position:absolute;inset:0;border-radius:16px;background:#eeedf3';
    var frame = document.createElement('iframe');
    var url = (options.widgetUrl || base) + '/widget/embed?type=' + encodeURIComponent(options.type) +
      '&lang=' + encodeURIComponent(options.lang || 'ar') +
      '&points=' + encodeURIComponent(String(options.points || 0)) +
      '&parentOrigin=' + encodeURIComponent(options.parentOrigin || window.location.origin);
    frame.src = url;
    frame.title = 'Points';
    frame.setAttribute('scrolling', 'no');
    frame.style.cssText = 'position:relative;display:block;width:100%;height:' + height + 'px;border:0';
    wrap.appendChild(skeleton);
    wrap.appendChild(frame);
    container.appendChild(wrap);
    mounted.push({ container: container, wrap: wrap, skeleton: skeleton, frame: frame,
      type: options.type, ready: false });
  }
  function onMessage(event) {
    if (event.origin !== base || !event.data) { return; }
    for (var i = 0; i < mounted.length; i++) {
      var m = mounted[i];
      if (event.source !== m.frame.contentWindow) { continue; }
      if (event.data.action === 'resize' && event.data.height > 0) {
        m.frame.style.height = event.data.height + 'px';
        if (m.skeleton.parentNode) { m.skeleton.parentNode.removeChild(m.skeleton); }
        if (!m.ready) {
          m.ready = true;
          m.container.dispatchEvent(new CustomEvent('points:ready',
            { bubbles: true, detail: { type: m.type } }));
        }
      } else if (event.data.action === 'hide-alert-widget' && m.type === 'points-alert') {
        m.container.parentNode && m.container.parentNode.removeChild(m.container);
      }
    }
  }
  window.addEventListener('message', onMessage);
  window.PointsWidget = {
    init: init,
    destroy: function () {
      mounted.forEach(function (m) { m.wrap.parentNode && m.wrap.parentNode.removeChild(m.wrap); });
      mounted = [];
      window.removeEventListener('message', onMessage);
    }
  };
  if (script && script.dataset.type && script.dataset.container) {
    init({ type: script.dataset.type, lang: script.dataset.lang,
      points: Number(script.dataset.points || 0), container: script.dataset.container });
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bare_http_origin_is_a_parent_origin() {
        assert_eq!(
            parent_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            parent_origin("https://shop.example/").as_deref(),
            Some("https://shop.example")
        );
        for bad in [
            "javascript:alert(1)",
            "https://shop.example/path",
            "\"</script>",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(parent_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_document_carries_the_points_and_posts_only_to_the_parent() {
        let html = document(Kind::Card, true, 1507, "http://127.0.0.1:1");
        assert!(html.contains("Earn <b>1507 points</b>"));
        assert!(html.contains(r#"var o="http://127.0.0.1:1";"#));
        assert!(html.contains(r#"dir="ltr""#));
        let arabic = document(Kind::Alert, false, 3, "https://shop.example");
        assert!(arabic.contains(r#"dir="rtl""#) && arabic.contains("3 نقطة"));
    }
}
