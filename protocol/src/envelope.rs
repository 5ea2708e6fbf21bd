//! The response envelope every Points endpoint uses (API.md §2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field errors of a 422, keyed in dot notation (`products.0.quantity`).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// `{ "status": true, "message": "", "appended_data": {}, "data": { … } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub status: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default = "empty_object")]
    pub appended_data: serde_json::Value,
    pub data: T,
}

impl<T> Envelope<T> {
    /// A success envelope around `data`, as Points answers it.
    pub fn ok(data: T) -> Self {
        Self {
            status: true,
            message: Some(String::new()),
            appended_data: empty_object(),
            data,
        }
    }
}

/// `{ "status": false, "message": "…", "appended_data": {}, "errors": { … } }`.
///
/// `errors` is present on 422 only. The PHP SDK's fixtures show the bare Laravel form without
/// `status` and `appended_data` (API.md §11.8), so both are optional when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default)]
    pub status: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default = "empty_object")]
    pub appended_data: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
}

impl ErrorEnvelope {
    /// An error envelope with a reason and no field errors.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            status: false,
            message: Some(message.into()),
            appended_data: empty_object(),
            errors: None,
        }
    }

    /// Laravel's 422: `message` names the first failing rule, `errors` lists them all.
    pub fn validation(errors: FieldErrors) -> Self {
        let message = errors
            .values()
            .flat_map(|messages| messages.first())
            .next()
            .cloned()
            .unwrap_or_else(|| "The given data was invalid.".to_owned());
        Self {
            status: false,
            message: Some(message),
            appended_data: empty_object(),
            errors: Some(errors),
        }
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bare_laravel_validation_form() {
        let body = r#"{"message":"The given data was invalid.","errors":{"total_price":["The total price field is required."]}}"#;
        let parsed: ErrorEnvelope = serde_json::from_str(body).expect("bare form parses");
        assert!(!parsed.status);
        assert_eq!(parsed.errors.expect("errors")["total_price"].len(), 1);
    }

    #[test]
    fn validation_message_names_the_first_failing_rule() {
        let mut errors = FieldErrors::new();
        errors.insert(
            "order_number".into(),
            vec!["The order number field is required.".into()],
        );
        errors.insert(
            "total_price".into(),
            vec!["The total price field is required.".into()],
        );
        let envelope = ErrorEnvelope::validation(errors);
        assert_eq!(
            envelope.message.as_deref(),
            Some("The order number field is required.")
        );
    }
}
