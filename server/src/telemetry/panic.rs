//! Panics through the redactor. Rust's default hook writes a panic's message to stderr as it
//! is, and a message can carry anything the panicking code had at hand (a request, a key, a
//! phone number). [`install`] replaces it: the message is redacted, logged as an `ERROR` event
//! (through the redacting log pipeline) and written, redacted, to stderr.

use std::any::Any;
use std::io::Write;
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex};

use super::Redactor;

/// Installs the redacting hook for the whole process, writing to stderr.
pub fn install(redactor: Redactor) {
    std::panic::set_hook(hook(redactor, std::io::stderr));
}

/// The hook itself, writing to whatever `writer` makes (stderr in the binary, a buffer in
/// tests).
pub fn hook<W, M>(
    redactor: Redactor,
    writer: M,
) -> Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>
where
    W: Write,
    M: Fn() -> W + Send + Sync + 'static,
{
    // One panic written at a time, whole.
    let lock = Arc::new(Mutex::new(()));
    Box::new(move |info| {
        let message = redactor.redact(&describe(info.payload(), info.location()));
        let thread = std::thread::current();
        let thread = thread.name().unwrap_or("<unnamed>");
        tracing::error!(target: "panic", thread, "{message}");
        let _held = lock.lock();
        let _ = writeln!(writer(), "thread '{thread}' panicked at {message}");
    })
}

/// `location:\nmessage`, as the default hook writes it.
fn describe(payload: &(dyn Any + Send), location: Option<&std::panic::Location<'_>>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned());
    match location {
        Some(at) => format!("{}:{}:{}:\n{text}", at.file(), at.line(), at.column()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_message_is_written_redacted() {
        let secret = "sk_live_panicking_0123456789";
        let sink = Sink::default();
        let writer = sink.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(hook(Redactor::new([secret]), move || writer.clone()));
        let caught = std::thread::spawn(move || {
            panic!("request failed: key={secret} phone=+966 55 123 4567");
        })
        .join();
        std::panic::set_hook(previous);
        assert!(caught.is_err(), "the thread panicked");
        let written = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf-8");
        assert!(written.contains("panicked at"), "{written}");
        assert!(
            written.contains("key=[redacted] phone=5*****567"),
            "{written}"
        );
        assert!(!written.contains(secret), "{written}");
        assert!(
            written.contains("panic.rs:"),
            "the location is kept: {written}"
        );
    }
}
