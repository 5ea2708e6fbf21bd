//! The widget's failures and the stable codes the page sees for them.
//!
//! Every failure ends up as one console line, a `points:error` event and `data-state="error"` on
//! the container (see [`crate::report`]); nothing is thrown into the host page.

use std::fmt;

/// Why a widget could not be mounted, updated or finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetError {
    /// `container` is missing, matches nothing, is not an element or is not in the document.
    Container(String),
    /// `type` is missing or names a widget this build does not render.
    Type(String),
    /// An option has a value we cannot use (`points`, `price`, `multiplier`, `server`, …).
    Options(String),
    /// The return page has no order reference, or the merchant server does not know the order.
    Order(String),
    /// A browser API failed where it should not (no document, shadow DOM refused, …).
    Internal(String),
}

impl WidgetError {
    /// The stable code put in `event.detail.code`; e2e tests and merchants match on it.
    pub fn code(&self) -> &'static str {
        match self {
            WidgetError::Container(_) => "POINTS_E_CONTAINER",
            WidgetError::Type(_) => "POINTS_E_TYPE",
            WidgetError::Options(_) => "POINTS_E_OPTIONS",
            WidgetError::Order(_) => "POINTS_E_ORDER",
            WidgetError::Internal(_) => "POINTS_E_INTERNAL",
        }
    }

    /// The human-readable part, in English (it is for the developer's console, not the shopper).
    pub fn message(&self) -> &str {
        match self {
            WidgetError::Container(m)
            | WidgetError::Type(m)
            | WidgetError::Options(m)
            | WidgetError::Order(m)
            | WidgetError::Internal(m) => m,
        }
    }

    /// Wraps a failed browser call whose error value we do not inspect further.
    pub(crate) fn internal(what: &str) -> Self {
        WidgetError::Internal(format!("{what} failed"))
    }
}

impl fmt::Display for WidgetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for WidgetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_starts_with_the_stable_code() {
        let err = WidgetError::Type("unknown type \"x\"".into());
        assert_eq!(err.to_string(), "POINTS_E_TYPE: unknown type \"x\"");
        assert_eq!(WidgetError::Order(String::new()).code(), "POINTS_E_ORDER");
    }
}
