//! The config file and the binary's settings: good files load, bad ones fail naming the key.

use std::{collections::HashMap, path::PathBuf, time::Duration};

use super::{ConfigError, FileConfig, Settings};

/// `Settings::load` with these arguments and variables only (never the process environment).
fn load(args: &[&str], vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::load(args.iter().map(|a| (*a).to_owned()), |name| {
        vars.get(name).cloned()
    })
}

/// Writes `text` to a fresh file and returns its path.
fn file(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sandbox-config-{}.toml", rand::random::<u64>()));
    std::fs::write(&path, text).expect("write the config");
    path
}

fn problems(result: Result<Settings, ConfigError>) -> Vec<String> {
    match result {
        Err(ConfigError::Invalid { problems, .. }) => problems,
        other => panic!("expected an invalid config, got {other:?}"),
    }
}

const TWO_MERCHANTS: &str = r#"
port = 0
[delivery]
backoff_scale = 0.01
timeout_ms = 250
[[merchants]]
name = "One"
public_key = "pk_one"
private_key = "sk_one"
ip_allow_list = ["127.0.0.1", "::1"]
product_points = { "Gift card" = 3 }
[[merchants.webhooks]]
url = "http://127.0.0.1:9/hook"
secret = "s3cret-one"
[[merchants]]
name = "Two"
public_key = "pk_two"
private_key = "sk_two"
multiplier = 5
verified = false
earning_enabled = false
"#;

#[test]
fn a_file_with_two_merchants_loads_every_key() {
    let path = file(TWO_MERCHANTS);
    let settings = load(&["--config", path.to_str().expect("utf-8")], &[]).expect("valid");
    assert_eq!(settings.listen, "127.0.0.1:0");
    assert_eq!(settings.webhook_backoff_scale, 0.01);
    assert_eq!(settings.webhook_timeout, Duration::from_millis(250));
    let [one, two] = settings.merchants.as_slice() else {
        panic!("two merchants: {:?}", settings.merchants);
    };
    assert_eq!(
        (one.name.as_str(), one.public_key.as_str()),
        ("One", "pk_one")
    );
    assert_eq!(one.private_key, "sk_one");
    assert_eq!(
        (one.multiplier, one.verified, one.earning_enabled),
        (10, true, true)
    );
    assert_eq!(
        one.ip_allow_list.as_deref(),
        Some(
            &[
                "127.0.0.1".parse::<std::net::IpAddr>().expect("ip"),
                "::1".parse().expect("ip")
            ][..]
        )
    );
    assert_eq!(one.product_points.get("Gift card"), Some(&3));
    assert_eq!(one.webhooks.len(), 1);
    assert_eq!(one.webhooks[0].url, "http://127.0.0.1:9/hook");
    assert_eq!(one.webhooks[0].secret, "s3cret-one");
    assert_eq!(
        (two.multiplier, two.verified, two.earning_enabled),
        (5, false, false)
    );
    assert_eq!(two.ip_allow_list, None);
    let bound = "127.0.0.1:4321".parse().expect("addr");
    assert_eq!(
        settings.sandbox_config(bound).public_url,
        "http://127.0.0.1:4321"
    );
}

#[test]
fn the_documented_example_file_is_valid() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sandbox.example.toml");
    let settings = load(&[&format!("--config={}", path.display())], &[]).expect("valid example");
    assert_eq!(settings.listen, "127.0.0.1:8090");
    assert_eq!(settings.merchants.len(), 2);
    assert_eq!(settings.merchants[0].public_key, "pk_sandbox_demo");
    // No secret in the file: one is generated, as Points makes them.
    assert_eq!(settings.merchants[0].webhooks[0].secret.len(), 60);
    assert!(!settings.merchants[1].earning_enabled);
}

#[test]
fn without_a_file_the_demo_merchant_is_served_and_variables_apply() {
    let settings = load(&[], &[]).expect("defaults");
    assert_eq!(settings.listen, "127.0.0.1:8090");
    assert_eq!(settings.merchants.len(), 1);
    assert_eq!(settings.merchants[0].public_key, "pk_sandbox_demo");
    assert_eq!(settings.webhook_timeout, Duration::from_secs(10));

    let settings = load(
        &[],
        &[
            ("POINTS_SANDBOX_ADDR", "0.0.0.0:9000"),
            ("POINTS_SANDBOX_PUBLIC_URL", "http://sandbox.test"),
            ("POINTS_SANDBOX_BACKOFF_SCALE", "0.5"),
            ("POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS", "1500"),
            ("POINTS_SANDBOX_WEBHOOK_URL", "http://127.0.0.1:3000/hook"),
            ("POINTS_SANDBOX_WEBHOOK_SECRET", "shared"),
        ],
    )
    .expect("variables");
    assert_eq!(settings.listen, "0.0.0.0:9000");
    assert_eq!(settings.public_url.as_deref(), Some("http://sandbox.test"));
    assert_eq!(settings.webhook_backoff_scale, 0.5);
    assert_eq!(settings.webhook_timeout, Duration::from_millis(1500));
    assert_eq!(settings.merchants[0].webhooks[0].secret, "shared");
}

#[test]
fn variables_override_the_file_and_name_the_file_through_the_environment() {
    let path = file(TWO_MERCHANTS);
    let settings = load(
        &[],
        &[
            ("POINTS_SANDBOX_CONFIG", path.to_str().expect("utf-8")),
            ("POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS", "900"),
            ("POINTS_SANDBOX_WEBHOOK_URL", "http://127.0.0.1:3000/all"),
        ],
    )
    .expect("valid");
    assert_eq!(settings.file.as_deref(), Some(path.as_path()));
    assert_eq!(settings.webhook_timeout, Duration::from_millis(900));
    assert!(settings.merchants.iter().all(|m| {
        m.webhooks
            .iter()
            .any(|w| w.url == "http://127.0.0.1:3000/all")
    }));
}

#[test]
fn an_unknown_key_or_wrong_type_names_the_key_and_its_line() {
    let err = FileConfig::parse("port = 1\n[[merchants]]\nname = \"x\"\npublic_key = \"p\"\nprivate_key = \"s\"\nverifed = true\n", "t.toml")
        .expect_err("typo");
    let text = err.to_string();
    assert!(
        text.contains("verifed") && text.contains("line 6"),
        "{text}"
    );

    let err = FileConfig::parse("port = \"eighty\"\n", "t.toml").expect_err("type");
    assert!(err.to_string().contains("line 1"), "{err}");

    let err = FileConfig::parse("[[merchants]]\nname = \"x\"\n", "t.toml").expect_err("missing");
    assert!(err.to_string().contains("public_key"), "{err}");
}

#[test]
fn syntax_errors_never_quote_the_line_they_are_on() {
    let err = FileConfig::parse(
        "[[merchants]]\nname = \"x\"\npublic_key = \"p\"\nprivate_key = \"sk_do_not_print\" oops\n",
        "t.toml",
    )
    .expect_err("syntax");
    let text = err.to_string();
    assert!(text.contains("line 4"), "{text}");
    assert!(!text.contains("sk_do_not_print"), "{text}");
}

#[test]
fn every_semantic_problem_is_reported_at_once_without_values() {
    let path = file(
        r#"
public_url = "ftp://files"
[delivery]
backoff_scale = -1.0
timeout_ms = 0
[[merchants]]
name = " "
public_key = "pk/one"
private_key = "sk one"
multiplier = 0
ip_allow_list = ["10.0.0", "10.0.0.1"]
[[merchants]]
name = "Two"
public_key = "pk_two"
private_key = "pk_two"
[[merchants.webhooks]]
url = "not a url"
[[merchants.webhooks]]
url = "http://127.0.0.1/h"
secret = "has space"
[[merchants.webhooks]]
url = "http://127.0.0.1/h"
"#,
    );
    // The IP is checked while parsing: it fails alone first.
    let err = load(&["--config", path.to_str().expect("utf-8")], &[]).expect_err("bad ip");
    assert!(
        err.to_string().contains("merchants[0].ip_allow_list[0]"),
        "{err}"
    );

    let fixed = std::fs::read_to_string(&path)
        .expect("read")
        .replace("\"10.0.0\", ", "");
    std::fs::write(&path, fixed).expect("write");
    let found = problems(load(&["--config", path.to_str().expect("utf-8")], &[]));
    for key in [
        "public_url",
        "delivery.backoff_scale",
        "delivery.timeout_ms",
        "merchants[0].name",
        "merchants[0].public_key",
        "merchants[0].private_key",
        "merchants[0].multiplier",
        "merchants[1].private_key: must differ from every public key",
        "merchants[1].webhooks[0].url",
        "merchants[1].webhooks[1].secret",
        "merchants[1].webhooks[2].url: this merchant already has a webhook",
    ] {
        assert!(
            found.iter().any(|p| p.starts_with(key)),
            "{key} missing from {found:#?}"
        );
    }
    assert!(
        !found
            .iter()
            .any(|p| p.contains("sk one") || p.contains("has space"))
    );
}

#[test]
fn keys_must_be_unique_across_merchants() {
    let path = file(
        "[[merchants]]\nname = \"A\"\npublic_key = \"pk\"\nprivate_key = \"sk\"\n\
         [[merchants]]\nname = \"B\"\npublic_key = \"pk\"\nprivate_key = \"sk\"\n",
    );
    let found = problems(load(&["--config", path.to_str().expect("utf-8")], &[]));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("merchants[1].public_key")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("merchants[1].private_key")),
        "{found:?}"
    );
}

#[test]
fn bad_arguments_variables_and_paths_are_refused() {
    assert!(matches!(
        load(&["--config"], &[]),
        Err(ConfigError::Usage(_))
    ));
    assert!(matches!(
        load(&["--port", "1"], &[]),
        Err(ConfigError::Usage(_))
    ));
    assert!(matches!(
        load(&["--config", "/nonexistent/sandbox.toml"], &[]),
        Err(ConfigError::Read { .. })
    ));
    let found = problems(load(
        &[],
        &[
            ("POINTS_SANDBOX_BACKOFF_SCALE", "fast"),
            ("POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS", "-5"),
            ("POINTS_SANDBOX_WEBHOOK_URL", "nowhere"),
        ],
    ));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("POINTS_SANDBOX_BACKOFF_SCALE"))
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("POINTS_SANDBOX_WEBHOOK_TIMEOUT_MS"))
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("merchants[0].webhooks[0].url"))
    );
}
