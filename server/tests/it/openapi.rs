//! `GET /openapi.json` against the live server: OpenAPI 3.1, every route it serves documented
//! (and nothing documented that it does not serve), every status the calls below provoke
//! listed, and every JSON answer valid against its schema (JSON Schema 2020-12, the dialect of
//! OpenAPI 3.1, with formats checked).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::order_event;
use crate::stack::{OpsStack, StackOptions, spawn_stack};

/// One call and what it got.
struct Exchange {
    method: &'static str,
    template: &'static str,
    status: u16,
    content_type: String,
    retry_after: bool,
    body: String,
}

struct Recorder<'a> {
    stack: &'a OpsStack,
    seen: Vec<Exchange>,
}

impl Recorder<'_> {
    async fn call(
        &mut self,
        method: &'static str,
        template: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Value {
        let response = request.send().await.expect("call");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, retry_after) =
            (header("content-type"), !header("retry-after").is_empty());
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        self.seen.push(Exchange {
            method,
            template,
            status,
            content_type,
            retry_after,
            body,
        });
        json
    }

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let verb = Method::from_bytes(method.as_bytes()).expect("method");
        self.stack
            .http
            .request(verb, format!("{}{path}", self.stack.server))
    }

    fn admin(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path)
            .bearer_auth(&self.stack.admin_token)
    }
}

#[tokio::test]
async fn every_route_is_documented_and_every_answer_matches_its_schema() {
    let stack = spawn_stack(StackOptions::default()).await;
    let mut r = Recorder {
        stack: &stack,
        seen: Vec::new(),
    };
    let cart = json!({"items": [{"sku": "oud-50", "quantity": 2}], "lang": "ar"});

    // Storefront.
    let checkout = "/api/checkout";
    let created = r
        .call(
            "POST",
            checkout,
            r.request("POST", checkout)
                .header("idempotency-key", "k1")
                .json(&cart),
        )
        .await;
    let other = json!({"items": [{"sku": "musk-10", "quantity": 1}]});
    r.call(
        "POST",
        checkout,
        r.request("POST", checkout)
            .header("idempotency-key", "k1")
            .json(&other),
    )
    .await;
    r.call(
        "POST",
        checkout,
        r.request("POST", checkout).json(&json!({"items": []})),
    )
    .await;
    r.call(
        "POST",
        checkout,
        r.request("POST", checkout)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    r.call("POST", checkout, r.request("POST", checkout).body("{}"))
        .await;
    let number = created["order_number"]
        .as_str()
        .expect("order_number")
        .to_owned();
    let url = created["checkout_url"]
        .as_str()
        .expect("checkout_url")
        .to_owned();
    stack.approve(&url).await;
    stack.wait_for_state(&number, "confirmed").await;
    let order = "/api/orders/{order_number}";
    r.call(
        "GET",
        order,
        r.request("GET", &format!("/api/orders/{number}")),
    )
    .await;
    r.call(
        "GET",
        order,
        r.request("GET", "/api/orders/PK-000000-NOTHING1"),
    )
    .await;

    // Points.
    let hook = "/webhooks/points";
    let uuid = stack.points_uuid(&number).await;
    let event = order_event("approved", &number, &uuid, "approved");
    let deliver = |secret: &str, body: &Value| {
        stack
            .http
            .post(format!("{}{hook}", stack.server))
            .header("x-webhook-secret", secret)
            .header("x-webhook-event", "approved")
            .json(body)
    };
    let (duplicate, wrong, unreadable) = (
        deliver(&stack.webhook_secret, &event),
        deliver("wrong", &event),
        deliver(&stack.webhook_secret, &json!({"event": "approved"})),
    );
    r.call("POST", hook, duplicate).await;
    r.call("POST", hook, wrong).await;
    r.call("POST", hook, unreadable).await;
    r.call(
        "POST",
        "/admin/webhooks/disable",
        r.admin("POST", "/admin/webhooks/disable"),
    )
    .await;
    r.call("GET", "/admin/webhooks", r.admin("GET", "/admin/webhooks"))
        .await;
    r.call("POST", hook, deliver(&stack.webhook_secret, &event))
        .await;
    r.call(
        "POST",
        "/admin/webhooks/enable",
        r.admin("POST", "/admin/webhooks/enable"),
    )
    .await;

    // Operations and admin.
    r.call("GET", "/healthz", r.request("GET", "/healthz"))
        .await;
    r.call("GET", "/metrics", r.request("GET", "/metrics"))
        .await;
    r.call("GET", "/openapi.json", r.request("GET", "/openapi.json"))
        .await;
    let search = "/admin/orders/search";
    let found = r
        .call(
            "GET",
            search,
            r.admin("GET", &format!("{search}?q={number}")),
        )
        .await;
    assert_eq!(found["orders"].as_array().map(Vec::len), Some(1), "{found}");
    r.call("GET", search, r.admin("GET", search)).await;
    r.call(
        "GET",
        search,
        r.request("GET", &format!("{search}?q={number}")),
    )
    .await;
    r.call(
        "POST",
        "/admin/webhooks/enable",
        r.request("POST", "/admin/webhooks/enable"),
    )
    .await;
    let selftest = r
        .call("GET", "/admin/selftest", r.admin("GET", "/admin/selftest"))
        .await;
    assert_eq!(selftest["redaction"]["ok"], true, "{selftest}");
    let inbox = "/admin/selftest/inbox/{order_uuid}";
    let rows = r
        .call(
            "GET",
            inbox,
            r.admin("GET", &format!("/admin/selftest/inbox/{uuid}")),
        )
        .await;
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(1), "{rows}");
    r.call(
        "GET",
        inbox,
        r.admin("GET", &format!("/admin/selftest/inbox/{}", "u".repeat(101))),
    )
    .await;

    // Order operations: a success, a refusal here, Points' refusals and an unknown order.
    let show = "/admin/orders/{order}";
    let at = |action: &str| format!("/admin/orders/{number}/{action}");
    r.call(
        "GET",
        show,
        r.admin("GET", &format!("/admin/orders/{number}")),
    )
    .await;
    r.call(
        "GET",
        show,
        r.admin("GET", "/admin/orders/PK-000000-NOTHING1"),
    )
    .await;
    let refund = "/admin/orders/{order}/refund";
    for body in [
        json!({"amount": "0"}),
        json!({"amount": "10.00", "reason": "One item returned"}),
        json!({"amount": "1.00", "reason": "x".repeat(501)}),
    ] {
        r.call("POST", refund, r.admin("POST", &at("refund")).json(&body))
            .await;
    }
    for (action, body) in [
        ("cancel", Some(json!({"reason": "Out of stock"}))),
        ("authorize", None),
        ("capture", None),
        ("complete", Some(json!({"payment_method": "mada"}))),
        ("shipping", Some(json!({"status": "delivered"}))),
    ] {
        let template = match action {
            "cancel" => "/admin/orders/{order}/cancel",
            "authorize" => "/admin/orders/{order}/authorize",
            "capture" => "/admin/orders/{order}/capture",
            "complete" => "/admin/orders/{order}/complete",
            _ => "/admin/orders/{order}/shipping",
        };
        let mut request = r.admin("POST", &at(action));
        if let Some(body) = body {
            request = request.json(&body);
        }
        r.call("POST", template, request).await;
    }
    r.call(
        "POST",
        "/admin/orders/{order}/cancel",
        r.admin("POST", "/admin/orders/PK-000000-NOTHING1/cancel")
            .json(&json!({})),
    )
    .await;

    // The earning outbox: new, the same again, a conflict, bad input; a refusal from Points
    // (an injected 422) makes a failed row to retry.
    let earnings = "/admin/earnings";
    let rating = json!({"kind": "store_rating", "review_reference": "OAS-1",
        "phone_number": "0512345678", "rating": 5});
    let accepted = r
        .call("POST", earnings, r.admin("POST", earnings).json(&rating))
        .await;
    r.call("POST", earnings, r.admin("POST", earnings).json(&rating))
        .await;
    let other = json!({"kind": "store_rating", "review_reference": "OAS-1",
        "phone_number": "0512345678", "rating": 1});
    r.call("POST", earnings, r.admin("POST", earnings).json(&other))
        .await;
    r.call(
        "POST",
        earnings,
        r.admin("POST", earnings).json(&json!({"kind": "purchase"})),
    )
    .await;
    let id = accepted["id"].as_i64().expect("outbox id");
    let one = "/admin/earnings/{id}";
    let settled = crate::helpers::eventually("the rating to settle", || async {
        let view: Value = stack
            .admin(Method::GET, &format!("/admin/earnings/{id}"))
            .await
            .json()
            .await
            .ok()?;
        (view["state"] != "pending").then_some(view)
    })
    .await;
    assert_eq!(settled["state"], "recorded", "{settled}");
    r.call("GET", one, r.admin("GET", &format!("/admin/earnings/{id}")))
        .await;
    r.call("GET", one, r.admin("GET", "/admin/earnings/999999"))
        .await;
    let retry = "/admin/earnings/{id}/retry";
    r.call(
        "POST",
        retry,
        r.admin("POST", &format!("/admin/earnings/{id}/retry")),
    )
    .await;
    let fault = json!({"route": "/api/v1/orders/earning/store-rating", "method": "POST",
        "fault": "status", "status": 422, "count": 1});
    let injected = stack
        .http
        .post(format!("{}/_sandbox/faults", stack.sandbox))
        .json(&fault)
        .send()
        .await
        .expect("inject");
    assert_eq!(injected.status(), 200);
    let refused = r
        .call(
            "POST",
            earnings,
            r.admin("POST", earnings)
                .json(&json!({"kind": "store_rating",
                "review_reference": "OAS-2", "phone_number": "0512345678"})),
        )
        .await;
    let refused = refused["id"].as_i64().expect("outbox id");
    crate::helpers::eventually("the refusal", || async {
        let view: Value = stack
            .admin(Method::GET, &format!("/admin/earnings/{refused}"))
            .await
            .json()
            .await
            .ok()?;
        (view["state"] == "failed").then_some(())
    })
    .await;
    r.call(
        "GET",
        earnings,
        r.admin("GET", &format!("{earnings}?state=failed")),
    )
    .await;
    r.call("GET", earnings, r.admin("GET", earnings)).await;
    r.call(
        "GET",
        earnings,
        r.admin("GET", &format!("{earnings}?state=stuck")),
    )
    .await;
    r.call(
        "POST",
        retry,
        r.admin("POST", &format!("/admin/earnings/{refused}/retry")),
    )
    .await;
    r.call("GET", earnings, r.request("GET", earnings)).await;

    // Reconciliation: nothing yet, refused while another instance holds the lease, started,
    // refused input, and the report.
    let latest = "/admin/reconcile/runs/latest";
    r.call("GET", latest, r.admin("GET", latest)).await;
    let reconcile = "/admin/reconcile";
    sqlx::query(
        "INSERT INTO lease (name, holder, expires_at) VALUES ('reconcile', 'other', '2999-01-01T00:00:00.000Z')",
    )
    .execute(&stack.db)
    .await
    .expect("hold the lease");
    r.call("POST", reconcile, r.admin("POST", reconcile)).await;
    sqlx::query("DELETE FROM lease WHERE holder = 'other'")
        .execute(&stack.db)
        .await
        .expect("release the lease");
    r.call(
        "POST",
        reconcile,
        r.admin("POST", reconcile).json(&json!({"all": true})),
    )
    .await;
    r.call(
        "POST",
        reconcile,
        r.admin("POST", reconcile).json(&json!({"since": "soon"})),
    )
    .await;
    r.call("POST", reconcile, r.admin("POST", reconcile).body("{"))
        .await;
    r.call("GET", latest, r.admin("GET", latest)).await;

    let doc: Value = serde_json::from_str(
        &r.seen
            .iter()
            .find(|e| e.template == "/openapi.json")
            .expect("served")
            .body,
    )
    .expect("the document is JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "OpenAPI 3.1"
    );
    assert_eq!(
        documented_operations(&doc),
        r.seen
            .iter()
            .map(|e| (e.template.to_owned(), e.method.to_ascii_lowercase()))
            .collect(),
        "the documented operations are exactly the ones the server serves"
    );
    let mut failures = Vec::new();
    for exchange in &r.seen {
        if let Err(why) = check(&doc, exchange) {
            failures.push(format!(
                "{} {} → {}: {why}",
                exchange.method, exchange.template, exchange.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let statuses: BTreeSet<u16> = r.seen.iter().map(|e| e.status).collect();
    let expected = BTreeSet::from([200, 202, 400, 401, 404, 409, 415, 422, 503]);
    assert_eq!(
        statuses, expected,
        "the calls provoked every documented kind of answer"
    );
    stack.stop().await;
}

/// `(path, method)` of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("path item");
            methods
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect()
}

/// The exchange's status is documented, its content type is the documented one, and a JSON
/// body validates against the documented schema.
fn check(doc: &Value, exchange: &Exchange) -> Result<(), String> {
    let operation = &doc["paths"][exchange.template][exchange.method.to_ascii_lowercase()];
    let response = &operation["responses"][exchange.status.to_string()];
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(doc, reference),
        None => response,
    };
    if response.is_null() {
        return Err("status not documented".into());
    }
    if response["headers"].get("Retry-After").is_some() && !exchange.retry_after {
        return Err("documented Retry-After header missing".into());
    }
    let content = response["content"]
        .as_object()
        .ok_or("no content documented")?;
    let media = exchange
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let schema = &content
        .get(media)
        .ok_or(format!("content type {media:?} not documented"))?["schema"];
    if media != "application/json" {
        return Ok(());
    }
    let body: Value = serde_json::from_str(&exchange.body).map_err(|e| format!("not JSON: {e}"))?;
    let mut root = doc.clone();
    let root_object = root.as_object_mut().ok_or("document is not an object")?;
    for (key, value) in schema.as_object().ok_or("schema is not an object")? {
        root_object.insert(key.clone(), value.clone());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("invalid schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{errors:?} in {body}"))
    }
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').unwrap_or(reference);
    doc.pointer(pointer).unwrap_or(&Value::Null)
}
