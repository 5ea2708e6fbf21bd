//! Conformance: every response the scenario below provokes, success and error alike, is
//! validated with a real JSON-schema validator against the schema Points' OpenAPI spec
//! documents for that operation and status. The spec is vendored as
//! `sandbox/spec/points-openapi-v1.yaml` and compiled into the tests, so they run on every
//! clone and never skip. Beyond the scenario, every `/api/…` response any test of the suite
//! gets goes through [`violations`] in one place: [`layer`] wraps the router `spawn_sandbox()`
//! serves, whatever helper or raw client made the call, and a test whose sandbox answered
//! anything off-schema fails when its `TestSandbox` is dropped.
//!
//! OpenAPI 3.0 schemas are not quite JSON Schema, so the spec is translated first:
//! `nullable: true` becomes a `null` alternative, and `oneOf` becomes `anyOf`, because the
//! spec's earning response is `oneOf [OrderResponse, PendingEarningResponse]` without a
//! discriminator and `OrderResource` has no required fields, so the pending variant matches
//! both branches and a strict `oneOf` would reject the spec's own example.
//!
//! Endpoints newer than the spec (ratings, integration status; API.md §3.0) use what API.md
//! says they share: the ratings answer like `createEarningOrder`; integration status has the
//! small schema below, written from API.md §3.13. A status the operation does not list (e.g.
//! a 429 from the earning lock on a rating) is checked against `ErrorResponse`.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
};

use reqwest::Method;
use serde_json::{Map, Value, json};

pub mod layer;
mod scenario;

use crate::helpers::{PRIVATE_KEY, TestSandbox, spawn_sandbox};
use scenario::scenario;

/// One response the scenario provoked.
pub struct Exchange {
    /// The spec's path template (`/v1/orders/{orderUuid}`) and method, lowercase.
    path: String,
    method: &'static str,
    status: u16,
    body: Value,
}

pub struct Recorder<'a> {
    pub app: &'a TestSandbox,
    seen: Vec<Exchange>,
}

impl Recorder<'_> {
    /// Calls `concrete` (below `/api`) and records the answer under `template`.
    pub async fn call(
        &mut self,
        method: &'static str,
        template: &'static str,
        concrete: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let verb = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
        let mut request = self
            .app
            .http
            .request(verb, format!("{}/api{concrete}", self.app.url));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("call");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("every answer is JSON");
        self.seen.push(Exchange {
            path: template.to_owned(),
            method,
            status,
            body: body.clone(),
        });
        (status, body)
    }

    pub async fn post(
        &mut self,
        template: &'static str,
        concrete: &str,
        body: Value,
    ) -> (u16, Value) {
        self.call("post", template, concrete, Some(PRIVATE_KEY), Some(body))
            .await
    }
}

/// Points' OpenAPI v1 spec as vendored in the repository (its header says where from and when).
/// Compiled in: a clone without it does not build, so no test can skip for want of it.
pub const SPEC_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/spec/points-openapi-v1.yaml"
));

/// The translated spec, parsed once for the whole suite.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        translate(serde_norway::from_str(SPEC_YAML).expect("the vendored spec is YAML"))
    })
}

/// What is wrong with one API response of any test in the suite, against the spec: empty when
/// it conforms, or when the route is one the spec does not know (unknown-route tests).
/// `concrete` is the path below `/api` (`/v1/orders/…`).
pub fn violations(method: &str, concrete: &str, status: u16, body: &Value) -> Vec<String> {
    let spec = spec();
    let path = concrete.split('?').next().unwrap_or_default();
    let Some(template) = template_for(spec, path) else {
        return Vec::new();
    };
    let exchange = Exchange {
        path: template,
        method: leak_method(method),
        status,
        body: body.clone(),
    };
    let errors = match cached_validator(spec, &exchange) {
        Ok(validator) => validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect(),
        Err(undocumented) => vec![undocumented],
    };
    errors
        .into_iter()
        .map(|e| format!("{method} {concrete} → {status}: {e}\n  body: {body}"))
        .collect()
}

type Key = (String, &'static str, u16);

/// One compiled validator per operation and status, shared by the whole suite.
fn cached_validator(
    spec: &Value,
    exchange: &Exchange,
) -> Result<Arc<jsonschema::Validator>, String> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let key = (exchange.path.clone(), exchange.method, exchange.status);
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().expect("cache").get(&key) {
        return Ok(found.clone());
    }
    let (schema, _) = schema_for(spec, exchange)?;
    let validator = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .expect("a valid schema"),
    );
    cache.lock().expect("cache").insert(key, validator.clone());
    Ok(validator)
}

/// The validator's complaints about `body`.
fn validate(schema: &Value, body: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(schema)
        .expect("a valid schema");
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The spec's template (`/v1/orders/{orderUuid}`) for a concrete `/v1/…` path, including the
/// endpoints newer than the spec.
fn template_for(spec: &Value, path: &str) -> Option<String> {
    const NEWER: [&str; 3] = [
        "/v1/orders/earning/store-rating",
        "/v1/orders/earning/product-rating",
        "/v1/integration/status",
    ];
    if NEWER.contains(&path) {
        return Some(path.to_owned());
    }
    let segments: Vec<&str> = path.split('/').collect();
    let paths = spec["paths"].as_object()?;
    // Literal segments win over parameters (`/orders/earning` is not `/orders/{orderUuid}`).
    let mut best: Option<(usize, &String)> = None;
    for template in paths.keys() {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                true
            } else {
                literal += 1;
                t == s
            }
        });
        if fits && best.is_none_or(|(n, _)| literal > n) {
            best = Some((literal, template));
        }
    }
    best.map(|(_, t)| t.clone())
}

fn leak_method(method: &str) -> &'static str {
    match method.to_ascii_lowercase().as_str() {
        "get" => "get",
        "post" => "post",
        "put" => "put",
        "patch" => "patch",
        "delete" => "delete",
        _ => "other",
    }
}

#[tokio::test]
async fn every_response_matches_the_openapi_schema() {
    let spec = spec();
    let app = spawn_sandbox().await;
    let mut r = Recorder {
        app: &app,
        seen: Vec::new(),
    };
    scenario(&mut r).await;

    let mut failures = Vec::new();
    let mut fallbacks = 0;
    for exchange in &r.seen {
        match schema_for(spec, exchange) {
            Ok((schema, fallback)) => {
                fallbacks += usize::from(fallback);
                let errors = validate(&schema, &exchange.body);
                if !errors.is_empty() {
                    failures.push(format!(
                        "{} {} → {}: {errors:?}\n  body: {}",
                        exchange.method, exchange.path, exchange.status, exchange.body
                    ));
                }
            }
            Err(undocumented) => failures.push(undocumented),
        }
    }
    eprintln!(
        "validated {} responses ({fallbacks} against the generic error schema)",
        r.seen.len()
    );
    assert!(r.seen.len() > 60, "the scenario covers every endpoint");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let seen: HashSet<(String, &str, u16)> = r
        .seen
        .iter()
        .map(|e| (e.path.clone(), e.method, e.status))
        .collect();
    let missing: Vec<String> = documented_statuses(spec)
        .into_iter()
        .filter(|key| !seen.contains(key))
        .map(|(path, method, status)| format!("{method} {path} → {status}"))
        .collect();
    assert!(
        missing.is_empty(),
        "statuses the spec documents that no call provoked:\n{}",
        missing.join("\n")
    );
}

/// Every (operation, status) the spec documents, and what API.md §3.0 / §3.13 say for the
/// endpoints newer than the spec: the ratings answer like the purchase earning; integration
/// status answers 200, 400, 422 and 429.
fn documented_statuses(spec: &Value) -> Vec<(String, &'static str, u16)> {
    let mut out = Vec::new();
    for (path, operations) in spec["paths"].as_object().into_iter().flatten() {
        for (method, operation) in operations.as_object().into_iter().flatten() {
            let method = leak_method(method);
            if method == "other" {
                continue;
            }
            for code in operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(c, _)| c)
            {
                if let Ok(code) = code.parse() {
                    out.push((path.clone(), method, code));
                }
            }
        }
    }
    for rating in [
        "/v1/orders/earning/store-rating",
        "/v1/orders/earning/product-rating",
    ] {
        for code in [200, 400, 403, 422, 429] {
            out.push((rating.to_owned(), "post", code));
        }
    }
    for code in [200, 400, 422, 429] {
        out.push(("/v1/integration/status".to_owned(), "post", code));
    }
    out.sort();
    out
}

/// The spec lives in the repository, says where it came from and when, and is Points' v1
/// definition of every path the scenario calls.
#[test]
fn the_vendored_spec_names_its_source_and_date_and_is_points_v1() {
    let header: Vec<&str> = SPEC_YAML
        .lines()
        .take_while(|line| line.starts_with('#') || line.is_empty())
        .collect();
    let header = header.join("\n");
    assert!(
        header.contains("../shared/points/openapi-v1.yaml"),
        "{header}"
    );
    assert!(header.contains("2026-12-07"), "{header}");
    let spec = spec();
    assert_eq!(spec["info"]["title"], "Points API");
    assert_eq!(spec["info"]["version"], "1.0.0");
    for path in [
        "/v1/orders/checkout/{publicKey}",
        "/v1/orders/{orderUuid}",
        "/v1/webhooks",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is in the spec");
    }
}

/// The validator really rejects what the spec forbids, so a pass above means something.
#[test]
fn the_translated_spec_rejects_a_malformed_order() {
    let exchange = Exchange {
        path: "/v1/orders/{orderUuid}".to_owned(),
        method: "get",
        status: 200,
        body: json!({ "status": true, "message": "", "appended_data": {},
                      "data": { "id": "forty-two", "order_status": "lost", "type": 3 } }),
    };
    let (schema, _) = schema_for(spec(), &exchange).expect("documented");
    let validator = jsonschema::validator_for(&schema).expect("schema");
    assert_eq!(validator.iter_errors(&exchange.body).count(), 3);
}

/// The schema the spec gives `exchange`'s operation and status, with the spec's components
/// beside it so `$ref`s resolve; `true` when it fell back to the generic error schema. A
/// success the operation does not document is an error.
fn schema_for(spec: &Value, exchange: &Exchange) -> Result<(Value, bool), String> {
    let components = spec["components"].clone();
    let wrap = |schema: Value| json!({ "components": components, "allOf": [schema] });
    let path = match exchange.path.as_str() {
        "/v1/orders/earning/store-rating" | "/v1/orders/earning/product-rating" => {
            "/v1/orders/earning"
        }
        "/v1/integration/status" if exchange.status == 200 => {
            return Ok((integration_schema(), false));
        }
        other => other,
    };
    let operation = &spec["paths"][path][exchange.method];
    let response = &operation["responses"][exchange.status.to_string()];
    let response = match response["$ref"].as_str() {
        Some(reference) => resolve(spec, reference),
        None => response.clone(),
    };
    match response.pointer("/content/application~1json/schema") {
        Some(schema) => Ok((wrap(schema.clone()), false)),
        None => {
            if exchange.status < 400 {
                return Err(format!(
                    "{} {} → {} is a success the spec does not document",
                    exchange.method, exchange.path, exchange.status
                ));
            }
            let generic = if exchange.status == 422 {
                "#/components/schemas/ValidationErrorResponse"
            } else {
                "#/components/schemas/ErrorResponse"
            };
            Ok((wrap(json!({ "$ref": generic })), true))
        }
    }
}

/// API.md §3.13's response, which the April 2026 spec predates.
fn integration_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status", "message", "appended_data", "data"],
        "properties": {
            "status": { "const": true },
            "message": { "type": "string" },
            "appended_data": { "type": "array" },
            "data": {
                "type": "object",
                "required": ["active"],
                "properties": { "active": { "type": "boolean" } },
            },
        },
    })
}

fn resolve(spec: &Value, reference: &str) -> Value {
    let pointer = reference.trim_start_matches('#');
    spec.pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("unresolved {reference}"))
}

/// OpenAPI 3.0 → JSON Schema: `nullable` becomes a `null` alternative, `oneOf` → `anyOf`,
/// `example` goes.
fn translate(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(translate).collect()),
        Value::Object(fields) => {
            let mut out: Map<String, Value> = fields
                .into_iter()
                .filter(|(k, _)| k != "example")
                .map(|(k, v)| {
                    let k = if k == "oneOf" { "anyOf".to_owned() } else { k };
                    (k, translate(v))
                })
                .collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
                match out.remove("type") {
                    Some(Value::String(t)) => {
                        out.insert("type".into(), json!([t, "null"]));
                    }
                    Some(other) => {
                        out.insert("type".into(), other);
                    }
                    None => {
                        return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
                    }
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

#[test]
fn concrete_paths_find_their_spec_templates() {
    let spec = spec();
    let uuid = "550e8400-e29b-41d4-a716-446655440000";
    let check = |path: String, expect: Option<&str>| {
        assert_eq!(template_for(spec, &path).as_deref(), expect, "{path}");
    };
    check("/v1/orders/earning".into(), Some("/v1/orders/earning"));
    check(format!("/v1/orders/{uuid}"), Some("/v1/orders/{orderUuid}"));
    check(
        format!("/v1/orders/{uuid}/refund"),
        Some("/v1/orders/{orderUuid}/refund"),
    );
    check(
        format!("/v1/webhooks/{uuid}"),
        Some("/v1/webhooks/{webhookUuid}"),
    );
    check("/v1/webhooks".into(), Some("/v1/webhooks"));
    check(
        "/v1/orders/checkout/pk_x".into(),
        Some("/v1/orders/checkout/{publicKey}"),
    );
    check(
        "/v1/integration/status".into(),
        Some("/v1/integration/status"),
    );
    check("/v1/nope".into(), None);
}
