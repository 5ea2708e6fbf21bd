//! Webhook management (API.md §3.12): list, create, show, PUT, PATCH, DELETE.

use serde::Serialize;
use serde_json::Value;

use super::{Auth, Endpoint, Method, json_body};
use crate::client::ClientError;
use crate::{Page, WebhookResource, WebhookUuid};

/// `GET /v1/webhooks?per_page=&page=`: one Laravel page (15 per page by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListWebhooks {
    pub per_page: Option<u32>,
    pub page: Option<u32>,
}

/// `POST /v1/webhooks`: register `url`; Points generates the secret. A second registration of
/// the same URL is a 400, so a retry is not blind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateWebhook {
    pub name: String,
    pub url: String,
}

/// `GET /v1/webhooks/{uuid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetWebhook(pub WebhookUuid);

/// `PUT /v1/webhooks/{uuid}`: the fields given replace the stored ones (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplaceWebhook {
    #[serde(skip)]
    pub uuid: WebhookUuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `PATCH /v1/webhooks/{uuid}`: changes only the fields given (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateWebhook {
    #[serde(skip)]
    pub uuid: WebhookUuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `DELETE /v1/webhooks/{uuid}`: no further deliveries to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteWebhook(pub WebhookUuid);

impl Endpoint for ListWebhooks {
    type Output = Page<WebhookResource>;
    const METHOD: Method = Method::Get;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        let query: Vec<String> = [("per_page", self.per_page), ("page", self.page)]
            .into_iter()
            .filter_map(|(name, value)| Some(format!("{name}={}", value?)))
            .collect();
        match query.is_empty() {
            true => "/v1/webhooks".into(),
            false => format!("/v1/webhooks?{}", query.join("&")),
        }
    }

    /// The page is the whole envelope: `data` and the top-level `meta`.
    fn decode(envelope: Value) -> Result<Self::Output, ClientError> {
        serde_json::from_value(envelope).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

impl Endpoint for CreateWebhook {
    type Output = WebhookResource;
    const METHOD: Method = Method::Post;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        "/v1/webhooks".into()
    }

    fn body(&self) -> Option<Value> {
        json_body(self)
    }
}

impl Endpoint for GetWebhook {
    type Output = WebhookResource;
    const METHOD: Method = Method::Get;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        format!("/v1/webhooks/{}", self.0)
    }
}

impl Endpoint for ReplaceWebhook {
    type Output = WebhookResource;
    const METHOD: Method = Method::Put;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        format!("/v1/webhooks/{}", self.uuid)
    }

    fn body(&self) -> Option<Value> {
        json_body(self)
    }
}

impl Endpoint for UpdateWebhook {
    type Output = WebhookResource;
    const METHOD: Method = Method::Patch;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        format!("/v1/webhooks/{}", self.uuid)
    }

    fn body(&self) -> Option<Value> {
        json_body(self)
    }

    /// Setting fields to values: a repeat changes nothing more.
    fn idempotent(&self) -> bool {
        true
    }
}

impl Endpoint for DeleteWebhook {
    /// Points answers an envelope without `data`.
    type Output = ();
    const METHOD: Method = Method::Delete;
    const AUTH: Auth = Auth::PrivateKey;

    fn path(&self, _public_key: &str) -> String {
        format!("/v1/webhooks/{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_paths_carry_only_the_given_paging() {
        assert_eq!(ListWebhooks::default().path(""), "/v1/webhooks");
        let page = ListWebhooks {
            per_page: Some(2),
            page: Some(3),
        };
        assert_eq!(page.path(""), "/v1/webhooks?per_page=2&page=3");
    }

    #[test]
    fn a_list_decodes_data_and_meta() {
        let envelope = serde_json::json!({
            "status": true, "message": "", "appended_data": {},
            "data": [{"uuid": "550e8400-e29b-41d4-a716-446655440000", "merchant_id": 7,
                      "name": "Orders", "url": "https://shop.example/hook", "secret": "s"}],
            "links": {"first": null, "last": null, "prev": null, "next": null},
            "meta": {"current_page": 1, "from": 1, "last_page": 2, "per_page": 1, "to": 1, "total": 2}
        });
        let page = ListWebhooks::decode(envelope).expect("decodes");
        assert_eq!(page.items.len(), 1);
        assert!(page.has_next());
        assert_eq!(page.meta.total, 2);
        assert_eq!(
            <DeleteWebhook as Endpoint>::decode(serde_json::json!({"status": true})).ok(),
            Some(())
        );
    }
}
