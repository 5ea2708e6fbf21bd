//! A fresh Postgres database per test, dropped afterwards; skipped with a printed reason when
//! Postgres is not reachable.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A Postgres database created for one test and dropped (with its connections) on drop.
pub struct FreshDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    /// A new database on `POINTS_TEST_POSTGRES_URL` (default
    /// `postgres://postgres@127.0.0.1:5432/test`); `None`, after printing why, when Postgres is
    /// not reachable.
    pub async fn create() -> Option<FreshDatabase> {
        let admin_url = std::env::var("POINTS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        sqlx::any::install_default_drivers();
        let connect = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect(&admin_url);
        let admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok(pool)) => pool,
            Ok(Err(e)) => {
                println!("skipping Postgres tests: cannot connect to {admin_url}: {e}");
                return None;
            }
            Err(_) => {
                println!("skipping Postgres tests: {admin_url} did not answer in 5 s");
                return None;
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
            .map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Some(FreshDatabase {
            admin_url,
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
