//! The device profiles, the browser session and the scenario runner every suite shares.
//!
//! A scenario is an `async fn(Session) -> Result<()>`; [`scenario!`] turns it into one
//! `#[tokio::test]` per profile, each with its own Chromium, its own stack and its own lines in
//! the HTML report (`artifacts/report.html`). Tests run in parallel: nothing is shared but the
//! report file, which [`crate::report`] writes under a lock.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use playwright_rs::api::LaunchOptions;
use playwright_rs::protocol::{BrowserContextOptions, Viewport};
use playwright_rs::{Browser, BrowserContext, Page, Playwright};

use crate::report;

/// Desktop 1280×800, or a 390×844 phone with `is_mobile` and touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Desktop,
    Mobile,
}

/// The storefront's two languages; Arabic (RTL) is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ar,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        self.pick("ar", "en")
    }

    /// Where this language's pages live on the storefront.
    pub fn prefix(self) -> &'static str {
        self.pick("", "/en")
    }

    pub fn pick<T>(self, ar: T, en: T) -> T {
        match self {
            Lang::Ar => ar,
            Lang::En => en,
        }
    }
}

/// A device in a language: what one test of a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub device: Device,
    pub lang: Lang,
}

impl Profile {
    pub fn desktop_ar() -> Self {
        Profile {
            device: Device::Desktop,
            lang: Lang::Ar,
        }
    }
    pub fn desktop_en() -> Self {
        Profile {
            device: Device::Desktop,
            lang: Lang::En,
        }
    }
    pub fn mobile_ar() -> Self {
        Profile {
            device: Device::Mobile,
            lang: Lang::Ar,
        }
    }
    pub fn mobile_en() -> Self {
        Profile {
            device: Device::Mobile,
            lang: Lang::En,
        }
    }

    pub fn name(self) -> String {
        format!("{}-{}", self.device_name(), self.lang.code())
    }

    pub fn device_name(self) -> &'static str {
        match self.device {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
        }
    }

    fn context_options(self) -> BrowserContextOptions {
        let builder = BrowserContextOptions::builder();
        match self.device {
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
                .device_scale_factor(2.0),
        }
        .locale(self.lang.pick("ar-SA", "en-US").to_owned())
        .build()
    }
}

/// Runs `body` on one profile: a fresh Chromium, a screenshot on failure, a report line.
pub async fn run<F, Fut>(scenario: &str, profile: Profile, body: F) -> Result<()>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let started = Instant::now();
    let session = match Session::start(profile, scenario).await {
        Ok(session) => session,
        Err(error) => {
            report::record(scenario, profile, &Err(&error), started.elapsed(), &[]);
            return Err(error);
        }
    };
    let result = body(session.clone()).await;
    if result.is_err() {
        // What the shopper saw when it went wrong; best effort, the error matters more.
        let _ = session.snap("failure").await;
    }
    let shots = session.shots();
    report::record(
        scenario,
        profile,
        &result.as_ref().map(|_| ()),
        started.elapsed(),
        &shots,
    );
    let _ = session.close().await;
    result
}

/// One test per profile for `async fn $name(Session) -> Result<()>`; by default the desktop in
/// Arabic and the phone in English, so every scenario covers both devices and both languages.
macro_rules! scenario {
    ($name:ident) => {
        scenario!($name, [desktop_ar, mobile_en]);
    };
    ($name:ident, [$($profile:ident),+ $(,)?]) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $profile() -> anyhow::Result<()> {
                    $crate::harness::run(
                        stringify!($name),
                        $crate::harness::Profile::$profile(),
                        super::$name,
                    )
                    .await
                }
            )+
        }
    };
}
pub(crate) use scenario;

/// A Chromium with one fresh context and page, for one profile. Cheap to clone (handles).
#[derive(Clone)]
pub struct Session {
    pub page: Page,
    pub profile: Profile,
    inner: Arc<Inner>,
}

struct Inner {
    _playwright: Playwright,
    browser: Browser,
    context: BrowserContext,
    scenario: String,
    shots: Mutex<Vec<String>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("scenario", &self.inner.scenario)
            .field("profile", &self.profile)
            .finish()
    }
}

impl Session {
    pub async fn start(profile: Profile, scenario: &str) -> Result<Session> {
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
            .new_context_with_options(profile.context_options())
            .await?;
        let page = context.new_page().await?;
        Ok(Session {
            page,
            profile,
            inner: Arc::new(Inner {
                _playwright: playwright,
                browser,
                context,
                scenario: scenario.to_owned(),
                shots: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn lang(&self) -> Lang {
        self.profile.lang
    }

    /// A screenshot of the page into the report's folder, named after the step.
    pub async fn snap(&self, step: &str) -> Result<()> {
        let relative = {
            let mut shots = self.inner.shots.lock().unwrap_or_else(|e| e.into_inner());
            let relative =
                report::shot_path(&self.inner.scenario, self.profile, shots.len() + 1, step);
            shots.push(relative.clone());
            relative
        };
        let file = report::artifacts_dir().join(&relative);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // A screenshot is evidence, not an assertion: Chromium refuses one now and then while a
        // page is between documents, so try again briefly, then go on without it.
        for attempt in 1..=3 {
            match self.page.screenshot_to_file(&file, None).await {
                Ok(_) => return Ok(()),
                Err(error) if attempt == 3 => {
                    eprintln!("screenshot {relative} skipped: {error}");
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(250)).await,
            }
        }
        Ok(())
    }

    fn shots(&self) -> Vec<String> {
        self.inner
            .shots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub async fn close(&self) -> Result<()> {
        self.inner.context.close().await?;
        self.inner.browser.close().await?;
        Ok(())
    }
}
