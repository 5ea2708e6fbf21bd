//! The last line of defence for logs: every formatted log line passes through a [`Redactor`]
//! before it is written, which replaces each known secret value with `[redacted]` and masks
//! anything shaped like a Saudi mobile number (`5*****678`).
//!
//! The types already keep secrets out of `Debug`/`Display` and nothing logs a header value;
//! this catches what slips past them (a dependency's trace line, a future `?request`).

use std::io::{self, Write};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;

use crate::Config;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for: replacing every `a` in a log would hide
/// everything and protect nothing (real keys and secrets are far longer).
pub const MIN_SECRET_LEN: usize = 8;

/// Masks known secrets and phone numbers in text.
#[derive(Clone)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
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
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .map(|s| s.as_ref().trim().to_owned())
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor {
            secrets,
            enabled: true,
        }
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
                .webhook_secrets()
                .iter()
                .map(|s| s.expose().to_owned()),
        );
        secrets.extend(
            config
                .ops
                .admin_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
        );
        Redactor::new(secrets)
    }

    /// `text` with every known secret replaced and every phone number masked.
    pub fn redact(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        mask_phones(&out)
    }
}

/// Masks each run of digits that is a KSA mobile number in one of the forms Points accepts
/// (`5XXXXXXXX`, `05…`, `966…`, `00966…`, with an optional `+`), keeping the first digit and
/// the last three: `+966512345678` → `5*****678`. Longer or shorter digit runs (ids, amounts,
/// timestamps) are left alone.
pub fn mask_phones(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if let Some(national) = national_mobile(&text[start..i]) {
            let from = if start > 0 && bytes[start - 1] == b'+' {
                start - 1
            } else {
                start
            };
            out.push_str(&text[copied..from]);
            out.push_str(&national[..1]);
            out.push_str("*****");
            out.push_str(&national[6..]);
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The nine national digits of a mobile number written as `digits`, if it is one.
fn national_mobile(digits: &str) -> Option<&str> {
    let national = match digits.len() {
        9 => digits,
        10 => digits.strip_prefix('0')?,
        12 => digits.strip_prefix("966")?,
        14 => digits.strip_prefix("00966")?,
        _ => return None,
    };
    national.starts_with('5').then_some(national)
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

    #[test]
    fn every_phone_form_is_masked() {
        check("phone 512345678 end", "phone 5*****678 end");
        check("0512345678", "5*****678");
        check("+966512345678", "5*****678");
        check("966512345678,00966512345678", "5*****678,5*****678");
        check(
            r#""phone_number":"0551234567""#,
            r#""phone_number":"5*****567""#,
        );
    }

    #[test]
    fn other_numbers_are_left_alone() {
        check(
            "total_halalas=15075 id=612345678",
            "total_halalas=15075 id=612345678",
        );
        check(
            "uuid 550e8400-e29b-41d4-a716-446655440000",
            "uuid 550e8400-e29b-41d4-a716-446655440000",
        );
        check("5123456789 and 51234567", "5123456789 and 51234567");
        check("ts 2026-04-18T10:05:12.123Z", "ts 2026-04-18T10:05:12.123Z");
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
