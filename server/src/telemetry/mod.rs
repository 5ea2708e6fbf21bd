//! Logs and metrics.
//!
//! Logs are JSON lines from `tracing`, written through a [`redact::RedactingMakeWriter`] that
//! masks every configured secret and every phone number before a byte leaves the process.
//! [`subscriber`] builds that pipeline; the binary installs it globally and the tests install
//! the very same one over a buffer; [`panic::install`] sends panics through the same redactor. Metrics live in [`metrics::Metrics`], served at `/metrics`.

pub mod metrics;
pub mod panic;
pub mod phones;
pub mod probe;
pub mod redact;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub use metrics::Metrics;
pub use probe::{RedactionProbe, probe_redaction};
pub use redact::{RedactingMakeWriter, Redactor};

/// The log filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info";

/// JSON logs filtered by `filter`, redacted by `redactor`, written to `writer`.
pub fn subscriber<W>(
    filter: EnvFilter,
    redactor: Redactor,
    writer: W,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(RedactingMakeWriter::new(redactor, writer))
        .finish()
}

/// `RUST_LOG`, else [`DEFAULT_FILTER`].
pub fn filter_from_env() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}
