//! Refunds (API.md §3.11): the whole remainder, or part of it. Points moves the order to
//! `partially_refunded` or `fully_refunded` and fires `refunded`, whose `refund_amount` and
//! `left_amount` the worker keeps on the order ([`crate::lifecycle`]).

use protocol::Sar;
use protocol::client::Refund;

use super::{OrderRef, Outcome, optional_text, send, target};
use crate::{ApiError, AppState};

/// A refund as support asks for it, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefundRequest {
    /// `None`: everything that remains refundable (Points works it out).
    pub amount: Option<Sar>,
    pub reason: Option<String>,
}

impl RefundRequest {
    /// `amount` as SAR text (`"12.50"`, `"12"`; at most two decimals), or none for a full
    /// refund; 400 for anything else or for zero.
    pub fn parse(amount: Option<&str>, reason: Option<String>) -> Result<Self, ApiError> {
        let amount = amount
            .map(|text| {
                let amount = Sar::parse(text).map_err(|e| {
                    ApiError::BadRequest(format!(
                        "amount: {e} ({text:?}; write SAR like 12.50, or leave it out to refund everything)"
                    ))
                })?;
                if amount == Sar::ZERO {
                    return Err(ApiError::BadRequest(
                        "amount: must be more than 0 (leave it out to refund everything)".into(),
                    ));
                }
                Ok(amount)
            })
            .transpose()?;
        Ok(RefundRequest {
            amount,
            reason: optional_text("reason", reason)?,
        })
    }
}

/// `POST /v1/orders/{uuid}/refund`. An amount above the order's total is refused here; one
/// above what is left after earlier refunds is Points' 422 on `amount`.
pub async fn refund(
    state: &AppState,
    reference: &OrderRef,
    request: RefundRequest,
) -> Result<Outcome, ApiError> {
    let (order, uuid) = target(state, reference).await?;
    if let Some(amount) = request.amount
        && amount > order.total
    {
        return Err(ApiError::BadRequest(format!(
            "amount: {amount} is more than the order's total {}",
            order.total
        )));
    }
    let call = Refund {
        uuid,
        amount: request.amount,
        reason: request.reason,
    };
    send(state, "refund", &order, &call).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_sar_above_zero() {
        let check = |text: Option<&str>, expect: Option<Option<u64>>| {
            let parsed = RefundRequest::parse(text, None)
                .ok()
                .map(|r| r.amount.map(Sar::halalas));
            assert_eq!(parsed, expect, "{text:?}");
        };
        check(None, Some(None));
        check(Some("12.50"), Some(Some(1250)));
        check(Some(" 12 "), Some(Some(1200)));
        check(Some("0.01"), Some(Some(1)));
        check(Some("0"), None);
        check(Some("0.00"), None);
        check(Some("-5"), None);
        check(Some("12.505"), None);
        check(Some("12,50"), None);
        check(Some(""), None);
        check(Some("1e3"), None);
    }
}
