//! Widgets Messaging: each storefront page's widget loader comes from the intended production
//! origin, with Subresource Integrity, and is not a sandbox build.

use std::collections::HashMap;

use url::Url;

use super::{Group, Inputs, Items, fail, manual, pass};

pub(super) async fn check(inputs: &Inputs, _config: Option<&server::Config>, items: &mut Items) {
    items.push(
        Group::Widgets,
        "widgets.loader-origin",
        "Widget loader points at the intended production origin, with SRI",
        loader_origin(inputs).await,
    );
    items.push(
        Group::Widgets,
        "widgets.placement",
        "Product and checkout widgets tested live; placement and copy reviewed on desktop and mobile",
        manual("review the live pages on a phone and a desktop (the e2e kit's screenshots help)"),
    );
}

async fn loader_origin(inputs: &Inputs) -> (super::Status, String) {
    if inputs.pages.is_empty() {
        return fail(
            "no storefront page given: pass --page URL for the product and checkout pages",
        );
    }
    let expected = match Url::parse(&inputs.widget_origin) {
        Ok(url) => url.origin(),
        Err(e) => return fail(format!("--widget-origin {}: {e}", inputs.widget_origin)),
    };
    let http = match super::webhooks::client(inputs) {
        Ok(http) => http,
        Err(e) => return fail(e),
    };
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for page in &inputs.pages {
        let html = match http.get(page.clone()).send().await {
            Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
            Ok(r) => {
                problems.push(format!("{page} → {}", r.status()));
                continue;
            }
            Err(e) => {
                problems.push(format!("{page}: {e}"));
                continue;
            }
        };
        let tags = loader_tags(&html);
        if tags.is_empty() {
            problems.push(format!("{page} loads no widget loader"));
        }
        if html.contains("name=\"points-env\"") && html.contains("content=\"sandbox\"") {
            problems.push(format!("{page} declares points-env sandbox"));
        }
        for tag in tags {
            let Some(src) = tag.get("src") else { continue };
            let Ok(resolved) = page.join(src) else {
                problems.push(format!("{page}: loader src {src:?} is not a URL"));
                continue;
            };
            let host = resolved.host_str().unwrap_or_default();
            if resolved.origin() != expected {
                let kind = if host.contains("sandbox") {
                    "a sandbox loader"
                } else if is_loopback(host) {
                    "a local loader"
                } else {
                    "a loader from an unexpected origin"
                };
                problems.push(format!(
                    "{page} ships {kind}: {resolved} (expected {})",
                    expected.ascii_serialization()
                ));
                continue;
            }
            if tag.get("data-env").is_some_and(|e| e == "sandbox") {
                problems.push(format!("{page}: the loader says data-env=\"sandbox\""));
            }
            match tag.get("integrity") {
                Some(sri) if sri.starts_with("sha384-") || sri.starts_with("sha512-") => {}
                Some(sri) => problems.push(format!(
                    "{page}: {resolved} has integrity {sri:?}, not sha384/sha512"
                )),
                None => problems.push(format!(
                    "{page}: {resolved} has no integrity attribute (Subresource Integrity)"
                )),
            }
            if !tag.contains_key("crossorigin") {
                problems.push(format!(
                    "{page}: {resolved} has integrity but no crossorigin attribute"
                ));
            }
            seen.push(format!("{page} → {resolved}"));
        }
    }
    if problems.is_empty() {
        pass(seen.join("; "))
    } else {
        fail(problems.join("; "))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "[::1]"
}

/// The attributes of every `<script>` whose `src` names a widget loader (`widget-loader.js`,
/// or a versioned `widget-loader-….js` from `cargo xtask dist`).
pub(super) fn loader_tags(html: &str) -> Vec<HashMap<String, String>> {
    script_tags(html)
        .into_iter()
        .filter(|attrs| {
            attrs.get("src").is_some_and(|src| {
                let path = src.split(['?', '#']).next().unwrap_or_default();
                let name = path.rsplit('/').next().unwrap_or_default();
                name.starts_with("widget-loader") && name.ends_with(".js")
            })
        })
        .collect()
}

/// The attributes of each `<script …>` start tag. Tolerant of quoting styles and case; enough
/// for script tags, not a general HTML parser.
fn script_tags(html: &str) -> Vec<HashMap<String, String>> {
    let lower = html.to_ascii_lowercase();
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let start = at + found + "<script".len();
        let Some(end) = lower[start..].find('>') else {
            break;
        };
        tags.push(attributes(&html[start..start + end]));
        at = start + end;
    }
    tags
}

fn attributes(text: &str) -> HashMap<String, String> {
    let mut attrs = HashMap::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == '/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_whitespace() && bytes[i] != '=' && bytes[i] != '/' {
            i += 1;
        }
        let name: String = bytes[name_start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == '=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == '"' || bytes[i] == '\'') {
                let quote = bytes[i];
                i += 1;
                let value_start = i;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                value = bytes[value_start..i].iter().collect();
                i += 1;
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_whitespace() {
                    i += 1;
                }
                value = bytes[value_start..i].iter().collect();
            }
        }
        if !name.is_empty() {
            attrs.entry(name).or_insert(value);
        }
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_tags_are_found_with_their_attributes() {
        let html = r#"<html><SCRIPT src="/js/app.js"></SCRIPT>
            <script defer src='https://business.papp.sa/widget-loader-0.1.0-abc.js'
              integrity="sha384-xyz" crossorigin=anonymous data-type="points-card"></script>
            <script>inline()</script>"#;
        let tags = loader_tags(html);
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0]["integrity"], "sha384-xyz");
        assert_eq!(tags[0]["crossorigin"], "anonymous");
        assert!(tags[0].contains_key("defer"));
        assert_eq!(tags[0]["data-type"], "points-card");
    }
}
