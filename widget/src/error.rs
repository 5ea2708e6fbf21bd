//! The widget's failures and the stable codes the page sees for them.
//!
//! Every failure ends up as one console line, a `points:error` event and `data-state="error"` on
//! the container (see [`crate::report`]); nothing is thrown into the host page.

use std::fmt;

/// Why a widget could not be mounted, updated or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetError {
    /// `container` is missing, matches nothing, is not an element or is not in the document.
    Container(&'static str),
    /// `type` is missing or names a widget this build does not render.
    Type(&'static str),
    /// An option has a value we cannot use (`server`, `callbackUrl`, …).
    Options(&'static str),
    /// `points`, `price` or `multiplier` is not a non-negative number we can show: nothing is
    /// rendered (or, on update, the number shown stays as it was).
    Input(&'static str),
    /// The loader, `widgetUrl` or the page is not where a production widget may run.
    Origin(&'static str),
    /// A sandbox build on a page that declares production (`<meta name="points-env">`).
    Env(&'static str),
    /// The return page has no order reference, or the merchant server does not know the order.
    Order(&'static str),
    /// A browser API failed where it should not (no document, shadow DOM refused, …).
    Internal(&'static str),
}

impl WidgetError {
    /// The stable code put in `event.detail.code`; e2e tests and merchants match on it.
    pub fn code(&self) -> &'static str {
        match self {
            WidgetError::Container(_) => "POINTS_E_CONTAINER",
            WidgetError::Type(_) => "POINTS_E_TYPE",
            WidgetError::Options(_) => "POINTS_E_OPTIONS",
            WidgetError::Input(_) => "POINTS_E_INPUT",
            WidgetError::Origin(_) => "POINTS_E_ORIGIN",
            WidgetError::Env(_) => "POINTS_E_ENV",
            WidgetError::Order(_) => "POINTS_E_ORDER",
            WidgetError::Internal(_) => "POINTS_E_INTERNAL",
        }
    }

    /// The human-readable part, in English (it is for the developer's console, not the shopper).
    pub fn message(&self) -> &'static str {
        match self {
            WidgetError::Container(m)
            | WidgetError::Type(m)
            | WidgetError::Options(m)
            | WidgetError::Input(m)
            | WidgetError::Origin(m)
            | WidgetError::Env(m)
            | WidgetError::Order(m)
            | WidgetError::Internal(m) => m,
        }
    }

    /// Wraps a failed browser call (named by `what`) whose error value we do not inspect.
    pub(crate) fn internal(what: &'static str) -> Self {
        WidgetError::Internal(what)
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
        let err = WidgetError::Type("unknown type \"x\"");
        assert_eq!(err.to_string(), "POINTS_E_TYPE: unknown type \"x\"");
        assert_eq!(WidgetError::Order("").code(), "POINTS_E_ORDER");
    }
}
