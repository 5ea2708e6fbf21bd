//! The two languages Points speaks (API.md §2 "Locale", §12 hosted pages), defined once for the
//! server (an order's storefront language), the sandbox (its hosted pages and API messages) and
//! anything else that renders for a shopper.

/// Arabic is the default everywhere; English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Ar,
    En,
}

impl Lang {
    /// Exactly `ar` or `en`, as stored and as our own callers send it; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `?lang=en` / `?lang=ar` from a shopper's URL, leniently: anything else is the default.
    pub fn from_param(param: Option<&str>) -> Self {
        match param.map(str::trim) {
            Some(p) if p.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Ar,
        }
    }

    /// The API's rule: `?lang=` wins, then the first language of `Accept-Language`.
    pub fn negotiate(param: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(param) = param {
            return Lang::from_param(Some(param));
        }
        let first = accept_language
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match first {
            Some(tag) if tag.starts_with("en") => Lang::En,
            _ => Lang::Ar,
        }
    }

    /// `ar` / `en`: the `lang` attribute and the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// The text direction: `rtl` / `ltr`.
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

    #[test]
    fn the_query_parameter_wins_over_the_header() {
        assert_eq!(Lang::negotiate(Some("ar"), Some("en-US")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("EN"), Some("ar")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::Ar);
        assert_eq!(Lang::from_param(Some("fr")), Lang::Ar);
    }

    #[test]
    fn parse_is_exact_and_round_trips() {
        for lang in [Lang::Ar, Lang::En] {
            assert_eq!(Lang::parse(lang.as_str()), Some(lang));
        }
        assert_eq!(Lang::parse("EN"), None);
        assert_eq!(Lang::parse(" en"), None);
    }
}
