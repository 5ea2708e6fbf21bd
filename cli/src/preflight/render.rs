//! The report for people (grouped, aligned, coloured on a terminal) and for machines (JSON).

use std::fmt::Write as _;

use super::{Report, Status};

/// Grouped as the checklist is, one line per item with its evidence below; ANSI colours when
/// `colour` (a terminal without `NO_COLOR`).
pub fn human(report: &Report, colour: bool) -> String {
    let paint = |status: Status| {
        let (text, code) = match status {
            Status::Pass => ("PASS  ", "32"),
            Status::Fail => ("FAIL  ", "31;1"),
            Status::Manual => ("MANUAL", "33"),
        };
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let width = report.items.iter().map(|i| i.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut group = None;
    for item in &report.items {
        if group != Some(item.group) {
            group = Some(item.group);
            let _ = writeln!(out, "\n{}", item.group.title());
        }
        let _ = writeln!(
            out,
            "  {}  {:<width$}  {}",
            paint(item.status),
            item.id,
            item.title
        );
        let _ = writeln!(out, "  {:6}  {:<width$}  └ {}", "", "", item.evidence);
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} to check by hand",
        report.count(Status::Pass),
        report.count(Status::Fail),
        report.count(Status::Manual)
    );
    out
}

/// `{"passed": bool, "counts": {...}, "items": [...]}`.
pub fn json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "passed": report.passed(),
        "counts": {
            "pass": report.count(Status::Pass),
            "fail": report.count(Status::Fail),
            "manual": report.count(Status::Manual),
        },
        "items": report.items,
    })
}
