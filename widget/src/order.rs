//! What the return page knows about an order: its reference from the URL and the state the
//! merchant server reports.
//!
//! **Invariant:** the widget never reads the `status` query parameter the checkout appends on
//! return; only the merchant server's answer decides what the shopper is told.

/// The query parameter read when the merchant does not name one (`orderParam`).
pub const DEFAULT_ORDER_PARAM: &str = "ref";
/// Read when the merchant's own parameter is absent: the one the checkout appends.
pub const FALLBACK_ORDER_PARAM: &str = "order_number";
/// References longer than this are not ours: we do not send them to the server.
const MAX_REFERENCE_LEN: usize = 128;

/// The merchant's own order reference, as found in the return URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReference(String);

impl OrderReference {
    /// Looks the reference up with `param` (or [`DEFAULT_ORDER_PARAM`]), then
    /// [`FALLBACK_ORDER_PARAM`]; `query` answers one parameter of the page's query string.
    pub fn from_query(param: Option<&str>, query: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let param = param
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(DEFAULT_ORDER_PARAM);
        [param, FALLBACK_ORDER_PARAM]
            .into_iter()
            .find_map(|name| Self::parse(&query(name)?))
    }

    /// A trimmed, non-empty reference of at most 128 characters without control characters or
    /// bidirectional formatting characters (an U+202E in a link must not reorder what we show).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let ok = !text.is_empty()
            && text.chars().nth(MAX_REFERENCE_LEN).is_none()
            && !text.chars().any(|c| c.is_control() || is_bidi_control(c));
        ok.then(|| OrderReference(text.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// U+061C, U+200E/F, U+202A–E and U+2066–9: the characters that change text direction.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// An order's state as the merchant server reports it (`GET {server}/api/orders/{ref}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Not settled yet: keep asking.
    Pending,
    /// Paid and recorded.
    Confirmed,
    /// The payment did not go through.
    Failed,
    /// The checkout session ran out.
    Expired,
    /// Paid, then refunded.
    Refunded,
}

impl OrderState {
    /// Maps the server's `state` field. Unknown values are `None`: the caller keeps asking, so a
    /// state added to the server later never shows a wrong message.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(OrderState::Pending),
            "confirmed" => Some(OrderState::Confirmed),
            "failed" => Some(OrderState::Failed),
            "expired" => Some(OrderState::Expired),
            "refunded" => Some(OrderState::Refunded),
            _ => None,
        }
    }

    /// The value written to the container's `data-state` and to `points:updated`'s detail.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Confirmed => "confirmed",
            OrderState::Failed => "failed",
            OrderState::Expired => "expired",
            OrderState::Refunded => "refunded",
        }
    }

    /// Whether polling stops at this state.
    pub fn is_terminal(self) -> bool {
        !matches!(self, OrderState::Pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn reference_comes_from_the_named_param_then_order_number() {
        let pairs = [
            ("ref", "A-1"),
            ("order_number", "B-2"),
            ("status", "approved"),
        ];
        let found = |param| OrderReference::from_query(param, query(&pairs)).map(|r| r.0);
        assert_eq!(found(None), Some("A-1".into()));
        assert_eq!(found(Some("oid")), Some("B-2".into()));
        assert_eq!(found(Some("  ")), Some("A-1".into()));
        let only_status = [("status", "approved")];
        assert_eq!(OrderReference::from_query(None, query(&only_status)), None);
        let blank = [("ref", "  "), ("order_number", "C-3")];
        assert_eq!(
            OrderReference::from_query(None, query(&blank)).map(|r| r.0),
            Some("C-3".into())
        );
    }

    #[test]
    fn reference_rejects_control_characters_and_huge_values() {
        assert!(OrderReference::parse("a\nb").is_none());
        assert!(OrderReference::parse("A-1\u{202e}gpj.exe").is_none());
        assert!(OrderReference::parse(&"x".repeat(129)).is_none());
        assert!(OrderReference::parse(&"x".repeat(128)).is_some());
    }

    #[test]
    fn states_map_and_only_pending_keeps_polling() {
        for name in ["pending", "confirmed", "failed", "expired", "refunded"] {
            let state = OrderState::parse(name).map(OrderState::as_str);
            assert_eq!(state, Some(name));
        }
        assert_eq!(OrderState::parse("approved"), None);
        assert_eq!(OrderState::parse("Confirmed"), None);
        assert!(!OrderState::Pending.is_terminal());
        assert!(OrderState::Confirmed.is_terminal() && OrderState::Refunded.is_terminal());
    }
}
