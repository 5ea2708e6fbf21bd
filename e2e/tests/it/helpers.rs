//! Stack set-up and the merchant server's and sandbox's views, shared by the suites.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use e2e::{Stack, StackOptions};
use serde_json::Value;

pub async fn start_stack(gate_webhooks: bool) -> Result<Stack> {
    let mut options = StackOptions::for_tests();
    options.gate_webhooks = gate_webhooks;
    Stack::start(options).await
}

/// Retries `check` until it returns `Ok(Some(_))`, for at most `limit`. No bare sleeps.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last_error = Some(error),
        }
        if started.elapsed() > limit {
            match last_error {
                Some(error) => bail!("{what}: not true after {limit:?}; last error: {error:#}"),
                None => bail!("{what}: not true after {limit:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The merchant server's view of an order, as the return page reads it.
pub async fn order_state(stack: &Stack, order_number: &str) -> Result<Value> {
    let url = format!("{}/api/orders/{order_number}", stack.storefront_url);
    let response = reqwest::get(&url).await?;
    anyhow::ensure!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    Ok(response.json().await?)
}

/// The query parameters of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// Starts a checkout through the merchant API, as the storefront's pay button does, and
/// returns our order number.
pub async fn create_order(stack: &Stack) -> Result<String> {
    Ok(create_checkout(stack).await?.0)
}

/// Like [`create_order`], with the hosted page's URL too.
pub async fn create_checkout(stack: &Stack) -> Result<(String, String)> {
    let created: Value = reqwest::Client::new()
        .post(format!("{}/api/checkout", stack.storefront_url))
        .json(&serde_json::json!({ "items": [{ "sku": "oud-50", "quantity": 1 }] }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let field = |name: &str| -> Result<String> {
        Ok(created[name]
            .as_str()
            .with_context(|| format!("{name} in the answer"))?
            .to_owned())
    };
    Ok((field("order_number")?, field("checkout_url")?))
}

/// Every order the sandbox (Points) holds, with its sessions (`GET /_sandbox/orders`).
pub async fn points_orders(stack: &Stack) -> Result<Vec<Value>> {
    let url = format!("{}/_sandbox/orders", stack.sandbox_url);
    Ok(reqwest::get(&url).await?.error_for_status()?.json().await?)
}

/// The one order Points holds; fails if there are none or several.
pub async fn the_points_order(stack: &Stack) -> Result<Value> {
    let mut orders = points_orders(stack).await?;
    anyhow::ensure!(orders.len() == 1, "Points holds {} orders", orders.len());
    Ok(orders.remove(0))
}

/// Ends a checkout session's 30 minutes now, through the sandbox's control API.
pub async fn expire_session(stack: &Stack, session_id: &str) -> Result<()> {
    reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/sessions/{session_id}/expire",
            stack.sandbox_url
        ))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// Makes the sandbox answer 500 to every `GET /v1/orders/{uuid}` for the rest of the test, so
/// only a webhook can confirm an order.
pub async fn fail_order_lookups(stack: &Stack) -> Result<()> {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", stack.sandbox_url))
        .json(&serde_json::json!({
            "route": "/api/v1/orders/{order_uuid}", "method": "GET",
            "fault": "status", "status": 500, "count": 100_000
        }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// Lets Points answer order lookups again (clears every sandbox API fault).
pub async fn restore_order_lookups(stack: &Stack) -> Result<()> {
    reqwest::Client::new()
        .delete(format!("{}/_sandbox/faults", stack.sandbox_url))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// Waits until the merchant server has stored a delivery for Points' order `uuid` and tried
/// to apply it, and failed: the verification against Points could not be made.
pub async fn delivery_waits_for_points(stack: &Stack, uuid: &str) -> Result<Value> {
    eventually(
        Duration::from_secs(20),
        "the stored delivery waits for Points",
        || async {
            let inbox = admin(
                stack,
                reqwest::Method::GET,
                &format!("/admin/selftest/inbox/{uuid}"),
                None,
            )
            .await?;
            let waiting = inbox["rows"].as_array().is_some_and(|rows| {
                rows.iter()
                    .any(|row| row["processed"] == false && row["last_error"].is_string())
            });
            Ok(waiting.then_some(inbox))
        },
    )
    .await
}

/// Waits until the merchant server says `state` for the order.
pub async fn server_reaches(stack: &Stack, order_number: &str, state: &str) -> Result<Value> {
    eventually(
        Duration::from_secs(20),
        &format!("the server says {state}"),
        || async {
            let order = order_state(stack, order_number).await?;
            Ok((order["state"] == state).then_some(order))
        },
    )
    .await
}

/// `method path` on the merchant server's admin API with the stack's token; the answer's JSON.
pub async fn admin(
    stack: &Stack,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value> {
    let url = format!("{}{path}", stack.storefront_url);
    let mut request = reqwest::Client::new()
        .request(method.clone(), &url)
        .bearer_auth(&stack.admin_token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).with_context(|| format!("{method} {path}: not JSON: {text}"))
}

/// The sandbox's log of webhook delivery attempts for one event, oldest first.
pub async fn deliveries_of(stack: &Stack, event: &str) -> Result<Vec<Value>> {
    let url = format!("{}/_sandbox/deliveries?event={event}", stack.sandbox_url);
    Ok(reqwest::get(&url).await?.error_for_status()?.json().await?)
}
