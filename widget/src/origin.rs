//! Origin validation: the go-live checklist's "widget loader points to the intended production
//! origin", enforced by the widget itself.
//!
//! The build knows its origin: [`BUILD_ORIGIN`] is `https://business.papp.sa` unless the build
//! sets `POINTS_WIDGET_ORIGIN` (and `POINTS_WIDGET_ENV=sandbox` for a sandbox build). The rule, per
//! the script tag's `data-env` (`env` option):
//!
//! - `production` (also any unknown value): the loader must have been served from
//!   [`BUILD_ORIGIN`], `widgetUrl` (if given) must name that origin, and the page must be `https`
//!   (plain `http` only on a loopback host). Otherwise `POINTS_E_ORIGIN`.
//! - unset ("auto"): production, except when **both** the page and the loader are on a loopback
//!   host (`localhost`, `*.localhost`, `127.0.0.1`, `[::1]`): that is development and allowed. A
//!   real storefront is never on a loopback host, so for it "auto" is exactly "production".
//! - `development`: allowed on a loopback page only; anywhere else `POINTS_E_ORIGIN`.
//! - A sandbox build (or `data-env="sandbox"`) on a page with
//!   `<meta name="points-env" content="production">` refuses with `POINTS_E_ENV`, whatever else.
//!
//! Pure string logic on URLs the browser already normalised (`script.src`, `location.href`):
//! anything unusual fails to match and is refused.

use crate::error::WidgetError;

/// The production widget origin.
pub const PRODUCTION_ORIGIN: &str = "https://business.papp.sa";

/// The origin this build's loader is served from.
pub const BUILD_ORIGIN: &str = match option_env!("POINTS_WIDGET_ORIGIN") {
    Some(origin) => origin,
    None => PRODUCTION_ORIGIN,
};

/// Whether this is a sandbox build (`POINTS_WIDGET_ENV=sandbox`).
pub fn sandbox_build() -> bool {
    option_env!("POINTS_WIDGET_ENV") == Some("sandbox")
}

/// The `env` option (`data-env`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// Unset: production, or development when page and loader are both on loopback.
    Auto,
    /// `production`, and any value we do not know.
    Production,
    /// `development`: loopback pages only.
    Development,
    /// `sandbox`: the merchant says this is a sandbox set-up.
    Sandbox,
}

impl Env {
    /// Parses `data-env`; unknown values are the strictest, production.
    pub fn parse(text: Option<&str>) -> Self {
        match text.map(str::trim) {
            None | Some("") => Env::Auto,
            Some("development") => Env::Development,
            Some("sandbox") => Env::Sandbox,
            Some(_) => Env::Production,
        }
    }
}

/// Where the widget finds itself.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The URL `widget-loader.js` was loaded from, when known.
    pub loader: Option<&'a str>,
    /// `location.href`.
    pub page: &'a str,
    /// The `widgetUrl` option.
    pub widget_url: Option<&'a str>,
    /// The `env` option.
    pub env: Env,
    /// Whether the page has `<meta name="points-env" content="production">`.
    pub page_is_production: bool,
}

/// Checks `place` against this build ([`BUILD_ORIGIN`], [`sandbox_build`]).
pub fn check(place: &Place<'_>) -> Result<(), WidgetError> {
    check_for(place, BUILD_ORIGIN, sandbox_build())
}

/// [`check`] with the build's facts passed in (tested on the host).
pub fn check_for(place: &Place<'_>, build: &str, sandbox: bool) -> Result<(), WidgetError> {
    if place.page_is_production && (sandbox || place.env == Env::Sandbox) {
        return Err(WidgetError::Env(
            "a sandbox widget on a page that declares points-env production",
        ));
    }
    let page = origin_of(place.page).unwrap_or("");
    let page_local = is_loopback(page);
    let loader = place.loader.and_then(origin_of);
    match place.env {
        Env::Development if page_local => return Ok(()),
        Env::Development => {
            return Err(WidgetError::Origin(
                "data-env=\"development\" is only allowed on localhost",
            ));
        }
        Env::Auto if page_local && loader.is_some_and(is_loopback) => return Ok(()),
        _ => {}
    }
    if loader != Some(build) {
        return Err(WidgetError::Origin(
            "widget-loader.js is not served from this build's origin",
        ));
    }
    if let Some(url) = place.widget_url
        && origin_of(url) != Some(build)
    {
        return Err(WidgetError::Origin("widgetUrl names another origin"));
    }
    if !page.starts_with("https://") && !page_local {
        return Err(WidgetError::Origin("the page must be served over https"));
    }
    Ok(())
}

/// The return widget's status URL base: `server` must be on the page's own origin. Returns it
/// without a trailing slash (empty for "this origin").
pub fn same_origin_server(server: &str, page_origin: &str) -> Result<String, WidgetError> {
    let server = server.trim().trim_end_matches('/');
    // The URL parser drops tabs and newlines anywhere in a URL: `/\t/evil.example` would be
    // checked as a path and fetched as `//evil.example`, another host.
    if server.chars().any(|c| c.is_control()) {
        return Err(WidgetError::Origin(
            "server must be on the page's own origin",
        ));
    }
    let path = server.is_empty()
        || (server.starts_with('/') && !server.starts_with("//") && !server.contains('\\'));
    let n = page_origin.len();
    let same = !page_origin.is_empty()
        && server
            .get(..n)
            .is_some_and(|o| o.eq_ignore_ascii_case(page_origin))
        && server
            .get(n..)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        && !server.contains('\\');
    if path || same {
        Ok(server.to_owned())
    } else {
        Err(WidgetError::Origin(
            "server must be on the page's own origin",
        ))
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased by the browser already.
pub fn origin_of(url: &str) -> Option<&str> {
    // What the URL parser would silently drop (tabs, newlines) must not pass unseen.
    if url.chars().any(char::is_control) {
        return None;
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    if host_len == 0 {
        return None;
    }
    url.get(..url.len() - rest.len() + host_len)
}

/// Whether `origin` is on a loopback host.
pub fn is_loopback(origin: &str) -> bool {
    let Some(host) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    if host.contains('@') {
        return false;
    }
    let name = if host.starts_with('[') {
        host.split_once(']').map_or(host, |(h, _)| h)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    name == "localhost" || name.ends_with(".localhost") || name == "127.0.0.1" || name == "[::1"
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &str = "https://business.papp.sa";

    fn place<'a>(loader: &'a str, page: &'a str, env: Env) -> Place<'a> {
        Place {
            loader: Some(loader),
            page,
            widget_url: None,
            env,
            page_is_production: false,
        }
    }

    fn code(place: &Place<'_>, sandbox: bool) -> Result<(), &'static str> {
        check_for(place, PROD, sandbox).map_err(|e| e.code())
    }

    #[test]
    fn production_loader_on_an_https_page_is_allowed() {
        let ok = place(
            "https://business.papp.sa/widget-loader.js",
            "https://shop.example/p/1",
            Env::Auto,
        );
        assert_eq!(code(&ok, false), Ok(()));
        let explicit = Place {
            env: Env::Production,
            widget_url: Some("https://business.papp.sa"),
            ..ok
        };
        assert_eq!(code(&explicit, false), Ok(()));
    }

    #[test]
    fn other_origins_widget_urls_and_http_pages_are_refused() {
        let page = "https://shop.example/";
        for loader in [
            "https://cdn.example/widget-loader.js",
            "https://business.papp.sa.evil.com/widget-loader.js",
            "https://business.papp.sa@evil.com/widget-loader.js",
            "http://business.papp.sa/widget-loader.js",
            "http://127.0.0.1:8080/widget/widget-loader.js",
        ] {
            assert_eq!(
                code(&place(loader, page, Env::Auto), false),
                Err("POINTS_E_ORIGIN"),
                "{loader}"
            );
        }
        let unknown = Place {
            loader: None,
            ..place("", page, Env::Auto)
        };
        assert_eq!(code(&unknown, false), Err("POINTS_E_ORIGIN"));
        let good = "https://business.papp.sa/widget-loader.js";
        let elsewhere = Place {
            widget_url: Some("https://sandbox.papp.sa"),
            ..place(good, page, Env::Production)
        };
        assert_eq!(code(&elsewhere, false), Err("POINTS_E_ORIGIN"));
        let http = place(good, "http://shop.example/", Env::Production);
        assert_eq!(code(&http, false), Err("POINTS_E_ORIGIN"));
    }

    #[test]
    fn loopback_is_development_unless_production_is_asked_for() {
        let local = place(
            "http://127.0.0.1:8080/widget/widget-loader.js",
            "http://127.0.0.1:8080/product.html",
            Env::Auto,
        );
        assert_eq!(code(&local, false), Ok(()));
        let strict = Place {
            env: Env::Production,
            ..local
        };
        assert_eq!(code(&strict, false), Err("POINTS_E_ORIGIN"));
        let dev = place(
            "https://cdn.example/widget-loader.js",
            "http://localhost:3000/",
            Env::Development,
        );
        assert_eq!(code(&dev, false), Ok(()));
        let dev_public = place(PROD, "https://shop.example/", Env::Development);
        assert_eq!(code(&dev_public, false), Err("POINTS_E_ORIGIN"));
        // A production loader on an http localhost page is fine (local testing of the real thing).
        let prod_local = place(
            "https://business.papp.sa/widget-loader.js",
            "http://localhost:3000/",
            Env::Production,
        );
        assert_eq!(code(&prod_local, false), Ok(()));
    }

    #[test]
    fn a_sandbox_loader_on_a_production_page_is_an_env_error() {
        let sandbox = Place {
            page_is_production: true,
            ..place(
                "https://business.papp.sa/widget-loader.js",
                "https://shop.example/",
                Env::Auto,
            )
        };
        assert_eq!(code(&sandbox, true), Err("POINTS_E_ENV"));
        assert_eq!(code(&sandbox, false), Ok(()));
        let declared = Place {
            env: Env::Sandbox,
            ..sandbox
        };
        assert_eq!(code(&declared, false), Err("POINTS_E_ENV"));
    }

    #[test]
    fn the_status_server_must_be_this_origin() {
        let page = "https://shop.example";
        assert_eq!(same_origin_server("", page).as_deref(), Ok(""));
        assert_eq!(same_origin_server("/shop/", page).as_deref(), Ok("/shop"));
        assert_eq!(
            same_origin_server("https://shop.example/", page).as_deref(),
            Ok("https://shop.example")
        );
        assert_eq!(
            same_origin_server("https://shop.example/api", page).as_deref(),
            Ok("https://shop.example/api")
        );
        for bad in [
            "https://evil.example",
            "https://shop.example.evil.com",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "https://shop.example\t.evil.com",
            "javascript:alert(1)",
            "http://shop.example",
        ] {
            assert_eq!(
                same_origin_server(bad, page).map_err(|e| e.code()),
                Err("POINTS_E_ORIGIN"),
                "{bad}"
            );
        }
    }

    #[test]
    fn origins_and_loopback_hosts() {
        assert_eq!(origin_of("https://a.b/c?d"), Some("https://a.b"));
        assert_eq!(
            origin_of("http://127.0.0.1:80"),
            Some("http://127.0.0.1:80")
        );
        assert_eq!(origin_of("javascript:x"), None);
        assert_eq!(origin_of("https:///x"), None);
        assert!(is_loopback("http://localhost:8080"));
        assert!(is_loopback("http://shop.localhost"));
        assert!(is_loopback("http://[::1]:3000"));
        assert!(!is_loopback("http://localhost.evil.com"));
        assert!(!is_loopback("http://127.0.0.1.nip.io"));
    }
}
