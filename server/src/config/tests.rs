//! The configuration loader: layers, secrets from files, production refusals, retention.

use std::collections::HashMap;

use super::*;

fn env_with(catalog: &std::path::Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = [
        ("POINTS_BASE_URL", "http://127.0.0.1:9/api"),
        ("POINTS_PUBLIC_KEY", "pk_test"),
        ("POINTS_PRIVATE_KEY", "sk_test_0123456789"),
        ("POINTS_WEBHOOK_SECRET", "whsec_0123456789"),
        ("POINTS_PUBLIC_URL", "https://shop.example"),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    env.insert("POINTS_CATALOG".into(), catalog.display().to_string());
    env
}

fn catalog_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("pk-catalog-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        r#"{"products":[{"sku":"a","name":{"ar":"أ","en":"A"},"price":"1"}]}"#,
    )
    .expect("write catalog");
    path
}

#[test]
fn reads_the_environment_with_defaults() {
    let path = catalog_file();
    let env = env_with(&path, &[]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid config");
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(config.return_path, "/return.html");
    let number = OrderNumber::parse("PK-1").expect("valid");
    assert_eq!(
        config.callback_url(&number).expect("url").as_str(),
        "https://shop.example/return.html?ref=PK-1"
    );
    assert!(!format!("{config:?}").contains("sk_test"));
    let _ = std::fs::remove_file(path);
}

#[test]
fn debug_hides_a_database_password() {
    let path = catalog_file();
    let env = env_with(
        &path,
        &[("DATABASE_URL", "postgres://app:hunter2@db:5432/shop")],
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid config");
    let debug = format!("{config:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("postgres://app:"), "{debug}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn rejects_missing_and_ambiguous_secrets() {
    let path = catalog_file();
    let mut env = env_with(&path, &[("POINTS_PRIVATE_KEY_FILE", "/nonexistent")]);
    assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
    env.remove("POINTS_PRIVATE_KEY");
    env.remove("POINTS_PRIVATE_KEY_FILE");
    assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
    let _ = std::fs::remove_file(path);
}

#[test]
fn reads_a_previous_webhook_secret_from_a_file() {
    let path = catalog_file();
    let secret_file = path.with_extension("secret");
    std::fs::write(&secret_file, "old-secret\n").expect("write secret");
    let file = secret_file.display().to_string();
    let env = env_with(&path, &[("POINTS_WEBHOOK_SECRET_PREVIOUS_FILE", &file)]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid config");
    let secrets: Vec<_> = config
        .webhook_secrets()
        .iter()
        .map(|s| s.expose())
        .collect();
    assert_eq!(secrets, ["whsec_0123456789", "old-secret"]);
    let _ = std::fs::remove_file(secret_file);
    let _ = std::fs::remove_file(path);
}

#[test]
fn production_mode_names_what_it_refuses() {
    let path = catalog_file();
    let check = |extra: &[(&str, &str)], expect: Option<&str>| {
        let mut all = vec![("POINTS_MODE", "production")];
        all.extend_from_slice(extra);
        let env = env_with(&path, &all);
        let result = Config::from_lookup(|k| env.get(k).cloned());
        match (result, expect) {
            (Ok(_), None) => {}
            (Err(e), Some(text)) => {
                assert!(format!("{e:#}").contains(text), "{extra:?}: {e:#}");
            }
            (result, _) => panic!("{extra:?}: unexpected {:?}", result.map(|_| ())),
        }
    };
    let real = ("POINTS_BASE_URL", "https://business.papp.sa/api");
    check(&[real], None);
    check(
        &[("POINTS_BASE_URL", "https://sandbox.papp.sa/api/v1")],
        Some("sandbox"),
    );
    check(
        &[("POINTS_BASE_URL", "http://127.0.0.1:4000/api")],
        Some("local"),
    );
    check(
        &[("POINTS_BASE_URL", "https://localhost/api")],
        Some("local"),
    );
    // The same hosts written absolute, with a trailing dot.
    check(
        &[("POINTS_BASE_URL", "https://sandbox.papp.sa./api")],
        Some("sandbox"),
    );
    check(
        &[("POINTS_BASE_URL", "https://localhost./api")],
        Some("local"),
    );
    check(
        &[("POINTS_BASE_URL", "http://business.papp.sa/api")],
        Some("https://"),
    );
    check(
        &[real, ("POINTS_PUBLIC_URL", "http://shop.example")],
        Some("public URL"),
    );
    check(
        &[real, ("POINTS_PRIVATE_KEY", "")],
        Some("POINTS_PRIVATE_KEY"),
    );
    check(&[("POINTS_MODE", "staging")], Some("POINTS_MODE"));
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_environment_overrides_the_file_which_overrides_defaults() {
    let catalog = catalog_file();
    let dir = catalog.parent().expect("dir").to_path_buf();
    let config_path = dir.join(format!("pk-config-{}.toml", uuid::Uuid::new_v4()));
    let secret_name = format!("pk-secret-{}", uuid::Uuid::new_v4());
    std::fs::write(dir.join(&secret_name), "from-file-secret").expect("secret file");
    std::fs::write(
        &config_path,
        format!(
            r#"
            base_url = "http://127.0.0.1:9/api"
            public_key = "pk_file"
            private_key = "sk_file"
            webhook_secret_file = "{secret_name}"
            public_url = "https://file.example"
            return_path = "/from-file.html"
            catalog = "{}"
            "#,
            catalog.file_name().expect("name").to_string_lossy()
        ),
    )
    .expect("config file");
    let env: HashMap<String, String> = [
        ("POINTS_CONFIG", config_path.display().to_string()),
        ("POINTS_PUBLIC_URL", "https://env.example".to_owned()),
        (
            "POINTS_PRIVATE_KEY_FILE",
            dir.join(&secret_name).display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let lookup = layered(|k| env.get(k).cloned()).expect("layered");
    let config = Config::from_lookup(lookup).expect("valid config");
    assert_eq!(config.public_url, "https://env.example", "env beats file");
    assert_eq!(config.return_path, "/from-file.html", "file beats default");
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL, "default");
    assert_eq!(config.public_key, "pk_file");
    assert_eq!(
        config.webhook_secret.expose(),
        "from-file-secret",
        "relative _file"
    );
    // The env's POINTS_PRIVATE_KEY_FILE replaced the file's `private_key` without conflict.
    assert_eq!(config.private_key.expose(), "from-file-secret");
    for path in [config_path, dir.join(secret_name), catalog] {
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn unknown_file_keys_are_refused_and_the_default_file_is_valid() {
    let path = std::env::temp_dir().join(format!("pk-config-{}.toml", uuid::Uuid::new_v4()));
    let env = HashMap::from([("POINTS_CONFIG".to_owned(), path.display().to_string())]);
    // A typo'd key and a broken line, each holding a secret: named by key and line, the
    // value never printed.
    for (text, names) in [
        (
            "mode = \"development\"\nprivat_key = \"sk_live_do_not_print\"\n",
            "privat_key",
        ),
        (
            "mode = \"development\"\nprivate_key = \"sk_live_do_not_print\" oops\n",
            "line 2",
        ),
    ] {
        std::fs::write(&path, text).expect("write");
        let error = layered(|k| env.get(k).cloned()).err().expect("refused");
        let shown = format!("{error:#} {error:?}");
        assert!(shown.contains(names), "{shown}");
        assert!(shown.contains("line 2"), "{shown}");
        assert!(!shown.contains("sk_live_do_not_print"), "{shown}");
    }
    let _ = std::fs::remove_file(path);

    let default: FileConfig =
        toml::from_str(include_str!("../../config.default.toml")).expect("default file parses");
    assert_eq!(default.mode.as_deref(), Some("development"));
    assert_eq!(default.database_url.as_deref(), Some(DEFAULT_DATABASE_URL));
    assert_eq!(default.listen_addr.as_deref(), Some(DEFAULT_SERVER_ADDR));
    assert_eq!(default.return_path.as_deref(), Some(DEFAULT_RETURN_PATH));
    let keys = default
        .idempotency_key_retention
        .as_deref()
        .expect("documented");
    let rejected = default.rejected_retention.as_deref().expect("documented");
    let documented = |value: &Option<String>| {
        parse_duration(value.as_deref().expect("documented")).expect("valid")
    };
    assert_eq!(
        Retention {
            idempotency_keys: parse_duration(keys).expect("valid"),
            rejected_deliveries: parse_duration(rejected).expect("valid"),
            inbox: documented(&default.inbox_retention),
            transitions: documented(&default.transition_retention),
            earnings: documented(&default.earning_retention),
        },
        Retention::default()
    );
}

#[test]
fn retention_comes_from_the_environment_and_refuses_nonsense() {
    let path = catalog_file();
    let env = env_with(
        &path,
        &[
            ("POINTS_IDEMPOTENCY_KEY_RETENTION", "2h"),
            ("POINTS_REJECTED_RETENTION", "7d"),
            ("POINTS_INBOX_RETENTION", "60d"),
            ("POINTS_TRANSITION_RETENTION", "730d"),
            ("POINTS_EARNING_RETENTION", "45d"),
        ],
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid config");
    assert_eq!(config.retention.idempotency_keys.as_secs(), 7200);
    assert_eq!(config.retention.rejected_deliveries.as_secs(), 7 * 86_400);
    assert_eq!(config.retention.inbox.as_secs(), 60 * 86_400);
    assert_eq!(config.retention.transitions.as_secs(), 730 * 86_400);
    assert_eq!(config.retention.earnings.as_secs(), 45 * 86_400);
    for (name, bad) in [
        ("POINTS_REJECTED_RETENTION", "0s"),
        ("POINTS_REJECTED_RETENTION", "soon"),
        ("POINTS_REJECTED_RETENTION", "12"),
        ("POINTS_INBOX_RETENTION", "0s"),
        ("POINTS_TRANSITION_RETENTION", "forever"),
        ("POINTS_EARNING_RETENTION", "0d"),
    ] {
        let env = env_with(&path, &[(name, bad)]);
        let Err(error) = Config::from_lookup(|k| env.get(k).cloned()) else {
            panic!("{bad} was accepted");
        };
        assert!(
            format!("{error:#}").contains("RETENTION")
                || format!("{error:#}").contains("retention"),
            "{bad}: {error:#}"
        );
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn rejects_a_public_url_that_is_not_http() {
    let path = catalog_file();
    let env = env_with(&path, &[("POINTS_PUBLIC_URL", "javascript:alert(1)")]);
    assert!(Config::from_lookup(|k| env.get(k).cloned()).is_err());
    let _ = std::fs::remove_file(path);
}

#[test]
fn rejects_a_return_path_that_leads_to_another_host() {
    let path = catalog_file();
    for bad in [
        "//evil.example/return",
        "/\\evil.example",
        "/\t/evil.example",
        "//127.0.0.1:9/x",
    ] {
        let env = env_with(&path, &[("POINTS_RETURN_PATH", bad)]);
        let error = Config::from_lookup(|k| env.get(k).cloned()).expect_err(bad);
        assert!(
            format!("{error:#}").contains("another host"),
            "{bad:?}: {error:#}"
        );
    }
    let env = env_with(&path, &[("POINTS_RETURN_PATH", "/shop/return.html")]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("a plain path is fine");
    let probe = OrderNumber::parse("PK-000000-00000000").expect("number");
    let url = config.callback_url(&probe).expect("callback");
    assert!(
        url.as_str()
            .ends_with("/shop/return.html?ref=PK-000000-00000000"),
        "{url}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn production_points_means_production_mode() {
    let path = catalog_file();
    let load = |extra: &[(&str, &str)]| {
        let env = env_with(&path, extra);
        Config::from_lookup(|k| env.get(k).cloned())
    };
    // Unset: inferred from the URL, with every production check.
    let inferred = load(&[("POINTS_BASE_URL", "https://business.papp.sa/api")]).expect("valid");
    assert_eq!(inferred.mode, Mode::Production);
    let plain_http = load(&[
        ("POINTS_BASE_URL", "https://business.papp.sa/api"),
        ("POINTS_PUBLIC_URL", "http://shop.example"),
    ])
    .expect_err("production checks apply");
    assert!(
        format!("{plain_http:#}").contains("public URL"),
        "{plain_http:#}"
    );
    // Said development, with real Points: refused.
    let said = load(&[
        ("POINTS_BASE_URL", "https://business.papp.sa./api"),
        ("POINTS_MODE", "development"),
    ])
    .expect_err("development against production Points");
    assert!(
        format!("{said:#}").contains("POINTS_MODE=production"),
        "{said:#}"
    );
    // The sandbox stays development.
    let sandbox = load(&[("POINTS_BASE_URL", "https://sandbox.papp.sa/api")]).expect("valid");
    assert_eq!(sandbox.mode, Mode::Development);
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_secret_too_short_to_mask_in_logs_is_refused() {
    let path = catalog_file();
    for (name, value) in [
        ("POINTS_WEBHOOK_SECRET", "whsec"),
        ("POINTS_PRIVATE_KEY", "sk_1234"),
        ("POINTS_WEBHOOK_SECRET_PREVIOUS", "old"),
    ] {
        let env = env_with(&path, &[(name, value)]);
        let error = Config::from_lookup(|k| env.get(k).cloned())
            .expect_err("a short secret is refused")
            .to_string();
        assert!(error.contains("at least 8"), "{name}: {error}");
        assert!(!error.contains(value), "the value is not named: {error}");
    }
    let env = env_with(&path, &[("POINTS_WEBHOOK_SECRET", "whsec_12")]);
    assert!(
        Config::from_lookup(|k| env.get(k).cloned()).is_ok(),
        "8 characters pass"
    );
    let _ = std::fs::remove_file(path);
}

#[cfg(unix)]
#[test]
fn production_refuses_a_secret_file_every_user_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let path = catalog_file();
    let key_file = path.with_extension("key");
    std::fs::write(&key_file, "sk_live_0123456789\n").expect("write key");
    let file = key_file.display().to_string();
    let env = |mode: u32| {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let mut env = env_with(
            &path,
            &[
                ("POINTS_MODE", "production"),
                ("POINTS_BASE_URL", "https://business.papp.sa/api"),
                ("POINTS_PRIVATE_KEY_FILE", &file),
            ],
        );
        env.remove("POINTS_PRIVATE_KEY");
        env
    };
    let open = env(0o644);
    let error = Config::from_lookup(|k| open.get(k).cloned())
        .expect_err("a world-readable key file is refused")
        .to_string();
    assert!(
        error.contains("POINTS_PRIVATE_KEY_FILE") && error.contains("644"),
        "{error}"
    );
    assert!(!error.contains("sk_live"), "{error}");
    let closed = env(0o600);
    Config::from_lookup(|k| closed.get(k).cloned()).expect("an owner-only key file is fine");
    // Development reads it as it is.
    let mut dev = env(0o644);
    dev.insert("POINTS_MODE".into(), "development".into());
    dev.insert("POINTS_BASE_URL".into(), "http://127.0.0.1:9/api".into());
    Config::from_lookup(|k| dev.get(k).cloned()).expect("development does not check");
    let _ = std::fs::remove_file(key_file);
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_previous_secret_is_accepted_until_the_rotation_ends() {
    let path = catalog_file();
    let env = env_with(
        &path,
        &[
            ("POINTS_WEBHOOK_SECRET_PREVIOUS", "old-secret-0123"),
            (
                "POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL",
                "2026-12-31T00:00:00Z",
            ),
        ],
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid");
    let at = |text: &str| {
        let now = OffsetDateTime::parse(text, &Rfc3339).expect("time");
        config
            .webhook_secrets_at(now)
            .iter()
            .map(|s| s.expose().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at("2026-12-30T23:59:59Z"),
        ["whsec_0123456789", "old-secret-0123"]
    );
    assert_eq!(at("2026-12-31T00:00:00Z"), ["whsec_0123456789"]);
    assert_eq!(
        config.configured_webhook_secrets().len(),
        2,
        "logs still mask it"
    );

    let bad = env_with(
        &path,
        &[
            ("POINTS_WEBHOOK_SECRET_PREVIOUS", "old-secret-0123"),
            ("POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL", "next tuesday"),
        ],
    );
    let error = Config::from_lookup(|k| bad.get(k).cloned()).expect_err("not a time");
    assert!(format!("{error:#}").contains("RFC 3339"), "{error:#}");

    // Production wants the end of the rotation written down.
    let open_ended = env_with(
        &path,
        &[
            ("POINTS_MODE", "production"),
            ("POINTS_BASE_URL", "https://business.papp.sa/api"),
            ("POINTS_WEBHOOK_SECRET_PREVIOUS", "old-secret-0123"),
        ],
    );
    let error = Config::from_lookup(|k| open_ended.get(k).cloned()).expect_err("no end");
    assert!(
        format!("{error:#}").contains("POINTS_WEBHOOK_SECRET_PREVIOUS_UNTIL"),
        "{error:#}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_file_ends_a_rotation_with_a_toml_datetime_or_a_string() {
    let catalog = catalog_file();
    let dir = catalog.parent().expect("dir").to_path_buf();
    for until in ["2026-12-31T00:00:00Z", "\"2026-12-31T00:00:00Z\""] {
        let config_path = dir.join(format!("pk-config-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(
            &config_path,
            format!(
                "webhook_secret_previous = \"old-secret-0123\"\n\
                 webhook_secret_previous_until = {until}\n"
            ),
        )
        .expect("config file");
        let mut env = env_with(&catalog, &[]);
        env.insert("POINTS_CONFIG".into(), config_path.display().to_string());
        let lookup = layered(|k| env.get(k).cloned()).expect("layered");
        let config = Config::from_lookup(lookup).expect("valid config");
        assert_eq!(
            config.previous_webhook_secret_until,
            Some(OffsetDateTime::parse("2026-12-31T00:00:00Z", &Rfc3339).expect("time")),
            "{until}"
        );
        let _ = std::fs::remove_file(config_path);
    }
    let _ = std::fs::remove_file(catalog);
}
