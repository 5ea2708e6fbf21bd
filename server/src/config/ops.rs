//! The operations part of the configuration: the admin API's bearer token and the webhook
//! intake switch (see `docs/runbook.md`).

use std::fmt;

use anyhow::{Context, ensure};
use subtle::ConstantTimeEq;

use super::optional_secret;

/// The shortest admin token accepted: a guessable token would make the admin API a liability.
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// The least strength an admin token must have, in bits (see [`token_strength_bits`]):
/// `openssl rand -hex 32` has 256, thirty-two `a`s have none.
pub const MIN_ADMIN_TOKEN_BITS: f64 = 128.0;

/// An upper estimate of a token's strength: its length times the bits of its alphabet as
/// used (log2 of the distinct characters it holds). A random token scores its real entropy;
/// a repeated or patterned one (`aaaa…`, `abab…`, `admin-admin-…`) scores far below it.
pub fn token_strength_bits(token: &str) -> f64 {
    let distinct = token
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct < 2 {
        return 0.0;
    }
    token.chars().count() as f64 * (distinct as f64).log2()
}

/// Settings for operating the server rather than for talking to Points.
#[derive(Debug, Clone)]
pub struct OpsConfig {
    /// The bearer token `/admin/…` requires. `None` (the default) turns the admin API off: its
    /// routes do not exist.
    pub admin_token: Option<AdminToken>,
    /// More admin tokens, each with the name the audit trail records
    /// (`POINTS_ADMIN_TOKENS_FILE`: one `name token` per line, `#` comments). The single
    /// `admin_token` is named `admin`.
    pub named_admin_tokens: Vec<(String, AdminToken)>,
    /// Whether `POST /webhooks/points` accepts deliveries at start-up. `false` answers them 503
    /// (Points retries later) until `POST /admin/webhooks/enable`.
    pub webhooks_enabled: bool,
    /// Whether log lines pass through the redacting writer (`POINTS_LOG_REDACTION`, default
    /// `true`). Off only for debugging on a developer's machine: production mode refuses it
    /// and `points preflight` fails it.
    pub log_redaction: bool,
    /// Whether the inbox worker has Points confirm, with the private key, every delivery that
    /// would make an order paid before applying it (`POINTS_VERIFY_WEBHOOKS`, default `true`;
    /// see `server/src/inbox/verify.rs`). Off, a leaked webhook secret is enough to mark an
    /// order paid.
    pub verify_webhooks: bool,
    /// Attempts after which a failing inbox row is held as a dead letter instead of retried
    /// (`POINTS_INBOX_MAX_ATTEMPTS`, default [`DEFAULT_INBOX_MAX_ATTEMPTS`]: with the worker's
    /// back-off, about an hour and a half of trying).
    pub inbox_max_attempts: u32,
    /// Where `/admin/…` is served (`POINTS_ADMIN_ADDR`, e.g. `127.0.0.1:9090`): its own
    /// listener, reachable only from where operators are; the public listener then has no admin
    /// routes at all. `None`: the admin routes share the public listener.
    pub admin_addr: Option<std::net::SocketAddr>,
}

/// The default `inbox_max_attempts`.
pub const DEFAULT_INBOX_MAX_ATTEMPTS: u32 = 25;

impl Default for OpsConfig {
    fn default() -> Self {
        OpsConfig {
            admin_token: None,
            named_admin_tokens: Vec::new(),
            webhooks_enabled: true,
            log_redaction: true,
            verify_webhooks: true,
            inbox_max_attempts: DEFAULT_INBOX_MAX_ATTEMPTS,
            admin_addr: None,
        }
    }
}

impl OpsConfig {
    /// Reads `POINTS_ADMIN_TOKEN` (or `POINTS_ADMIN_TOKEN_FILE`), `POINTS_WEBHOOKS_ENABLED`,
    /// `POINTS_LOG_REDACTION` and `POINTS_VERIFY_WEBHOOKS`.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let admin_token = optional_secret(get, "POINTS_ADMIN_TOKEN")?.map(AdminToken::new);
        let webhooks_enabled = match get("POINTS_WEBHOOKS_ENABLED") {
            None => true,
            Some(text) => parse_bool(&text).with_context(|| {
                format!("POINTS_WEBHOOKS_ENABLED {text:?} is neither true nor false")
            })?,
        };
        let log_redaction = match get("POINTS_LOG_REDACTION") {
            None => true,
            Some(text) => parse_bool(&text).with_context(|| {
                format!("POINTS_LOG_REDACTION {text:?} is neither true nor false")
            })?,
        };
        let verify_webhooks = match get("POINTS_VERIFY_WEBHOOKS") {
            None => true,
            Some(text) => parse_bool(&text).with_context(|| {
                format!("POINTS_VERIFY_WEBHOOKS {text:?} is neither true nor false")
            })?,
        };
        let inbox_max_attempts = match get("POINTS_INBOX_MAX_ATTEMPTS") {
            None => DEFAULT_INBOX_MAX_ATTEMPTS,
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .with_context(|| {
                    format!(
                        "POINTS_INBOX_MAX_ATTEMPTS {text:?} is not a whole number of at least 1"
                    )
                })?,
        };
        let named_admin_tokens = match get("POINTS_ADMIN_TOKENS_FILE") {
            None => Vec::new(),
            Some(path) => {
                let text = std::fs::read_to_string(path.trim())
                    .with_context(|| format!("reading POINTS_ADMIN_TOKENS_FILE ({path})"))?;
                parse_named_tokens(&text)
                    .with_context(|| format!("POINTS_ADMIN_TOKENS_FILE ({path})"))?
            }
        };
        let admin_addr = match get("POINTS_ADMIN_ADDR") {
            None => None,
            Some(text) => Some(text.trim().parse().with_context(|| {
                format!("POINTS_ADMIN_ADDR {text:?} is not an address (127.0.0.1:9090)")
            })?),
        };
        Ok(OpsConfig {
            admin_token,
            named_admin_tokens,
            webhooks_enabled,
            log_redaction,
            verify_webhooks,
            inbox_max_attempts,
            admin_addr,
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        for (name, token) in self.admin_tokens() {
            let which = if name == "admin" && self.admin_token.is_some() {
                "the admin token (POINTS_ADMIN_TOKEN)".to_owned()
            } else {
                format!("the admin token named {name:?}")
            };
            ensure!(
                token.0.chars().count() >= MIN_ADMIN_TOKEN_LEN,
                "{which} must be at least {MIN_ADMIN_TOKEN_LEN} characters; generate one with \
                 `openssl rand -hex 32`"
            );
            ensure!(
                token.0.bytes().all(|b| b.is_ascii_graphic()),
                "{which} must be printable ASCII without spaces"
            );
            ensure!(
                token_strength_bits(&token.0) >= MIN_ADMIN_TOKEN_BITS,
                "{which} is too predictable (a repeated or patterned value); generate one with \
                 `openssl rand -hex 32`"
            );
        }
        let tokens = self.admin_tokens();
        for (i, (name, token)) in tokens.iter().enumerate() {
            for (other, other_token) in &tokens[i + 1..] {
                ensure!(name != other, "two admin tokens are named {name:?}");
                ensure!(
                    token.0 != other_token.0,
                    "the admin tokens named {name:?} and {other:?} are the same token"
                );
            }
        }
        Ok(())
    }

    /// Every admin token with its name: `admin` for `POINTS_ADMIN_TOKEN`, then the file's.
    pub fn admin_tokens(&self) -> Vec<(&str, &AdminToken)> {
        self.admin_token
            .iter()
            .map(|t| ("admin", t))
            .chain(self.named_admin_tokens.iter().map(|(n, t)| (n.as_str(), t)))
            .collect()
    }

    /// The name of the admin token `presented` is, if any. Every token is compared, in
    /// constant time each, whichever matches, so the time says nothing about which.
    pub fn admin_token_name(&self, presented: &[u8]) -> Option<&str> {
        let mut found = None;
        for (name, token) in self.admin_tokens() {
            if token.verify(presented) && found.is_none() {
                found = Some(name);
            }
        }
        found
    }
}

/// `name token` lines (blank lines and `#` comments skipped); a name is 1 to 32 of
/// `a-z 0-9 _ -`. Errors name the line, never the token.
fn parse_named_tokens(text: &str) -> anyhow::Result<Vec<(String, AdminToken)>> {
    let mut tokens = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(name), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
            anyhow::bail!("line {}: expected `name token`", index + 1);
        };
        ensure!(
            (1..=32).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'-'),
            "line {}: a token name is 1 to 32 of a-z, 0-9, _ and -",
            index + 1
        );
        tokens.push((name.to_owned(), AdminToken::new(token)));
    }
    Ok(tokens)
}

/// The admin API's bearer token: `Debug`/`Display` print `[redacted]`, comparison is
/// constant-time.
#[derive(Clone)]
pub struct AdminToken(String);

impl AdminToken {
    pub fn new(token: impl Into<String>) -> Self {
        AdminToken(token.into())
    }

    /// Whether `presented` is this token. The length is compared first, which leaks only the
    /// length (public: at least [`MIN_ADMIN_TOKEN_LEN`]); the bytes are compared in constant time.
    pub fn verify(&self, presented: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        expected.len() == presented.len() && bool::from(expected.ct_eq(presented))
    }

    /// The token itself, for the log redactor only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> anyhow::Result<OpsConfig> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let ops = OpsConfig::from_lookup(&|k: &str| env.get(k).cloned())?;
        ops.validate()?;
        Ok(ops)
    }

    #[test]
    fn defaults_to_no_admin_api_and_open_intake() {
        let ops = load(&[]).expect("valid");
        assert!(ops.admin_token.is_none());
        assert!(ops.webhooks_enabled);
        assert!(
            ops.verify_webhooks,
            "payments are verified with Points unless turned off"
        );
    }

    #[test]
    fn verification_is_turned_off_only_by_a_clear_false() {
        let check = |value: &str, expect: Option<bool>| {
            let result = load(&[("POINTS_VERIFY_WEBHOOKS", value)]);
            assert_eq!(result.ok().map(|o| o.verify_webhooks), expect, "{value}");
        };
        check("false", Some(false));
        check("true", Some(true));
        check("", None);
        check("no thanks", None);
    }

    #[test]
    fn dead_letters_come_after_a_positive_number_of_attempts() {
        assert_eq!(
            load(&[]).expect("valid").inbox_max_attempts,
            DEFAULT_INBOX_MAX_ATTEMPTS
        );
        let read = |value: &str| load(&[("POINTS_INBOX_MAX_ATTEMPTS", value)]).ok();
        assert_eq!(read("3").map(|o| o.inbox_max_attempts), Some(3));
        for bad in ["0", "-1", "many", ""] {
            let error = load(&[("POINTS_INBOX_MAX_ATTEMPTS", bad)]).expect_err(bad);
            assert!(
                format!("{error:#}").contains("POINTS_INBOX_MAX_ATTEMPTS"),
                "{error:#}"
            );
        }
    }

    #[test]
    fn reads_the_switch_and_refuses_nonsense() {
        let check = |value: &str, expect: Option<bool>| {
            let result = load(&[("POINTS_WEBHOOKS_ENABLED", value)]);
            assert_eq!(result.ok().map(|o| o.webhooks_enabled), expect, "{value}");
        };
        check("false", Some(false));
        check("OFF", Some(false));
        check("true", Some(true));
        check("1", Some(true));
        check("maybe", None);
    }

    #[test]
    fn named_tokens_come_from_a_file_and_each_is_checked() {
        let dir = std::env::temp_dir().join(format!("pk-tokens-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("admin.tokens");
        let (noura, oncall) = (
            "3f9a1c0e7b2d4a6f8e1b0c3d5a7f9e2b4c6d8a0f1e3b5d7c9a2e4f6b8d0c1a3e",
            "9e2b4c6d8a0f1e3b5d7c9a2e4f6b8d0c1a3e3f9a1c0e7b2d4a6f8e1b0c3d5a7f",
        );
        let path = file.display().to_string();
        let with = |text: &str| {
            std::fs::write(&file, text).expect("write");
            load(&[("POINTS_ADMIN_TOKENS_FILE", &path)])
        };
        let ops = with(&format!("# support\nnoura {noura}\n\noncall {oncall}\n")).expect("valid");
        assert_eq!(ops.admin_token_name(noura.as_bytes()), Some("noura"));
        assert_eq!(ops.admin_token_name(oncall.as_bytes()), Some("oncall"));
        assert_eq!(ops.admin_token_name(&noura.as_bytes()[1..]), None);
        for (text, says) in [
            (
                format!("noura {noura}\nnoura {oncall}\n"),
                "two admin tokens are named",
            ),
            (format!("noura {noura}\nsami {noura}\n"), "the same token"),
            (format!("Noura! {noura}\n"), "line 1"),
            (format!("sami {}\n", "a".repeat(40)), "too predictable"),
            (format!("sami {noura} extra\n"), "line 1"),
        ] {
            let error = format!("{:#}", with(&text).expect_err(says));
            assert!(error.contains(says), "{text}: {error}");
            assert!(!error.contains(noura) && !error.contains("aaaa"), "{error}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_predictable_admin_token_is_refused_and_an_address_is_read() {
        for weak in ["a".repeat(32), "ab".repeat(32), "admin-".repeat(8)] {
            let error = load(&[("POINTS_ADMIN_TOKEN", &weak)]).expect_err("predictable");
            assert!(
                format!("{error:#}").contains("too predictable"),
                "{error:#}"
            );
            assert!(
                !format!("{error:#}").contains(&weak),
                "the token is not named"
            );
        }
        // As `openssl rand -hex 32` and `openssl rand -base64 32` make them.
        for strong in [
            "3f9a1c0e7b2d4a6f8e1b0c3d5a7f9e2b4c6d8a0f1e3b5d7c9a2e4f6b8d0c1a3e",
            "q3Vx9LmZ2pT8rW1nY6bK4sH7jD0fG5cA+uE/iO=",
        ] {
            load(&[("POINTS_ADMIN_TOKEN", strong)]).expect("a random token passes");
        }
        let ops = load(&[("POINTS_ADMIN_ADDR", "127.0.0.1:9090")]).expect("valid");
        assert_eq!(
            ops.admin_addr,
            Some("127.0.0.1:9090".parse().expect("addr"))
        );
        assert!(load(&[("POINTS_ADMIN_ADDR", "localhost")]).is_err());
    }

    #[test]
    fn a_short_admin_token_is_refused_and_a_long_one_verifies_exactly() {
        let error = load(&[("POINTS_ADMIN_TOKEN", "short")]).expect_err("too short");
        assert!(format!("{error:#}").contains("at least 32"), "{error:#}");
        let token = "0123456789abcdef".repeat(3);
        let ops = load(&[("POINTS_ADMIN_TOKEN", &token)]).expect("valid");
        let admin = ops.admin_token.expect("token");
        assert!(admin.verify(token.as_bytes()));
        assert!(!admin.verify(&token.as_bytes()[1..]));
        assert!(!admin.verify(format!("{token}x").as_bytes()));
        assert!(!format!("{admin:?}").contains(&token));
    }

    #[test]
    fn the_file_sets_the_switch_and_a_token_file_relative_to_itself() {
        let dir = std::env::temp_dir().join(format!("pk-ops-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let token = "0123456789abcdef".repeat(2);
        std::fs::write(dir.join("admin.token"), format!("{token}\n")).expect("token file");
        let file = dir.join("config.toml");
        std::fs::write(
            &file,
            "webhooks_enabled = false\nadmin_token_file = \"admin.token\"\n",
        )
        .expect("config file");
        let env = HashMap::from([("POINTS_CONFIG".to_owned(), file.display().to_string())]);
        let lookup = crate::config::layered(|k| env.get(k).cloned()).expect("layered");
        let ops = OpsConfig::from_lookup(&lookup).expect("valid");
        assert!(!ops.webhooks_enabled);
        assert!(ops.admin_token.expect("token").verify(token.as_bytes()));
        let _ = std::fs::remove_dir_all(dir);
    }
}
