//! The reconciliation part of the configuration (see [`crate::reconcile`]): whether the
//! scheduled run is on, how often it runs ("nightly" by default), which settled orders it
//! still checks, and how hard it may press Points.

use std::time::Duration;

use anyhow::{Context, ensure};

use super::ops::parse_bool;
use super::retention::parse_duration;

/// The default `reconcile_interval`: once a day, the go-live checklist's "nightly" (API.md §8.3).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// The default `reconcile_recent_window`: a week, past the dashboard's 3-day refund window
/// (API.md §4.5), so a refund made there on a settled order is still caught.
pub const DEFAULT_RECENT_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The default `reconcile_concurrency`. Points sets no hard limit on order reads (API.md §2:
/// only earning is locked; "abusive traffic throttled upstream"), so a few reads in flight are
/// fair; a 429 slows every one of them down (see [`crate::reconcile`]).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most reads in flight the config accepts.
pub const MAX_CONCURRENCY: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// Whether the server runs reconciliation on its own every [`Self::interval`]. The CLI and
    /// `POST /admin/reconcile` work either way.
    pub enabled: bool,
    /// The least time between two runs (any run counts, manual ones too).
    pub interval: Duration,
    /// Settled orders (approved, cancelled, refunded) changed within this window are checked
    /// too; unsettled ones always are.
    pub recent_window: Duration,
    /// Order reads in flight at once, 1 to [`MAX_CONCURRENCY`].
    pub concurrency: usize,
    /// The first pause after a 429; it doubles while 429s keep coming, up to
    /// [`Self::max_backoff`], and shrinks again as reads succeed. A `Retry-After` wins.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            enabled: true,
            interval: DEFAULT_INTERVAL,
            recent_window: DEFAULT_RECENT_WINDOW,
            concurrency: DEFAULT_CONCURRENCY,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl ReconcileConfig {
    /// Reads `POINTS_RECONCILE_ENABLED`, `POINTS_RECONCILE_INTERVAL`,
    /// `POINTS_RECONCILE_RECENT_WINDOW` ("90s", "15m", "24h", "7d"),
    /// `POINTS_RECONCILE_CONCURRENCY`, `POINTS_RECONCILE_BACKOFF` and
    /// `POINTS_RECONCILE_MAX_BACKOFF` ("250ms", "10s"), each defaulting.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = ReconcileConfig::default();
        let duration = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            match get(name) {
                None => Ok(default),
                Some(text) => parse_duration(&text).with_context(|| format!("{name} {text:?}")),
            }
        };
        let enabled = match get("POINTS_RECONCILE_ENABLED") {
            None => defaults.enabled,
            Some(text) => parse_bool(&text).with_context(|| {
                format!("POINTS_RECONCILE_ENABLED {text:?} is neither true nor false")
            })?,
        };
        let concurrency = match get("POINTS_RECONCILE_CONCURRENCY") {
            None => defaults.concurrency,
            Some(text) => text.trim().parse().with_context(|| {
                format!("POINTS_RECONCILE_CONCURRENCY {text:?} is not a whole number")
            })?,
        };
        Ok(ReconcileConfig {
            enabled,
            interval: duration("POINTS_RECONCILE_INTERVAL", defaults.interval)?,
            recent_window: duration("POINTS_RECONCILE_RECENT_WINDOW", defaults.recent_window)?,
            concurrency,
            backoff: duration("POINTS_RECONCILE_BACKOFF", defaults.backoff)?,
            max_backoff: duration("POINTS_RECONCILE_MAX_BACKOFF", defaults.max_backoff)?,
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        ensure!(
            self.interval >= Duration::from_secs(1),
            "the reconciliation interval (POINTS_RECONCILE_INTERVAL) must be at least one second"
        );
        ensure!(
            (1..=MAX_CONCURRENCY).contains(&self.concurrency),
            "the reconciliation concurrency (POINTS_RECONCILE_CONCURRENCY) must be 1 to \
             {MAX_CONCURRENCY}"
        );
        ensure!(
            self.backoff > Duration::ZERO && self.backoff <= self.max_backoff,
            "the reconciliation back-off (POINTS_RECONCILE_BACKOFF) must be positive and at most \
             POINTS_RECONCILE_MAX_BACKOFF"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> anyhow::Result<ReconcileConfig> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let config = ReconcileConfig::from_lookup(&|k: &str| env.get(k).cloned())?;
        config.validate()?;
        Ok(config)
    }

    #[test]
    fn defaults_are_nightly_with_a_week_of_settled_orders() {
        let config = read(&[]).expect("defaults");
        assert_eq!(config, ReconcileConfig::default());
        assert_eq!(config.interval, Duration::from_secs(86_400));
        assert_eq!(config.recent_window, Duration::from_secs(7 * 86_400));
        assert!(config.enabled);
    }

    #[test]
    fn reads_every_variable() {
        let config = read(&[
            ("POINTS_RECONCILE_ENABLED", "false"),
            ("POINTS_RECONCILE_INTERVAL", "6h"),
            ("POINTS_RECONCILE_RECENT_WINDOW", "3d"),
            ("POINTS_RECONCILE_CONCURRENCY", "1"),
            ("POINTS_RECONCILE_BACKOFF", "50ms"),
            ("POINTS_RECONCILE_MAX_BACKOFF", "2s"),
        ])
        .expect("valid");
        assert_eq!(config.backoff, Duration::from_millis(50));
        assert_eq!(config.max_backoff, Duration::from_secs(2));
        assert!(!config.enabled);
        assert_eq!(config.interval, Duration::from_secs(6 * 3600));
        assert_eq!(config.recent_window, Duration::from_secs(3 * 86_400));
        assert_eq!(config.concurrency, 1);
    }

    #[test]
    fn refuses_nonsense() {
        for (name, value) in [
            ("POINTS_RECONCILE_ENABLED", "sometimes"),
            ("POINTS_RECONCILE_INTERVAL", "0s"),
            ("POINTS_RECONCILE_INTERVAL", "nightly"),
            ("POINTS_RECONCILE_RECENT_WINDOW", "7"),
            ("POINTS_RECONCILE_CONCURRENCY", "0"),
            ("POINTS_RECONCILE_BACKOFF", "0ms"),
            ("POINTS_RECONCILE_BACKOFF", "1m"),
            ("POINTS_RECONCILE_MAX_BACKOFF", "fast"),
            ("POINTS_RECONCILE_CONCURRENCY", "17"),
            ("POINTS_RECONCILE_CONCURRENCY", "four"),
        ] {
            let error = read(&[(name, value)]).expect_err(value);
            assert!(
                format!("{error:#}").contains("POINTS_RECONCILE_"),
                "{error:#}"
            );
        }
    }

    #[test]
    fn the_toml_file_sets_them_and_the_default_file_documents_the_defaults() {
        let path = std::env::temp_dir().join(format!("pk-reconcile-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(
            &path,
            "reconcile_enabled = false\nreconcile_interval = \"1h\"\n\
             reconcile_recent_window = \"2d\"\nreconcile_concurrency = 2\n",
        )
        .expect("write");
        let env = HashMap::from([
            ("POINTS_CONFIG".to_owned(), path.display().to_string()),
            ("POINTS_RECONCILE_INTERVAL".to_owned(), "30m".to_owned()),
        ]);
        let lookup = crate::config::layered(|k| env.get(k).cloned()).expect("file reads");
        let config = ReconcileConfig::from_lookup(&lookup).expect("valid");
        let _ = std::fs::remove_file(path);
        assert!(!config.enabled);
        assert_eq!(
            config.interval,
            Duration::from_secs(30 * 60),
            "the environment wins"
        );
        assert_eq!(config.recent_window, Duration::from_secs(2 * 86_400));
        assert_eq!(config.concurrency, 2);

        // The default file parses with its reconcile keys (unknown keys are refused)...
        let text = include_str!("../../config.default.toml");
        let _: super::super::file::FileConfig = toml::from_str(text).expect("default file");
        // ...and says what the defaults are.
        let documented = |key: &str| -> String {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = ")))
                .unwrap_or_else(|| panic!("{key} documented"))
                .trim_matches('"')
                .to_owned()
        };
        let defaults = ReconcileConfig::default();
        assert_eq!(
            documented("reconcile_enabled"),
            defaults.enabled.to_string()
        );
        assert_eq!(
            parse_duration(&documented("reconcile_interval")).ok(),
            Some(defaults.interval)
        );
        assert_eq!(
            parse_duration(&documented("reconcile_recent_window")).ok(),
            Some(defaults.recent_window)
        );
        assert_eq!(
            documented("reconcile_concurrency"),
            defaults.concurrency.to_string()
        );
        assert_eq!(
            parse_duration(&documented("reconcile_backoff")).ok(),
            Some(defaults.backoff)
        );
        assert_eq!(
            parse_duration(&documented("reconcile_max_backoff")).ok(),
            Some(defaults.max_backoff)
        );
    }
}
