//! No layout shift (issue 6): every widget type, in Arabic and English, on desktop (1280×800)
//! and mobile (390×844, touch), loaded from its script tag on a page under the storefront's
//! strict CSP. A buffered `PerformanceObserver` for `layout-shift`, installed before any page
//! script, must have seen nothing by the time the widget says `points:ready`; each widget is
//! screenshotted into `artifacts/layout/`. The widget comes from the release (`cargo xtask
//! dist`): the manifest's versioned loader with its SRI hash, which pins its bundles in turn.

use anyhow::{Result, ensure};
use e2e::{Stack, StackOptions};

use crate::harness::{Profile, Session};
use crate::helpers::create_order;
use crate::layout_page::{LANGS, LayoutPage, OBSERVER, TYPES, release_dir, write_pages};
use crate::report::artifacts_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_desktop_no_widget_shifts_the_layout() -> Result<()> {
    no_widget_shifts_the_layout(Profile::desktop_ar()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_mobile_no_widget_shifts_the_layout() -> Result<()> {
    no_widget_shifts_the_layout(Profile::mobile_ar()).await
}

/// Each page sets its own `lang`: the profile gives the device (and the context's locale).
async fn no_widget_shifts_the_layout(profile: Profile) -> Result<()> {
    let device = profile.device_name();
    // Arrange: the stack serving our pages; an order for the return page to ask about.
    let www = std::env::temp_dir().join(format!(
        "points-kit-layout-{}-{}",
        device,
        std::process::id()
    ));
    write_pages(&www, &release_dir())?;
    let mut options = StackOptions::for_tests();
    // The merchant server prices from the storefront's catalogue.
    std::fs::copy(
        options.www_dir.join("catalog.json"),
        www.join("catalog.json"),
    )?;
    options.www_dir = www.clone();
    let stack = Stack::start(options).await?;
    let order = create_order(&stack).await?;
    let session = Session::start(profile, "layout").await?;
    session.page.add_init_script(OBSERVER).await?;
    let page = LayoutPage(&session.page);

    let mut failures = Vec::new();
    for kind in TYPES {
        for lang in LANGS {
            // Act
            let query = if kind == "return" {
                format!("?ref={order}")
            } else {
                String::new()
            };
            page.open(&stack.storefront_url, kind, lang, &query).await?;
            let seen = page.measure_when_ready().await?;
            let shot = artifacts_dir()
                .join("layout")
                .join(format!("{}-{kind}-{lang}.png", device));
            page.screenshot_widget(&shot).await?;
            println!(
                "{} {kind:<13} {lang}: CLS {:.4}, box {:.1}px, widget without reservation {:.1}px",
                device, seen.cls, seen.box_height, seen.natural_height
            );

            // Assert: rendered, and nothing moved.
            if seen.errors.as_array().is_some_and(|e| !e.is_empty()) {
                failures.push(format!("{kind} {lang}: errors {}", seen.errors));
            }
            // Only the bundle for the type came over the wire (versioned names, SRI-checked).
            let (wanted, unwanted) = if kind == "return" {
                ("points_return_bg-", "points_widget")
            } else {
                ("points_widget_bg-", "points_return")
            };
            if !seen.resources.iter().any(|r| r.starts_with(wanted))
                || seen.resources.iter().any(|r| r.starts_with(unwanted))
            {
                failures.push(format!("{kind} {lang}: downloaded {:?}", seen.resources));
            }
            if seen.cls != 0.0 {
                failures.push(format!(
                    "{kind} {lang}: CLS {} from {}",
                    seen.cls, seen.shifts
                ));
            }
            if seen.natural_height > seen.box_height + 0.5 {
                failures.push(format!(
                    "{kind} {lang}: the widget is {}px, taller than its {}px box",
                    seen.natural_height, seen.box_height
                ));
            }
        }
    }
    session.close().await?;
    drop(stack);
    let _ = std::fs::remove_dir_all(&www);
    ensure!(
        failures.is_empty(),
        "on {}:\n{}",
        device,
        failures.join("\n")
    );
    Ok(())
}
