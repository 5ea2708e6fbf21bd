//! `points smoke` against the in-process sandbox: every flow passes and is reconciled; with a
//! fault the server cannot get past (Points failing every checkout) it fails clearly, names
//! the flow, skips what depends on it, and still cleans up its webhook.

use points_cli::smoke::{self, Outcome};
use serde_json::json;

#[tokio::test]
async fn every_flow_passes_against_the_sandbox_and_cleans_up() {
    let (sandbox, task) = smoke::in_process_sandbox().await.expect("sandbox");
    let mut progress = Vec::new();
    let report = smoke::run(&sandbox, &mut progress)
        .await
        .expect("smoke runs");
    let table = report.table();
    assert!(report.passed(), "{table}");
    for flow in [
        "earning", "checkout", "webhook", "shipping", "refund", "cancel",
    ] {
        assert_eq!(
            report.flow(flow).map(|f| f.outcome),
            Some(Outcome::Pass),
            "{flow}\n{table}"
        );
    }
    assert!(
        report
            .flow("refund")
            .is_some_and(|f| f.detail.contains("fully_refunded"))
    );
    let progress = String::from_utf8(progress).expect("utf-8");
    assert!(progress.contains("deleted webhook"), "{progress}");
    // Points holds no webhook of ours afterwards.
    let merchants = sandbox.control_get("/merchants").await.expect("merchants");
    assert_eq!(merchants[0]["webhooks"], json!([]), "{merchants}");
    task.abort();
}

#[tokio::test]
async fn a_fault_it_cannot_get_past_fails_the_flow_clearly() {
    let (sandbox, task) = smoke::in_process_sandbox().await.expect("sandbox");
    sandbox
        .control_post(
            "/faults",
            Some(&json!({
                "route": "/api/v1/orders/checkout/{public_key}", "method": "POST",
                "fault": "status", "status": 500, "count": 1000
            })),
        )
        .await
        .expect("fault injected");
    let report = smoke::run(&sandbox, &mut Vec::new())
        .await
        .expect("smoke runs");
    assert!(!report.passed());
    let checkout = report.flow("checkout").expect("checkout");
    assert_eq!(checkout.outcome, Outcome::Fail, "{}", report.table());
    assert!(checkout.detail.contains("502"), "{}", checkout.detail);
    for dependent in ["webhook", "shipping", "refund"] {
        assert_eq!(
            report.flow(dependent).map(|f| f.outcome),
            Some(Outcome::Skipped),
            "{dependent}"
        );
    }
    // What does not need a checkout still ran.
    assert_eq!(
        report.flow("earning").map(|f| f.outcome),
        Some(Outcome::Pass)
    );
    assert!(report.table().contains("FAIL"));
    task.abort();
}
