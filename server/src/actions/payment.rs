//! The financial transitions (API.md §3.7–3.9): authorize (`new` → `authorized`), capture
//! (`authorized` → `captured`), complete (a replacing order fully paid, with the payment
//! method) and cancel (`new` or `authorized` → `cancelled`, with a reason). Points decides
//! whether the order's state allows each; its 400 says why not.

use protocol::PaymentMethod;
use protocol::client::{Authorize, Cancel, Capture, Complete};

use super::{OrderRef, Outcome, optional_text, send, target};
use crate::{ApiError, AppState};

/// Every payment method by the name we accept (and print), with Points' code (§3.7).
pub const PAYMENT_METHODS: [(&str, PaymentMethod); 10] = [
    ("visa", PaymentMethod::Visa),
    ("mada", PaymentMethod::Mada),
    ("apple_pay", PaymentMethod::ApplePay),
    ("mastercard", PaymentMethod::Mastercard),
    ("tabby", PaymentMethod::Tabby),
    ("dashboard", PaymentMethod::Dashboard),
    ("bank_transfer", PaymentMethod::BankTransfer),
    ("wallet", PaymentMethod::Wallet),
    ("cash", PaymentMethod::Cash),
    ("tamara", PaymentMethod::Tamara),
];

/// `POST /v1/orders/{uuid}/authorize`.
pub async fn authorize(state: &AppState, reference: &OrderRef) -> Result<Outcome, ApiError> {
    let (order, uuid) = target(state, reference).await?;
    send(state, "authorize", &order, &Authorize(uuid)).await
}

/// `POST /v1/orders/{uuid}/capture`.
pub async fn capture(state: &AppState, reference: &OrderRef) -> Result<Outcome, ApiError> {
    let (order, uuid) = target(state, reference).await?;
    send(state, "capture", &order, &Capture(uuid)).await
}

/// `POST /v1/orders/{uuid}/complete`, recording how the rest was paid (optional for Points).
pub async fn complete(
    state: &AppState,
    reference: &OrderRef,
    payment_method: Option<PaymentMethod>,
) -> Result<Outcome, ApiError> {
    let (order, uuid) = target(state, reference).await?;
    send(
        state,
        "complete",
        &order,
        &Complete::new(uuid, payment_method),
    )
    .await
}

/// `POST /v1/orders/{uuid}/cancel`. Without a reason Points records "Order cancelled via
/// API"; a blank one is refused here.
pub async fn cancel(
    state: &AppState,
    reference: &OrderRef,
    reason: Option<String>,
) -> Result<Outcome, ApiError> {
    let reason = optional_text("reason", reason)?;
    let (order, uuid) = target(state, reference).await?;
    let request = Cancel {
        reason,
        ..Cancel::new(uuid)
    };
    send(state, "cancel", &order, &request).await
}

/// A payment method by name (`mada`, `apple_pay`, any case, `-` for `_`) or by Points' code
/// (`"2"`); 400 listing the names otherwise.
pub fn parse_payment_method(text: &str) -> Result<PaymentMethod, ApiError> {
    let name = text.trim().to_ascii_lowercase().replace('-', "_");
    let by_name = PAYMENT_METHODS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, method)| *method);
    let by_code = name.parse::<u8>().ok().and_then(PaymentMethod::from_code);
    by_name.or(by_code).ok_or_else(|| {
        let names: Vec<&str> = PAYMENT_METHODS.iter().map(|(name, _)| *name).collect();
        ApiError::BadRequest(format!(
            "payment_method: unknown {text:?}; one of {} (or Points' code 1-10)",
            names.join(", ")
        ))
    })
}

/// The name [`parse_payment_method`] accepts for `method`.
pub fn payment_method_name(method: PaymentMethod) -> &'static str {
    PAYMENT_METHODS
        .iter()
        .find(|(_, known)| *known == method)
        .map_or("unknown", |(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_methods_parse_by_name_or_code() {
        let check = |text: &str, expect: Option<PaymentMethod>| {
            assert_eq!(parse_payment_method(text).ok(), expect, "{text:?}");
        };
        check("mada", Some(PaymentMethod::Mada));
        check(" Apple-Pay ", Some(PaymentMethod::ApplePay));
        check("BANK_TRANSFER", Some(PaymentMethod::BankTransfer));
        check("2", Some(PaymentMethod::Mada));
        check("10", Some(PaymentMethod::Tamara));
        check("0", None);
        check("11", None);
        check("bitcoin", None);
        check("", None);
        for (name, method) in PAYMENT_METHODS {
            assert_eq!(payment_method_name(method), name);
        }
    }
}
