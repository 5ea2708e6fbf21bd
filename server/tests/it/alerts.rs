//! `server/alerts/points.rules.yml`: always a structural check (YAML → groups → rules with
//! alert, expr, for, labels, annotations; the alerts API.md §8.3 asks for; every metric an
//! expression names is one a real `/metrics` scrape declares; every runbook link lands on a
//! heading of `docs/runbook.md`), and, where `promtool` is installed (Debian's `prometheus`
//! package; in CI it must be), `promtool check rules` and the unit tests in
//! `points.rules.test.yml`, among them that preflight's marked probe fires no alert.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use server::inbox::delivery::probe;

use crate::stack::{StackOptions, spawn_stack};

/// The alerts the go-live checklist asks for, each with what its expression must mention.
const REQUIRED: [(&str, &str); 5] = [
    ("PointsApiNon2xx", "status!=\"2xx\""),
    ("PointsApiClientErrorSpike", "400|403|422|429"),
    ("WebhookIntake5xx", "outcome=\"failed\""),
    ("WebhookSecretVerificationFailures", "reason=\"secret\""),
    ("WebhookInboxStale", "pointskit_inbox_oldest_age_seconds"),
];

fn alerts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("alerts")
}

#[tokio::test]
async fn the_alert_rules_are_well_formed_and_use_only_exported_metrics() {
    let text = std::fs::read_to_string(alerts_dir().join("points.rules.yml")).expect("rules file");
    let rules: Value = serde_norway::from_str(&text).expect("the rules file is YAML");
    let groups = rules["groups"].as_array().expect("groups");
    assert!(!groups.is_empty());
    let mut alerts = Vec::new();
    for group in groups {
        assert!(
            group["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{group}"
        );
        for rule in group["rules"].as_array().expect("rules") {
            let name = rule["alert"].as_str().expect("every rule is an alert");
            assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
            let expr = rule["expr"].as_str().expect("expr");
            assert!(!expr.trim().is_empty(), "{name}");
            let duration = rule["for"].as_str().expect("for");
            assert!(is_duration(duration), "{name}: for {duration:?}");
            let severity = rule["labels"]["severity"].as_str().unwrap_or_default();
            assert!(
                ["warning", "critical"].contains(&severity),
                "{name}: severity"
            );
            for key in ["summary", "description", "runbook"] {
                assert!(
                    rule["annotations"][key].is_string(),
                    "{name}: annotation {key}"
                );
            }
            alerts.push((
                name.to_owned(),
                expr.to_owned(),
                rule["annotations"]["runbook"].clone(),
            ));
        }
    }
    for (name, must_mention) in REQUIRED {
        let (_, expr, _) = alerts
            .iter()
            .find(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no {name} alert"));
        assert!(
            expr.contains(must_mention),
            "{name} should mention {must_mention}: {expr}"
        );
    }

    let stack = spawn_stack(StackOptions::default()).await;
    let scrape = stack.scrape().await;
    stack.stop().await;
    let exported: BTreeSet<&str> = scrape.types.keys().map(String::as_str).collect();
    for (name, expr, _) in &alerts {
        for metric in metric_names(expr) {
            let family = scrape.family_of(&metric);
            assert!(
                family.is_some(),
                "{name} uses {metric}, which /metrics does not export: {exported:?}"
            );
        }
    }

    let runbook =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/runbook.md"))
            .expect("docs/runbook.md");
    let anchors: BTreeSet<String> = runbook
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(anchor)
        .collect();
    for (name, _, link) in &alerts {
        let link = link.as_str().unwrap_or_default();
        let fragment = link
            .strip_prefix("docs/runbook.md#")
            .unwrap_or_else(|| panic!("{name}: {link}"));
        assert!(
            anchors.contains(fragment),
            "{name}: no heading for #{fragment} in {anchors:?}"
        );
    }
}

/// `points preflight`'s wrong-secret probe is refused like any other delivery but counted as
/// `reason="probe"`, which `WebhookSecretVerificationFailures` does not look at; a mark made
/// without the secret, for another presented secret or too long ago counts as a real failure.
#[tokio::test]
async fn a_marked_preflight_probe_counts_apart_and_a_forged_mark_counts_as_a_wrong_secret() {
    // Arrange
    let stack = spawn_stack(StackOptions::default()).await;
    let secret = protocol::WebhookSecret::new(stack.webhook_secret.clone());
    let impostor = protocol::WebhookSecret::new("whsec_not_the_servers_secret");
    let body = serde_json::to_vec(&serde_json::json!({"event": "approved"})).expect("json");
    let now = SystemTime::now();
    let wrong = Some("wrong-secret-of-the-probe");
    let post = |presented: Option<&'static str>, mark: String| {
        let mut request = stack
            .http
            .post(format!("{}/webhooks/points", stack.server))
            .header("content-type", "application/json")
            .header(probe::PROBE_HEADER, mark)
            .body(body.clone());
        if let Some(presented) = presented {
            request = request.header("x-webhook-secret", presented);
        }
        async move { request.send().await.expect("delivery").status() }
    };

    // Act: two genuine probes (wrong and missing secret), then four forgeries.
    let genuine = [
        post(wrong, probe::marker(&secret, now, wrong, &body)).await,
        post(None, probe::marker(&secret, now, None, &body)).await,
    ];
    let stale = now - Duration::from_secs(3600);
    let forged = [
        post(wrong, probe::marker(&impostor, now, wrong, &body)).await,
        post(
            Some("another-guess"),
            probe::marker(&secret, now, wrong, &body),
        )
        .await,
        post(wrong, probe::marker(&secret, stale, wrong, &body)).await,
        post(wrong, "t=1,v1=00".to_owned()).await,
    ];
    let scrape = stack.scrape().await;
    let stored = stack.count("webhook_inbox").await;
    stack.stop().await;

    // Assert: all refused and nothing stored; the probes apart, the forgeries as wrong secrets.
    for status in genuine.iter().chain(&forged) {
        assert_eq!(status.as_u16(), 401);
    }
    assert_eq!(stored, 0);
    let rejected = |reason: &str| {
        scrape.value(
            "pointskit_webhook_deliveries_total",
            &[("outcome", "rejected"), ("reason", reason)],
        )
    };
    assert_eq!(rejected("probe"), 2.0);
    assert_eq!(rejected("secret"), 4.0);
}

#[test]
fn promtool_accepts_the_rules_and_their_unit_tests_pass() {
    let dir = alerts_dir();
    let Ok(version) = std::process::Command::new("promtool")
        .arg("--version")
        .output()
    else {
        // The probe and the alerts are only proven by promtool: CI may not pass without it.
        assert!(
            !in_ci(),
            "CI is set, so promtool must run the alert-rule unit tests (apt-get install prometheus)"
        );
        println!("promtool not installed (apt-get install prometheus): structural check only");
        return;
    };
    assert!(version.status.success());
    for args in [
        ["check", "rules", "points.rules.yml"],
        ["test", "rules", "points.rules.test.yml"],
    ] {
        let output = std::process::Command::new("promtool")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run promtool");
        assert!(
            output.status.success(),
            "promtool {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Whether `CI` is set (to anything but empty, `0` or `false`), as CI services do.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// `0m`, `5m`, `1h30m`: Prometheus durations.
fn is_duration(text: &str) -> bool {
    let mut digits = false;
    let mut units = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits = true;
        } else if "smhdwy".contains(c) && digits {
            units = true;
            digits = false;
        } else {
            return false;
        }
    }
    units && !digits
}

/// Every `pointskit_…` identifier in a PromQL expression.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = expr;
    while let Some(start) = rest.find("pointskit_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}
