//! A Postgres for the test suite, so a green `cargo xtask test` has run every Postgres test.
//!
//! [`TestPostgres::ensure`] uses the machine's Postgres (`POINTS_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`) when it answers there, and otherwise starts a
//! private cluster of its own ([`cluster`]) with Debian's `initdb` and `pg_ctl`, installing
//! the `postgresql` package first when they are missing. It fails when neither works.
//! [`TestPostgres::export`] hands the URL to a test command together with
//! `POINTS_TEST_REQUIRE_POSTGRES=1`, which turns every "skipping Postgres tests" into a failure
//! (the tests do the same by themselves when `CI` is set). A private cluster is stopped and
//! deleted when the value drops.

mod cluster;
mod probe;

use std::process::Command;

use anyhow::{Context, Result};

use cluster::PrivateCluster;
pub use probe::{ConnectTarget, redacted};

/// The variable the tests read the admin URL from.
pub const URL_VAR: &str = "POINTS_TEST_POSTGRES_URL";
/// Set to `1` for test processes: a Postgres test that cannot reach Postgres fails.
pub const REQUIRE_VAR: &str = "POINTS_TEST_REQUIRE_POSTGRES";
/// What the tests use when [`URL_VAR`] is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The Postgres the tests of one run use.
#[derive(Debug)]
pub struct TestPostgres {
    /// An admin URL the tests create their databases on.
    pub url: String,
    /// Where it came from, for the log line.
    pub origin: Origin,
    /// Stopped and deleted on drop.
    _cluster: Option<PrivateCluster>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The URL the environment (or the default) names answered.
    Machine,
    /// Started by us for this run.
    Private,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Machine => "the machine's Postgres",
            Origin::Private => "a private Postgres",
        })
    }
}

impl TestPostgres {
    /// The machine's Postgres at `POINTS_TEST_POSTGRES_URL` (or the default), else a private
    /// cluster; an error when neither can be had.
    pub fn ensure() -> Result<TestPostgres> {
        let url = std::env::var(URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_URL.to_owned());
        Self::ensure_at(&url)
    }

    /// [`TestPostgres::ensure`] with the machine's URL given.
    pub fn ensure_at(url: &str) -> Result<TestPostgres> {
        // The restart fault test runs its own cluster whatever happens here, so the server
        // binaries are needed even when the machine's Postgres answers.
        let bin = cluster::ensure_server_binaries()?;
        let shown = redacted(url);
        match ConnectTarget::parse(url).and_then(|target| target.probe()) {
            Ok(answer) => {
                eprintln!("xtask: Postgres tests use {shown} ({answer})");
                return Ok(TestPostgres {
                    url: url.to_owned(),
                    origin: Origin::Machine,
                    _cluster: None,
                });
            }
            Err(why) => {
                eprintln!("xtask: no usable Postgres at {shown} ({why:#}); starting a private one");
            }
        }
        let cluster = PrivateCluster::start(&bin).with_context(|| {
            format!("no Postgres for the tests: {shown} does not answer and a private cluster did not start")
        })?;
        let url = cluster.url();
        let answer = ConnectTarget::parse(&url)
            .and_then(|target| target.probe())
            .with_context(|| format!("the private Postgres at {url} does not answer"))?;
        eprintln!("xtask: Postgres tests use a private cluster at {url} ({answer})");
        Ok(TestPostgres {
            url,
            origin: Origin::Private,
            _cluster: Some(cluster),
        })
    }

    /// Points a test command at this Postgres and makes its Postgres tests unskippable.
    pub fn export(&self, command: &mut Command) {
        command.env(URL_VAR, &self.url).env(REQUIRE_VAR, "1");
    }
}

/// Whether `CI` is set (to anything but empty, `0` or `false`), as CI services do.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port nothing listens on: bound, then released.
    fn dead_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    #[test]
    fn an_unreachable_postgres_gets_a_private_cluster_and_a_reachable_one_is_used_as_it_is() {
        let dead = format!("postgres://postgres@127.0.0.1:{}/test", dead_port());
        let postgres = TestPostgres::ensure_at(&dead).expect("a private cluster");
        assert_eq!(postgres.origin, Origin::Private);
        assert_ne!(postgres.url, dead);
        let target = ConnectTarget::parse(&postgres.url).expect("its URL parses");
        target.probe().expect("the private cluster answers");

        let mut command = Command::new("true");
        postgres.export(&mut command);
        let envs: Vec<_> = command
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect();
        assert!(envs.contains(&(URL_VAR.into(), Some(postgres.url.clone().into()))));
        assert!(envs.contains(&(REQUIRE_VAR.into(), Some("1".into()))));

        // A Postgres that answers is used as it is, nothing started.
        let reachable = TestPostgres::ensure_at(&postgres.url).expect("the cluster answers");
        assert_eq!(reachable.origin, Origin::Machine);
        assert_eq!(reachable.url, postgres.url);

        drop(postgres);
        assert!(target.probe().is_err(), "stopped when dropped");
    }
}
