//! The shipping status (API.md §3.10, §5.3): one of Points' six values, a bilingual custom
//! label, or both. It is independent of the financial status and allowed in every state.
//! Points fires `shipping_status_updated` for each call; the worker keeps the status and the
//! label Points resolved on the order.

use protocol::ShippingStatus;
use protocol::client::UpdateShipping;
use serde::Deserialize;

use super::{OrderRef, Outcome, optional_text, send, target};
use crate::{ApiError, AppState};

/// A custom label; Points translates a lone language into the other (or copies it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Label {
    #[serde(default)]
    pub ar: Option<String>,
    #[serde(default)]
    pub en: Option<String>,
}

/// A shipping update, parsed: at least one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingChange {
    pub status: Option<ShippingStatus>,
    pub label: Label,
}

impl ShippingChange {
    /// `status` by Points' name (`ready_shipping`); the label's texts trimmed, none blank.
    /// 400 for an unknown status, a blank text, or neither a status nor a label.
    pub fn parse(status: Option<&str>, label: Label) -> Result<Self, ApiError> {
        let status = status
            .map(|name| {
                ShippingStatus::parse(name.trim()).ok_or_else(|| {
                    let names: Vec<&str> = ShippingStatus::ALL
                        .into_iter()
                        .map(ShippingStatus::as_str)
                        .collect();
                    ApiError::BadRequest(format!(
                        "status: unknown {name:?}; one of {}",
                        names.join(", ")
                    ))
                })
            })
            .transpose()?;
        let label = Label {
            ar: optional_text("label.ar", label.ar)?,
            en: optional_text("label.en", label.en)?,
        };
        if status.is_none() && label.ar.is_none() && label.en.is_none() {
            return Err(ApiError::BadRequest(
                "give a status, a label (ar and/or en), or both".into(),
            ));
        }
        Ok(ShippingChange { status, label })
    }
}

/// `POST /v1/orders/{uuid}/status`.
pub async fn update_shipping(
    state: &AppState,
    reference: &OrderRef,
    change: ShippingChange,
) -> Result<Outcome, ApiError> {
    let (order, uuid) = target(state, reference).await?;
    let call = UpdateShipping {
        uuid,
        status: change.status,
        name_ar: change.label.ar,
        name_en: change.label.en,
    };
    send(state, "shipping", &order, &call).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(ar: Option<&str>, en: Option<&str>) -> Label {
        Label {
            ar: ar.map(Into::into),
            en: en.map(Into::into),
        }
    }

    #[test]
    fn a_change_needs_a_known_status_or_a_label() {
        let ok = ShippingChange::parse(Some("delivered"), Label::default()).expect("status");
        assert_eq!(ok.status, Some(ShippingStatus::Delivered));
        let ok = ShippingChange::parse(None, label(Some(" في الطريق "), None)).expect("label");
        assert_eq!(ok.label.ar.as_deref(), Some("في الطريق"));
        assert_eq!(ok.status, None);
        for (status, label) in [
            (Some("flying"), Label::default()),
            (None, Label::default()),
            (None, label(Some(" "), None)),
            (Some("delivered"), label(None, Some(""))),
        ] {
            assert!(
                matches!(
                    ShippingChange::parse(status, label.clone()),
                    Err(ApiError::BadRequest(_))
                ),
                "{status:?} {label:?}"
            );
        }
    }
}
