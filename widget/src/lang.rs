//! The two languages the widgets speak, and what each implies for direction and digits.

/// Arabic (the official default, right to left) or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Arabic, `dir="rtl"`.
    Ar,
    /// English, `dir="ltr"`.
    En,
}

impl Lang {
    /// `en` (any case, any region such as `en-GB`) is English; everything else is Arabic.
    pub fn parse(text: Option<&str>) -> Self {
        let text = text.unwrap_or("").trim().to_ascii_lowercase();
        if text == "en" || text.starts_with("en-") {
            Lang::En
        } else {
            Lang::Ar
        }
    }

    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// The `dir` attribute value.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }

    /// The locale for `Intl.NumberFormat` (the numbering system is an option on top).
    pub fn number_locale(self) -> &'static str {
        match self {
            Lang::Ar => "ar-SA",
            Lang::En => "en-US",
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, ar: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ar => ar,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_english_tags_select_english() {
        assert_eq!(Lang::parse(Some("en")), Lang::En);
        assert_eq!(Lang::parse(Some("EN-gb")), Lang::En);
        assert_eq!(Lang::parse(Some("ar")), Lang::Ar);
        assert_eq!(Lang::parse(Some("fr")), Lang::Ar);
        assert_eq!(Lang::parse(None), Lang::Ar);
        assert_eq!(Lang::Ar.dir(), "rtl");
    }
}
