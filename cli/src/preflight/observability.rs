//! Logging and observability: redaction on (in the configuration and in the running process,
//! by a probe line read back masked), the alert rules the checklist asks for, the runbook.

use url::Url;

use super::{Group, Inputs, Items, fail, pass};

/// The alerts the checklist names, by the rule names in `server/alerts/points.rules.yml`.
pub const REQUIRED_ALERTS: [(&str, &str); 4] = [
    ("PointsApiNon2xx", "non-2xx from Points"),
    ("PointsApiClientErrorSpike", "spikes of 400/403/422/429"),
    ("WebhookIntake5xx", "webhook 5xx"),
    (
        "WebhookSecretVerificationFailures",
        "secret-verification failures",
    ),
];

pub(super) async fn check(inputs: &Inputs, config: Option<&server::Config>, items: &mut Items) {
    items.push(
        Group::Observability,
        "observability.redaction",
        "Logs redact x-api-key, X-Webhook-Secret and PII",
        redaction(inputs, config).await,
    );
    items.push(
        Group::Observability,
        "observability.reconciliation",
        "Nightly reconciliation via GET /v1/orders/{uuid}",
        reconciliation(inputs, config).await,
    );
    items.push(
        Group::Observability,
        "observability.alerts",
        "Alerts on non-2xx from Points, webhook 5xx, verification failures, 4xx spikes",
        alerts(inputs),
    );
    items.push(
        Group::Observability,
        "observability.runbook",
        "Key-rotation runbook and rollback plan (webhook disablement)",
        runbook(inputs),
    );
}

async fn redaction(inputs: &Inputs, config: Option<&server::Config>) -> (super::Status, String) {
    let Some(config) = config else {
        return fail("no configuration loaded");
    };
    if !config.ops.log_redaction {
        return fail(
            "log_redaction = false (POINTS_LOG_REDACTION): logs would carry keys and phones",
        );
    }
    // The configuration's own pipeline, in this process.
    let local = server::telemetry::probe_redaction(config);
    if !local.ok {
        return fail(format!(
            "the configured log pipeline leaked: {}",
            local.leaked.join(", ")
        ));
    }
    // And the running server's.
    let Some(server) = inputs
        .server
        .clone()
        .or_else(|| Url::parse(&config.public_url).ok())
    else {
        return fail("no server URL: give --server");
    };
    let http = match super::webhooks::client(inputs) {
        Ok(http) => http,
        Err(e) => return fail(e),
    };
    match super::webhooks::admin_get(&http, &server, config, "/admin/selftest").await {
        Err(e) => fail(e),
        Ok(report) => {
            let probe = &report["redaction"];
            if probe["enabled"] != true {
                return fail("the running server has log redaction off");
            }
            if probe["ok"] != true {
                return fail(format!(
                    "the running server's probe line leaked: {}",
                    probe["leaked"]
                ));
            }
            pass(format!(
                "probe line with the keys and a phone read back masked, here and on the running server: {}",
                probe["line"].as_str().unwrap_or_default()
            ))
        }
    }
}

/// Scheduled at least daily in the configuration; the running server's last run as evidence.
async fn reconciliation(
    inputs: &Inputs,
    config: Option<&server::Config>,
) -> (super::Status, String) {
    let Some(config) = config else {
        return fail("no configuration loaded");
    };
    let schedule = &config.reconcile;
    if !schedule.enabled {
        return fail(
            "reconcile_enabled = false (POINTS_RECONCILE_ENABLED): nothing reconciles on a schedule",
        );
    }
    let day = std::time::Duration::from_secs(24 * 60 * 60);
    if schedule.interval > day {
        return fail(format!(
            "reconciliation runs every {:?}: the checklist asks for nightly",
            schedule.interval
        ));
    }
    let mut evidence = format!(
        "every {} h, unsettled orders and those changed within {} d",
        schedule.interval.as_secs() / 3600,
        schedule.recent_window.as_secs() / 86_400
    );
    if let (Some(server), Ok(http)) = (
        inputs
            .server
            .clone()
            .or_else(|| Url::parse(&config.public_url).ok()),
        super::webhooks::client(inputs),
    ) {
        match super::webhooks::admin_get(&http, &server, config, "/admin/reconcile/runs/latest")
            .await
        {
            Ok(run) => {
                let when = run["finished_at"]
                    .as_str()
                    .or_else(|| run["started_at"].as_str())
                    .unwrap_or("?");
                evidence.push_str(&format!("; the running server's last run: {when}"));
            }
            Err(e) => evidence.push_str(&format!("; no run to show yet ({e})")),
        }
    }
    pass(evidence)
}

fn alerts(inputs: &Inputs) -> (super::Status, String) {
    let path = &inputs.alert_rules;
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return fail(format!("{}: {e}", path.display())),
    };
    let doc: serde_norway::Value = match serde_norway::from_str(&text) {
        Ok(doc) => doc,
        Err(e) => return fail(format!("{} is not YAML: {e}", path.display())),
    };
    let mut names = Vec::new();
    if let Some(groups) = doc.get("groups").and_then(|g| g.as_sequence()) {
        for group in groups {
            for rule in group
                .get("rules")
                .and_then(|r| r.as_sequence())
                .into_iter()
                .flatten()
            {
                if let Some(name) = rule.get("alert").and_then(|a| a.as_str()) {
                    let has_expr = rule
                        .get("expr")
                        .is_some_and(|e| e.as_str().is_some_and(|e| !e.trim().is_empty()));
                    if has_expr {
                        names.push(name.to_owned());
                    }
                }
            }
        }
    }
    let missing: Vec<String> = REQUIRED_ALERTS
        .iter()
        .filter(|(name, _)| !names.iter().any(|n| n == name))
        .map(|(name, what)| format!("{name} ({what})"))
        .collect();
    if missing.is_empty() {
        pass(format!(
            "{}: {} alerts, including {}",
            path.display(),
            names.len(),
            REQUIRED_ALERTS.map(|(n, _)| n).join(", ")
        ))
    } else {
        fail(format!("{} lacks {}", path.display(), missing.join(", ")))
    }
}

fn runbook(inputs: &Inputs) -> (super::Status, String) {
    let path = &inputs.runbook;
    match std::fs::read_to_string(path) {
        Err(e) => fail(format!("{}: {e}", path.display())),
        Ok(text) => {
            let lower = text.to_ascii_lowercase();
            let missing: Vec<&str> = ["rotation", "disabl", "rollback"]
                .into_iter()
                .filter(|word| !lower.contains(word))
                .collect();
            if missing.is_empty() {
                pass(format!(
                    "{} covers key rotation, webhook disablement and rollback",
                    path.display()
                ))
            } else {
                fail(format!(
                    "{} does not mention {}",
                    path.display(),
                    missing.join(", ")
                ))
            }
        }
    }
}
