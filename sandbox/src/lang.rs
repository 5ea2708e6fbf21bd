//! The two languages Points speaks (API.md §2 "Locale", §12 hosted pages): `protocol::Lang`,
//! negotiated from a request's query and headers.

use axum::http::HeaderMap;
pub use protocol::Lang;

/// [`Lang::negotiate`] on a request: `?lang=` wins, then `Accept-Language`.
pub fn negotiate(param: Option<&str>, headers: &HeaderMap) -> Lang {
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::negotiate(param, accept)
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
        assert_eq!(negotiate(Some("ar"), &headers("en-US")), Lang::Ar);
        assert_eq!(negotiate(Some("EN"), &headers("ar")), Lang::En);
        assert_eq!(negotiate(None, &headers("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(negotiate(None, &HeaderMap::new()), Lang::Ar);
        assert_eq!(Lang::from_param(Some("fr")), Lang::Ar);
    }
}
