#![cfg(not(target_arch = "wasm32"))]
//! `widget-loader.d.ts` describes the API `widget-loader.js` and the wasm really have: every
//! option the loader reads, every observed attribute, every error code, every event and handle
//! member. (No TypeScript compiler on these machines; this keeps the two from drifting.)

use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative))
        .expect("read the file")
}

/// The quoted words of the JS array literal after `marker`.
fn js_array(source: &str, marker: &str) -> Vec<String> {
    let start = source.find(marker).expect("the marker") + marker.len();
    let body = &source[start..start + source[start..].find(']').expect("the array's end")];
    body.split(',')
        .map(|w| w.trim().trim_matches('\'').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn every_option_the_loader_reads_is_declared() {
    let (loader, types) = (read("js/widget-loader.js"), read("js/widget-loader.d.ts"));
    let options = &types[types
        .find("interface PointsWidgetOptions")
        .expect("options")..];
    let options = &options[..options.find("\n}").expect("end")];
    let keys = js_array(&loader, "var KEYS = [");
    assert!(keys.len() >= 14, "{keys:?}");
    for key in keys.iter().chain(["container".to_owned()].iter()) {
        assert!(
            options.contains(&format!("  {key}?:")) || options.contains(&format!("  {key}:")),
            "PointsWidgetOptions lacks `{key}`"
        );
    }
    for attribute in js_array(&loader, "observedAttributes() { return [") {
        assert!(
            keys.contains(&attribute),
            "observed `{attribute}` is not an option"
        );
    }
}

#[test]
fn every_error_code_and_event_is_declared() {
    let types = read("js/widget-loader.d.ts");
    let sources = ["src/error.rs", "js/widget-loader.js"].map(read).concat();
    let mut codes: Vec<&str> = sources
        .match_indices("POINTS_E_")
        .map(|(i, _)| {
            let rest = &sources[i..];
            &rest[..rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len())]
        })
        .filter(|c| c.len() > "POINTS_E_".len())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() >= 9, "{codes:?}");
    for code in codes {
        assert!(
            types.contains(&format!("'{code}'")),
            "PointsErrorCode lacks {code}"
        );
    }
    let widget = [
        "src/card.rs",
        "src/alert.rs",
        "src/installments.rs",
        "src/widget.rs",
        "src/report.rs",
        "src/status.rs",
    ]
    .map(read)
    .concat();
    for event in [
        "points:ready",
        "points:updated",
        "points:error",
        "points:learn-more",
        "points:dismissed",
        "points:continue",
    ] {
        assert!(
            widget.contains(&format!("\"{event}\"")),
            "{event} is declared but never dispatched"
        );
        assert!(
            types.contains(&format!("'{event}'")),
            "{event} is not declared"
        );
    }
    for member in ["update(", "destroy(", "readonly mounted", "init("] {
        assert!(types.contains(member), "{member} is not declared");
    }
}
