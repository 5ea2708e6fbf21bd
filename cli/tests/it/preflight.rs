//! `points preflight` against a real merchant server served over real TLS on 127.0.0.1, a real
//! git repository and real storefront pages: a good production configuration passes every
//! item it can check, and each deliberately broken one fails the item it breaks, naming it.

use crate::support::{Fixture, Tls};
use points_cli::preflight::{self, Report, Status};

/// Every checkable item passes; what remains is MANUAL, never FAIL.
#[tokio::test]
async fn a_good_production_configuration_passes_everything_checkable() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    let report = preflight::run(&fixture.inputs()).await;
    let failed: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Fail)
        .map(|i| format!("{}: {}", i.id, i.evidence))
        .collect();
    assert!(failed.is_empty(), "failed:\n{}", failed.join("\n"));
    for id in [
        "credentials.config-loads",
        "credentials.private-key-source",
        "credentials.private-key-not-in-git",
        "credentials.no-tracked-env",
        "credentials.production-checkout",
        "credentials.no-sandbox",
        "webhooks.https",
        "webhooks.certificate",
        "webhooks.secret",
        "webhooks.idempotency",
        "webhooks.callback-page",
        "widgets.loader-origin",
        "observability.redaction",
        "observability.reconciliation",
        "observability.alerts",
        "observability.runbook",
    ] {
        assert_eq!(status(&report, id), Status::Pass, "{id}");
    }
    assert!(report.count(Status::Manual) > 0);
    // The evidence shows the checks happened, and no secret is in it.
    let text = preflight::human(&report, false);
    assert!(text.contains("one inbox row"), "{text}");
    assert!(text.contains("certificate chain valid"), "{text}");
    for secret in fixture.secrets() {
        assert!(!text.contains(&secret), "the report shows a secret");
        assert!(!preflight::json(&report).to_string().contains(&secret));
    }
    fixture.stop().await;
}

#[tokio::test]
async fn a_key_in_a_tracked_file_and_a_tracked_env_file_fail() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    fixture.commit(
        "deploy/prod.toml",
        &format!("private_key = \"{}\"\n", fixture.private_key),
    );
    fixture.commit(".env", "POINTS_MODE=production\n");
    let report = preflight::run(&fixture.inputs()).await;
    let leak = fails(&report, "credentials.private-key-not-in-git");
    assert!(
        leak.contains("the private key appears in tracked file deploy/prod.toml"),
        "{leak}"
    );
    assert!(
        !leak.contains(&fixture.private_key),
        "the evidence names the file, not the key"
    );
    assert!(fails(&report, "credentials.no-tracked-env").contains(".env"));
    assert_eq!(status(&report, "webhooks.certificate"), Status::Pass);
    fixture.stop().await;
}

#[tokio::test]
async fn a_private_key_written_in_the_config_file_fails_its_source() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    let mut inputs = fixture.inputs();
    let file = fixture.outside.join("points.toml");
    std::fs::write(
        &file,
        format!("private_key = \"{}\"\n", fixture.private_key),
    )
    .expect("file");
    inputs.env.remove("POINTS_PRIVATE_KEY_FILE");
    inputs
        .env
        .insert("POINTS_CONFIG".into(), file.display().to_string());
    let report = preflight::run(&inputs).await;
    assert!(fails(&report, "credentials.private-key-source").contains("config file"));
    assert_eq!(status(&report, "credentials.config-loads"), Status::Pass);
    fixture.stop().await;
}

#[tokio::test]
async fn a_sandbox_base_url_and_sandbox_keys_in_production_fail() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    let mut inputs = fixture.inputs();
    inputs.env.insert(
        "POINTS_BASE_URL".into(),
        "https://sandbox.papp.sa/api".into(),
    );
    inputs
        .env
        .insert("POINTS_PUBLIC_KEY".into(), "pk_sandbox_demo".into());
    let report = preflight::run(&inputs).await;
    let sandbox = fails(&report, "credentials.no-sandbox");
    assert!(sandbox.contains("sandbox.papp.sa"), "{sandbox}");
    assert!(sandbox.contains("public key"), "{sandbox}");
    assert!(fails(&report, "credentials.production-checkout").contains("sandbox.papp.sa"));
    assert!(fails(&report, "credentials.config-loads").contains("sandbox"));
    // The rest is still checked, not skipped.
    assert_eq!(status(&report, "webhooks.idempotency"), Status::Pass);
    fixture.stop().await;
}

#[tokio::test]
async fn a_plain_http_webhook_url_fails() {
    let fixture = Fixture::start(Tls::None).await;
    let report = preflight::run(&fixture.inputs()).await;
    assert!(fails(&report, "webhooks.https").contains("not HTTPS"));
    assert_eq!(status(&report, "webhooks.certificate"), Status::Fail);
    // The server itself answers: the self-tests still run over plain HTTP.
    assert_eq!(status(&report, "webhooks.secret"), Status::Pass);
    fixture.stop().await;
}

#[tokio::test]
async fn a_self_signed_certificate_fails_the_handshake() {
    let fixture = Fixture::start(Tls::SelfSigned).await;
    let report = preflight::run(&fixture.inputs()).await;
    assert_eq!(status(&report, "webhooks.https"), Status::Pass);
    let certificate = fails(&report, "webhooks.certificate");
    assert!(certificate.contains("handshake failed"), "{certificate}");
    fixture.stop().await;
}

#[tokio::test]
async fn redaction_turned_off_fails() {
    let fixture = Fixture::start_with(Tls::TrustedCa, |config| {
        config.ops.log_redaction = false;
    })
    .await;
    let mut inputs = fixture.inputs();
    inputs
        .env
        .insert("POINTS_LOG_REDACTION".into(), "false".into());
    let report = preflight::run(&inputs).await;
    assert!(fails(&report, "observability.redaction").contains("log_redaction = false"));
    // Production refuses it at start-up too.
    assert!(fails(&report, "credentials.config-loads").contains("log_redaction"));
    fixture.stop().await;

    // A running server without redaction is caught even when the file says it is on.
    let fixture = Fixture::start_with(Tls::TrustedCa, |config| {
        config.ops.log_redaction = false;
    })
    .await;
    let report = preflight::run(&fixture.inputs()).await;
    assert!(fails(&report, "observability.redaction").contains("running server"));
    fixture.stop().await;
}

#[tokio::test]
async fn reconciliation_switched_off_or_weekly_fails() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    for (name, value, expect) in [
        ("POINTS_RECONCILE_ENABLED", "false", "nothing reconciles"),
        ("POINTS_RECONCILE_INTERVAL", "7d", "nightly"),
    ] {
        let mut inputs = fixture.inputs();
        inputs.env.insert(name.into(), value.into());
        let report = preflight::run(&inputs).await;
        let evidence = fails(&report, "observability.reconciliation");
        assert!(evidence.contains(expect), "{name}: {evidence}");
    }
    fixture.stop().await;
}

#[tokio::test]
async fn a_sandbox_loader_or_one_without_integrity_fails() {
    let fixture = Fixture::start(Tls::TrustedCa).await;
    let mut inputs = fixture.inputs();
    inputs.pages = vec![fixture.page("sandbox.html"), fixture.page("no-sri.html")];
    let report = preflight::run(&inputs).await;
    let origin = fails(&report, "widgets.loader-origin");
    assert!(origin.contains("ships a sandbox loader"), "{origin}");
    assert!(origin.contains("no integrity attribute"), "{origin}");
    fixture.stop().await;
}

#[tokio::test]
async fn the_binary_exits_non_zero_on_a_fail_and_prints_json() {
    // No configuration at all: everything that needs one fails, and says why.
    let report = preflight::run(&preflight::Inputs {
        env: Default::default(),
        ..preflight::Inputs::for_repo(std::env::temp_dir())
    })
    .await;
    assert!(!report.passed());
    assert!(fails(&report, "credentials.config-loads").contains("POINTS_CATALOG"));
    let json = preflight::json(&report);
    assert_eq!(json["passed"], false);
    assert!(json["counts"]["fail"].as_u64() > Some(0));
    assert!(json["items"].as_array().is_some_and(|i| !i.is_empty()));
}

fn status(report: &Report, id: &str) -> Status {
    report
        .item(id)
        .unwrap_or_else(|| panic!("no item {id}"))
        .status
}

/// The evidence of a FAIL item; panics if it did not fail.
fn fails(report: &Report, id: &str) -> String {
    let item = report.item(id).unwrap_or_else(|| panic!("no item {id}"));
    assert_eq!(item.status, Status::Fail, "{id}: {}", item.evidence);
    item.evidence.clone()
}
