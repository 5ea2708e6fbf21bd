//! A fresh Postgres database per test, dropped afterwards. When Postgres is not reachable a
//! test skips with a printed reason, except where a skip would be a lie: in CI (`CI` set) and
//! under `cargo xtask test` (which starts a Postgres if the machine has none and sets
//! `POINTS_TEST_REQUIRE_POSTGRES=1`), where it fails instead.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// What a Postgres test does when it cannot have Postgres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnavailable {
    /// Print why and pass: a developer's `cargo test` on a machine without Postgres.
    Skip,
    /// Fail with the reason: CI and `cargo xtask test` claim every Postgres test ran.
    Fail,
}

impl WhenUnavailable {
    /// [`WhenUnavailable::Fail`] when `CI` or `POINTS_TEST_REQUIRE_POSTGRES` is set (to
    /// anything but empty, `0` or `false`), else [`WhenUnavailable::Skip`].
    pub fn from_env() -> WhenUnavailable {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`WhenUnavailable::from_env`] over any source of variables.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> WhenUnavailable {
        let set = |name: &str| var(name).is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
        if set("CI") || set("POINTS_TEST_REQUIRE_POSTGRES") {
            WhenUnavailable::Fail
        } else {
            WhenUnavailable::Skip
        }
    }

    /// Skips (printing `what` and `why`) or panics with them.
    pub fn unavailable<T>(self, what: &str, why: &str) -> Option<T> {
        match self {
            WhenUnavailable::Skip => {
                println!("skipping {what}: {why}");
                None
            }
            WhenUnavailable::Fail => panic!(
                "{what} must run here (CI or POINTS_TEST_REQUIRE_POSTGRES is set), but {why}. \
                 `cargo xtask test` provides a Postgres (the machine's or a private cluster)."
            ),
        }
    }
}

/// A Postgres database created for one test and dropped (with its connections) on drop.
pub struct FreshDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    /// A new database on `POINTS_TEST_POSTGRES_URL` (default
    /// `postgres://postgres@127.0.0.1:5432/test`). When Postgres is not reachable: `None`
    /// after printing why, or a panic in CI and under `cargo xtask test`
    /// ([`WhenUnavailable::from_env`]).
    pub async fn create() -> Option<FreshDatabase> {
        let admin_url = std::env::var("POINTS_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        Self::create_on(&admin_url, WhenUnavailable::from_env()).await
    }

    /// For a Postgres test that cannot have Postgres for another reason (no `initdb` for a
    /// private cluster): `None` after printing `what` and `why`, or, in CI and under `cargo
    /// xtask test`, a panic saying them.
    pub fn skip_or_fail<T>(what: &str, why: &str) -> Option<T> {
        WhenUnavailable::from_env().unavailable(what, why)
    }

    /// A new database on `admin_url`; `when_unavailable` says what an unreachable one means.
    pub async fn create_on(
        admin_url: &str,
        when_unavailable: WhenUnavailable,
    ) -> Option<FreshDatabase> {
        const WHAT: &str = "Postgres tests";
        sqlx::any::install_default_drivers();
        let connect = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect(admin_url);
        let admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok(pool)) => pool,
            Ok(Err(e)) => {
                return when_unavailable
                    .unavailable(WHAT, &format!("cannot connect to {admin_url}: {e}"));
            }
            Err(_) => {
                return when_unavailable
                    .unavailable(WHAT, &format!("{admin_url} did not answer in 5 s"));
            }
        };
        let name = format!("points_kit_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("CREATE DATABASE (the test role needs CREATEDB)");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        let url = format!("{base}/{name}");
        Some(FreshDatabase {
            admin_url: admin_url.to_owned(),
            name,
            url,
        })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be shutting down: use a runtime of its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

mod tests {
    use super::*;

    #[test]
    fn ci_or_the_xtask_flag_makes_postgres_tests_unskippable() {
        let check = |vars: &[(&str, &str)], expect: WhenUnavailable| {
            let found = WhenUnavailable::from_vars(|name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            });
            assert_eq!(found, expect, "{vars:?}");
        };
        check(&[], WhenUnavailable::Skip);
        check(&[("CI", "true")], WhenUnavailable::Fail);
        check(&[("CI", "1")], WhenUnavailable::Fail);
        check(
            &[("POINTS_TEST_REQUIRE_POSTGRES", "1")],
            WhenUnavailable::Fail,
        );
        check(&[("CI", "false")], WhenUnavailable::Skip);
        check(&[("CI", "")], WhenUnavailable::Skip);
        check(
            &[("POINTS_TEST_REQUIRE_POSTGRES", "0")],
            WhenUnavailable::Skip,
        );
    }

    /// An admin URL on a port nothing listens on: bound, then released.
    fn dead_url() -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        format!("postgres://postgres@127.0.0.1:{port}/test")
    }

    #[tokio::test]
    #[should_panic(expected = "Postgres tests must run here")]
    async fn an_unreachable_postgres_fails_a_test_that_must_run() {
        FreshDatabase::create_on(&dead_url(), WhenUnavailable::Fail).await;
    }

    #[tokio::test]
    async fn an_unreachable_postgres_skips_a_developers_test_saying_so() {
        let database = FreshDatabase::create_on(&dead_url(), WhenUnavailable::Skip).await;
        assert!(database.is_none());
    }
}
