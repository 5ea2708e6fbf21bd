//! The last line of defence for logs: every formatted log line passes through a [`Redactor`]
//! before it is written, which replaces each known secret value with `[redacted]` and masks
//! anything shaped like a Saudi mobile number (`5*****678`), however it is grouped
//! ([`super::phones`]).
//!
//! The types already keep secrets out of `Debug`/`Display` and nothing logs a header value;
//! this catches what slips past them (a dependency's trace line, a future `?request`).

use std::io::{self, Write};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;
use url::Url;

use crate::Config;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for: replacing every `a` in a log would hide
/// everything and protect nothing (real keys and secrets are far longer).
pub const MIN_SECRET_LEN: usize = 8;

/// Masks known secrets and phone numbers in text.
#[derive(Clone)]
pub struct Redactor {
    /// `(pattern, replacement)`, longest pattern first, so a secret that contains another is
    /// replaced whole. Each secret comes with every form a log line can write it in
    /// ([`written_forms`]).
    secrets: Vec<(String, String)>,
    /// `false` only when the configuration turned redaction off (`log_redaction = false`).
    enabled: bool,
}

/// Masks phone numbers, knows no secrets.
impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(Vec::<String>::new())
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl Redactor {
    /// A redactor for these secret values (short or empty ones are ignored).
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut redactor = Redactor {
            secrets: Vec::new(),
            enabled: true,
        };
        for secret in secrets {
            let secret = secret.as_ref().trim();
            if secret.len() >= MIN_SECRET_LEN {
                for form in written_forms(secret) {
                    redactor.secrets.push((form, REDACTED.to_owned()));
                }
            }
        }
        redactor.sort();
        redactor
    }

    /// Also masks the password of a database URL (`postgres://user:password@host/db`), as it
    /// is written in the URL (`:password@`, any length) and, when it is long enough to be
    /// told apart from ordinary text, alone (percent-decoded too).
    pub fn with_database_url(mut self, database_url: &str) -> Self {
        let Some(encoded) = Url::parse(database_url)
            .ok()
            .and_then(|url| url.password().map(str::to_owned))
        else {
            return self;
        };
        self.secrets
            .push((format!(":{encoded}@"), format!(":{REDACTED}@")));
        let decoded = percent_decode(&encoded);
        for password in [encoded, decoded] {
            if password.len() >= MIN_SECRET_LEN {
                for form in written_forms(&password) {
                    self.secrets.push((form, REDACTED.to_owned()));
                }
            }
        }
        self.sort();
        self
    }

    /// This redactor masking `other`'s secrets as well (disabled stays disabled).
    pub fn with(mut self, other: &Redactor) -> Self {
        if self.enabled {
            self.secrets.extend(other.secrets.iter().cloned());
            self.sort();
        }
        self
    }

    fn sort(&mut self) {
        self.secrets
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        self.secrets.dedup();
    }

    /// Writes text as it is: what `log_redaction = false` gets. Development only.
    pub fn disabled() -> Self {
        Redactor {
            secrets: Vec::new(),
            enabled: false,
        }
    }

    /// Whether this redactor masks anything at all.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Every secret the configuration holds: the private key, the webhook secrets (current and
    /// previous) and the admin token. The public key is browser-safe by design (API.md §8.1).
    pub fn for_config(config: &Config) -> Self {
        if !config.ops.log_redaction {
            return Redactor::disabled();
        }
        let mut secrets = vec![config.private_key.expose().to_owned()];
        secrets.extend(
            config
                .configured_webhook_secrets()
                .iter()
                .map(|s| s.expose().to_owned()),
        );
        secrets.extend(
            config
                .ops
                .admin_tokens()
                .into_iter()
                .map(|(_, t)| t.expose().to_owned()),
        );
        Redactor::new(secrets).with_database_url(&config.database_url)
    }

    /// For when the configuration could not be loaded (a start-up error): every secret the
    /// raw settings name, `NAME` or the file `NAME_FILE` points to, and the database URL's
    /// password. `lookup` is the environment over the config file (`config::layered`).
    pub fn from_settings(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let secrets = crate::config::SECRETS
            .into_iter()
            .flat_map(|name| {
                let from_file = lookup(&format!("{name}_FILE"))
                    .and_then(|path| std::fs::read_to_string(path.trim()).ok());
                [lookup(name), from_file]
            })
            .flatten();
        // `name token` lines: the tokens.
        let named = lookup("POINTS_ADMIN_TOKENS_FILE")
            .and_then(|path| std::fs::read_to_string(path.trim()).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|line| line.split_whitespace().nth(1).map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let redactor = Redactor::new(secrets.chain(named).collect::<Vec<_>>());
        match lookup("DATABASE_URL") {
            Some(url) => redactor.with_database_url(&url),
            None => redactor,
        }
    }

    /// `text` with every known secret replaced and every phone number masked.
    pub fn redact(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        for (secret, replacement) in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), replacement);
            }
        }
        mask_phones(&out)
    }
}

pub use super::phones::mask_phones;

/// Every way `secret` can appear in a log line: as it is; escaped inside a JSON string (the
/// log format turns `"` into `\"`, `\` into `\\`, control characters into `\u…`); as
/// `Debug` writes it (a `?field`, an error's `{:?}`); and `Debug`'s escapes escaped again by
/// JSON. A secret holding a quote or a backslash is otherwise written in a form a plain
/// search does not find.
pub fn written_forms(secret: &str) -> Vec<String> {
    let json = |text: &str| {
        let quoted = serde_json::Value::String(text.to_owned()).to_string();
        quoted[1..quoted.len() - 1].to_owned()
    };
    let debug = {
        let quoted = format!("{secret:?}");
        quoted[1..quoted.len() - 1].to_owned()
    };
    let mut forms = vec![secret.to_owned(), json(secret), json(&debug), debug];
    forms.sort();
    forms.dedup();
    forms
}

/// `%XX` sequences decoded (a URL's userinfo); anything malformed is kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A [`MakeWriter`] whose writers hold each formatted event and write it redacted. The fmt
/// layer formats one event into one buffer and writes it at once, so each event is redacted
/// whole, never split across two writes.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    redactor: Arc<Redactor>,
    inner: M,
}

impl<M> RedactingMakeWriter<M> {
    pub fn new(redactor: Redactor, inner: M) -> Self {
        RedactingMakeWriter {
            redactor: Arc::new(redactor),
            inner,
        }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            redactor: &self.redactor,
            inner: self.inner.make_writer(),
            held: Vec::new(),
        }
    }
}

/// Collects one event's bytes; writes them redacted on flush or drop.
#[derive(Debug)]
pub struct RedactingWriter<'a, W: Write> {
    redactor: &'a Redactor,
    inner: W,
    held: Vec<u8>,
}

impl<W: Write> RedactingWriter<'_, W> {
    fn write_held(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.held);
        let redacted = self.redactor.redact(&text);
        self.held.clear();
        self.inner.write_all(redacted.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Write for RedactingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.held.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_held()
    }
}

impl<W: Write> Drop for RedactingWriter<'_, W> {
    fn drop(&mut self) {
        // A log line that cannot be written has nowhere to be reported.
        let _ = self.write_held();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let redactor = Redactor::new(["sk_live_0123456789", "whsec_abcdefgh", "tiny"]);
        assert_eq!(redactor.redact(input), expect, "redacting {input:?}");
    }

    #[test]
    fn secrets_are_replaced_wherever_they_appear() {
        check(
            r#"{"x-api-key":"sk_live_0123456789"}"#,
            r#"{"x-api-key":"[redacted]"}"#,
        );
        check(
            "secret=whsec_abcdefgh&k=sk_live_0123456789x",
            "secret=[redacted]&k=[redacted]x",
        );
        check("a tiny word stays", "a tiny word stays");
    }

    /// One event logged through the binary's JSON pipeline with `redactor`, as written.
    fn logged(redactor: Redactor, log: impl FnOnce()) -> String {
        let sink = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let writer = {
            let sink = sink.clone();
            move || SinkWriter(sink.clone())
        };
        let pipeline = super::super::subscriber(
            tracing_subscriber::EnvFilter::new("trace"),
            redactor,
            writer,
        );
        tracing::subscriber::with_default(pipeline, log);
        let bytes = sink.lock().expect("sink").clone();
        String::from_utf8(bytes).expect("utf-8 log")
    }

    struct SinkWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for SinkWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_secret_with_quotes_or_backslashes_is_masked_as_json_and_debug_write_it() {
        let secret = r#"sk_"quoted"\back\slash"#;
        let line = logged(Redactor::new([secret]), || {
            tracing::info!(key = %secret, debugged = ?secret, "{secret} and {secret:?}");
        });
        assert!(line.contains("[redacted]"), "{line}");
        for form in written_forms(secret) {
            assert!(!line.contains(&form), "{form:?} leaked into {line}");
        }
        // Each piece of it too: a plain search for the raw value misses all of these.
        assert!(!line.contains("quoted"), "{line}");
        assert!(!line.contains("back"), "{line}");
    }

    #[test]
    fn a_database_password_is_masked_in_the_url_and_alone() {
        let redactor = Redactor::default()
            .with_database_url("postgres://points:p%40ss-w0rd-long@db.internal:5432/points");
        assert_eq!(
            redactor
                .redact("connecting to postgres://points:p%40ss-w0rd-long@db.internal:5432/points"),
            "connecting to postgres://points:[redacted]@db.internal:5432/points"
        );
        assert_eq!(
            redactor.redact("password p@ss-w0rd-long rejected"),
            "password [redacted] rejected"
        );
        // A short password is masked where the URL writes it, not as a word anywhere.
        let short = Redactor::default().with_database_url("postgres://u:pw@localhost/test");
        assert_eq!(
            short.redact("postgres://u:pw@localhost/test pw"),
            "postgres://u:[redacted]@localhost/test pw"
        );
        let none = Redactor::default().with_database_url("sqlite://points.db");
        assert_eq!(none.redact("sqlite://points.db"), "sqlite://points.db");
    }

    #[test]
    fn phones_are_masked_alongside_secrets() {
        // The forms themselves are tested in `phones`; here, that the redactor applies them.
        check(
            "k=sk_live_0123456789 phone=+966 51 234 5678",
            "k=[redacted] phone=5*****678",
        );
    }

    #[test]
    fn the_writer_redacts_a_whole_event_on_drop() {
        let redactor = Redactor::new(["sk_live_0123456789"]);
        let make = RedactingMakeWriter::new(redactor, Vec::<u8>::new);
        let mut sink = Vec::new();
        {
            let mut writer = RedactingWriter {
                redactor: &make.redactor,
                inner: &mut sink,
                held: Vec::new(),
            };
            writer.write_all(b"key=sk_live_").expect("write");
            writer
                .write_all(b"0123456789 phone=0512345678\n")
                .expect("write");
        }
        assert_eq!(
            String::from_utf8(sink).expect("utf8"),
            "key=[redacted] phone=5*****678\n"
        );
    }
}
