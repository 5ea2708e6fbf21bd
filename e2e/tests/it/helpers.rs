//! Browser and stack set-up shared by the suites.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use e2e::{Stack, StackOptions};
use playwright_rs::api::LaunchOptions;
use playwright_rs::protocol::{BrowserContextOptions, Viewport};
use playwright_rs::{Browser, BrowserContext, Page, Playwright};

/// The two device profiles every scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Desktop,
    Mobile,
}

impl Device {
    pub fn name(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
        }
    }

    fn context_options(self) -> BrowserContextOptions {
        let builder = BrowserContextOptions::builder();
        match self {
            Device::Desktop => builder.viewport(Viewport {
                width: 1280,
                height: 800,
            }),
            Device::Mobile => builder
                .viewport(Viewport {
                    width: 390,
                    height: 844,
                })
                .is_mobile(true)
                .has_touch(true)
                .device_scale_factor(3.0),
        }
        .locale("ar-SA".to_owned())
        .build()
    }
}

/// A Chromium with one fresh context; closed on [`Session::close`].
pub struct Session {
    _playwright: Playwright,
    browser: Browser,
    pub context: BrowserContext,
    pub page: Page,
    pub device: Device,
    scenario: String,
    step: u32,
}

impl Session {
    pub async fn start(device: Device, scenario: &str) -> Result<Session> {
        let playwright = Playwright::launch()
            .await
            .context("starting the Playwright driver")?;
        let executable =
            std::env::var("POINTS_KIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ];
        let browser = playwright
            .chromium()
            .launch_with_options(
                LaunchOptions::new()
                    .headless(true)
                    .executable_path(executable)
                    .args(args.iter().map(|a| (*a).to_owned()).collect()),
            )
            .await
            .context("launching Chromium")?;
        let context = browser
            .new_context_with_options(device.context_options())
            .await?;
        let page = context.new_page().await?;
        Ok(Session {
            _playwright: playwright,
            browser,
            context,
            page,
            device,
            scenario: scenario.to_owned(),
            step: 0,
        })
    }

    /// A screenshot of the current page into `artifacts/<scenario>/<device>-<n>-<step>.png`.
    pub async fn snap(&mut self, step: &str) -> Result<()> {
        self.step += 1;
        let dir = artifacts_dir().join(&self.scenario);
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!(
            "{}-{:02}-{step}.png",
            self.device.name(),
            self.step
        ));
        self.page.screenshot_to_file(&file, None).await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.context.close().await?;
        self.browser.close().await?;
        Ok(())
    }
}

pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("POINTS_KIT_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"))
}

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
pub async fn order_state(stack: &Stack, order_number: &str) -> Result<serde_json::Value> {
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
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/checkout", stack.storefront_url))
        .json(&serde_json::json!({ "items": [{ "sku": "oud-50", "quantity": 1 }] }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(created["order_number"]
        .as_str()
        .context("order_number in the answer")?
        .to_owned())
}
