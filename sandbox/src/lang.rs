//! The two languages Points speaks (API.md §2 "Locale", §12 hosted pages).

use axum::http::HeaderMap;

/// Arabic is the default everywhere; English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ar,
    En,
}

impl Lang {
    /// `?lang=en` / `?lang=ar`; anything else is the default.
    pub fn from_param(param: Option<&str>) -> Self {
        match param.map(str::trim) {
            Some(p) if p.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Ar,
        }
    }

    /// The API's rule: `?lang=` wins, then the first language of `Accept-Language`.
    pub fn negotiate(param: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(param) = param {
            return Lang::from_param(Some(param));
        }
        let first = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match first {
            Some(tag) if tag.starts_with("en") => Lang::En,
            _ => Lang::Ar,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            accept.parse().expect("header value"),
        );
        map
    }

    #[test]
    fn the_query_parameter_wins_over_the_header() {
        assert_eq!(Lang::negotiate(Some("ar"), &headers("en-US")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("EN"), &headers("ar")), Lang::En);
        assert_eq!(Lang::negotiate(None, &headers("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, &HeaderMap::new()), Lang::Ar);
        assert_eq!(Lang::from_param(Some("fr")), Lang::Ar);
    }
}
