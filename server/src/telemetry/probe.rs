//! The redaction self-test: one log line carrying every configured secret and a phone number,
//! written through the very pipeline the binary installs ([`super::subscriber`] with
//! [`Redactor::for_config`]) into a buffer, then read back. `GET /admin/selftest` runs it in the
//! serving process and `points preflight` reports it.

use std::io;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use url::Url;

use super::redact::written_forms;
use super::{Redactor, subscriber};
use crate::Config;

/// The phone number the probe logs (a well-formed KSA mobile, not a reserved sandbox phone).
pub const PROBE_PHONE: &str = "0551234567";

/// What the probe found. Never carries the line itself when something leaked: it would hold
/// the secrets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RedactionProbe {
    /// Every secret and the phone were masked.
    pub ok: bool,
    /// Whether the configuration has redaction on at all (`log_redaction`).
    pub enabled: bool,
    /// What appeared unmasked: `private key`, `webhook secret`, `admin token`, `database
    /// password`, `phone number`.
    pub leaked: Vec<&'static str>,
    /// The redacted line, when nothing leaked: evidence of what a log line looks like.
    pub line: Option<String>,
}

/// Runs the probe for `config`.
pub fn probe_redaction(config: &Config) -> RedactionProbe {
    let redactor = Redactor::for_config(config);
    let enabled = redactor.is_enabled();
    let buffer = Buffer::default();
    let pipeline = subscriber(EnvFilter::new("trace"), redactor, buffer.clone());
    let mut secrets: Vec<(&'static str, String)> =
        vec![("private key", config.private_key.expose().to_owned())];
    secrets.extend(
        config
            .configured_webhook_secrets()
            .iter()
            .map(|s| ("webhook secret", s.expose().to_owned())),
    );
    for (_, token) in config.ops.admin_tokens() {
        secrets.push(("admin token", token.expose().to_owned()));
    }
    let database_password = Url::parse(&config.database_url)
        .ok()
        .and_then(|url| url.password().map(str::to_owned));
    if let Some(password) = database_password {
        secrets.push(("database password", format!(":{password}@")));
    }
    let joined: Vec<&str> = secrets.iter().map(|(_, s)| s.as_str()).collect();
    tracing::subscriber::with_default(pipeline, || {
        // Written plainly and as `Debug` does: a secret holding a quote or a backslash is
        // escaped differently by each, and each must be masked.
        tracing::info!(
            target: "points_selftest",
            x_api_key = %joined.join(" "),
            debugged = ?joined,
            phone_number = PROBE_PHONE,
            "redaction probe"
        );
    });
    let line = buffer.text();
    let national = &PROBE_PHONE[1..];
    let mut leaked: Vec<&'static str> = secrets
        .iter()
        .filter(|(_, secret)| {
            written_forms(secret)
                .iter()
                .any(|form| line.contains(form.as_str()))
        })
        .map(|(name, _)| *name)
        .collect();
    if line.contains(national) {
        leaked.push("phone number");
    }
    leaked.dedup();
    let wrote = line.contains("redaction probe");
    RedactionProbe {
        ok: wrote && leaked.is_empty(),
        enabled,
        line: (wrote && leaked.is_empty()).then(|| line.trim().to_owned()),
        leaked,
    }
}

/// An in-memory log sink.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut held) = self.0.lock() {
            held.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
