//! Storage: the connection pool, migrations and one repository module per table.
//!
//! SQLite by default, Postgres when the URL is `postgres://…`. Both go through `sqlx::Any`: the
//! queries are runtime `sqlx::query(…)` with `$n` placeholders, which both databases accept, and
//! the schema uses only types `Any` maps on both (BIGINT, TEXT, bytes), so each query is written
//! once. An enum of two typed pools would duplicate every repository function for the few
//! places that differ; those few ask [`Pool::backend`] instead (the inbox claim uses
//! `FOR UPDATE SKIP LOCKED` on Postgres). Each backend has its own migrations directory.
//!
//! SQLite lets one connection write at a time; a second one waiting for the lock sleeps in
//! SQLite's busy handler, in steps of up to 100 ms, which is what a webhook storm's p99 was
//! made of. So the hot writers of one process take turns in Rust first ([`Pool::write_turn`]):
//! intake's group commit ([`inbox::Writer`]), the inbox worker, and the two places that apply
//! Points' answers. The busy handler is then left to other processes on the same file and to
//! the occasional single-statement write.

pub mod audit;
pub mod idempotency;
pub mod lease;
pub mod orders;
pub mod search;
pub mod transitions;

use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

/// The database kind behind a [`Pool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool every repository function runs on; derefs to the [`AnyPool`].
#[derive(Debug, Clone)]
pub struct Pool {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: whose turn it is to write, in this process (see [`Pool::write_turn`]).
    writes: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// Held while writing on SQLite; see [`Pool::write_turn`].
#[derive(Debug)]
pub struct WriteTurn {
    _held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// Rows deleted per statement by the retention purges, so a first sweep over a large backlog
/// never holds the database (SQLite's one writer) for long.
pub const PURGE_BATCH: i64 = 1_000;

/// Runs `delete` (a `DELETE … WHERE id IN (SELECT id … LIMIT $2)` of rows older than `$1`)
/// until a batch deletes fewer than [`PURGE_BATCH`] rows; answers how many went in all.
pub async fn purge_in_batches(
    pool: &Pool,
    delete: &'static str,
    before: &str,
) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    loop {
        let result = sqlx::query(delete)
            .bind(before)
            .bind(PURGE_BATCH)
            .execute(&**pool)
            .await?;
        deleted += result.rows_affected();
        if result.rows_affected() < PURGE_BATCH.unsigned_abs() {
            return Ok(deleted);
        }
    }
}

/// A transaction on a [`Pool`].
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The migrations, told to ignore applied ones this release does not know: after a rollback
/// the database holds a newer release's migrations, and sqlx's default (refusing to start)
/// would stop every instance, and webhook intake with them. That is safe because every
/// migration only adds (see `migrations_only_add` below and docs/runbook.md "Rolling back").
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("./migrations/sqlite")
};
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("./migrations/postgres")
};

impl Pool {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for this process's turn to write, first come first served, and holds it until
    /// dropped: on SQLite, so that writers queue here instead of sleeping in SQLite's busy
    /// handler; on Postgres at once (rows lock on their own, and other instances write too).
    /// Take it before the connection (`begin`), never while holding one, so the order is
    /// always turn → connection.
    pub async fn write_turn(&self) -> WriteTurn {
        match &self.writes {
            Some(writes) => WriteTurn {
                _held: Some(writes.clone().lock_owned().await),
            },
            None => WriteTurn { _held: None },
        }
    }
}

impl Deref for Pool {
    type Target = AnyPool;

    fn deref(&self) -> &AnyPool {
        &self.pool
    }
}

impl Backend {
    /// `postgres://` or `postgresql://` is Postgres; everything else is a SQLite URL.
    pub fn of(database_url: &str) -> Backend {
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens the database (creating a SQLite file if missing) and applies pending migrations.
pub async fn connect(database_url: &str) -> anyhow::Result<Pool> {
    install_default_drivers();
    let backend = Backend::of(database_url);
    let (url, max_connections) = match backend {
        Backend::Postgres => (database_url.to_owned(), 10),
        // Every connection to `:memory:` would be a different database.
        Backend::Sqlite if database_url.contains(":memory:") => (database_url.to_owned(), 1),
        Backend::Sqlite => (sqlite_create_if_missing(database_url), 8),
    };
    let mut options = AnyPoolOptions::new().max_connections(max_connections);
    if backend == Backend::Sqlite {
        options = options.after_connect(|conn, _| {
            Box::pin(async move {
                // The inbox promise is "stored before we answer 200": FULL syncs every commit.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .await?;
                Ok(())
            })
        });
    }
    let pool = options
        .connect(&url)
        .await
        .context("opening the database")?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    };
    migrator
        .run(&pool)
        .await
        .context("applying database migrations")?;
    if backend == Backend::Sqlite && !database_url.contains(":memory:") {
        restrict_sqlite_files(database_url)?;
    }
    let writes = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(Pool {
        pool,
        backend,
        writes,
    })
}

/// The file a SQLite URL names (`sqlite://points.db?…`, `sqlite:points.db`).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then_some(path)
}

/// The SQLite database holds shoppers' phone numbers and every order: its file and its
/// `-wal`/`-shm` companions are made readable by their owner only (group and other bits
/// cleared), whatever the umask gave them when they were created.
fn restrict_sqlite_files(url: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Some(path) = sqlite_path(url) else {
            return Ok(());
        };
        for file in [
            path.to_owned(),
            format!("{path}-wal"),
            format!("{path}-shm"),
        ] {
            let Ok(metadata) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))
                    .with_context(|| format!("making {file} readable by its owner only"))?;
                tracing::info!(
                    file,
                    was = format!("{:o}", mode & 0o777),
                    "database file made owner-only"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = url;
    Ok(())
}

/// Adds `mode=rwc` to a SQLite URL that names no mode, so the file is created on first start.
fn sqlite_create_if_missing(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Timestamps are stored as fixed-width UTC text, so string order is time order.
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `2026-04-18T10:05:12.123Z` for `at` (which must be UTC).
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// A stored timestamp read back; `None` if it is not in the stored form.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(text, TIMESTAMP)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// The current time as stored.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// The time `ago` before now, as stored.
pub fn before_now(ago: std::time::Duration) -> String {
    timestamp(OffsetDateTime::now_utc() - ago)
}

/// The time `ahead` after now, as stored.
pub fn after_now(ahead: std::time::Duration) -> String {
    timestamp(OffsetDateTime::now_utc() + ahead)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn a_sqlite_database_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("pk-perm-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("points.db");
        // As an earlier release or `touch` under umask 022 left it.
        std::fs::write(&file, b"").expect("create");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let url = format!("sqlite://{}", file.display());
        let pool = connect(&url).await.expect("connect");
        sqlx::query("SELECT 1")
            .execute(&pool.pool)
            .await
            .expect("query");
        for path in [
            file.clone(),
            dir.join("points.db-wal"),
            dir.join("points.db-shm"),
        ] {
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{} is {:o}", path.display(), mode & 0o777);
        }
        pool.pool.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The rule that makes rollback safe (see [`SQLITE_MIGRATOR`]): from migration 0011 on,
    /// a migration only adds, so the release before it still works on the schema it leaves.
    /// (0007 renamed a column before the rule.)
    #[test]
    fn migrations_only_add() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut checked = 0;
        for backend in ["sqlite", "postgres"] {
            for entry in std::fs::read_dir(root.join(backend)).expect("migrations") {
                let path = entry.expect("entry").path();
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                let version: u32 = name[..4].parse().expect("numbered");
                let sql = std::fs::read_to_string(&path)
                    .expect("read")
                    .to_ascii_uppercase();
                let code: String = sql
                    .lines()
                    .map(|line| line.split("--").next().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" ");
                checked += 1;
                if version <= 10 {
                    continue;
                }
                for word in ["DROP ", "RENAME", "ALTER COLUMN", "ALTER TABLE ONLY"] {
                    assert!(
                        !code.contains(word),
                        "{backend}/{name} has {word:?}: not additive"
                    );
                }
                for add in code.split("ADD COLUMN").skip(1) {
                    let column = add.split([',', ';']).next().unwrap_or_default();
                    assert!(
                        !column.contains("NOT NULL") || column.contains("DEFAULT"),
                        "{backend}/{name}: a NOT NULL column without DEFAULT breaks older inserts"
                    );
                }
            }
        }
        assert!(
            checked >= 20,
            "both backends' migrations were read ({checked})"
        );
    }

    #[test]
    fn urls_choose_the_backend_and_sqlite_files_are_created() {
        assert_eq!(Backend::of("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("sqlite://x.db"), Backend::Sqlite);
        assert_eq!(
            sqlite_create_if_missing("sqlite://x.db"),
            "sqlite://x.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite://x.db?cache=shared"),
            "sqlite://x.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
    }

    #[test]
    fn timestamps_are_fixed_width_utc() {
        assert_eq!(
            timestamp(datetime!(2026-04-18 10:05:12 UTC)),
            "2026-04-18T10:05:12.000Z"
        );
        assert_eq!(
            timestamp(datetime!(2026-04-18 13:05:12.5 +03:00)),
            "2026-04-18T10:05:12.500Z"
        );
        let at = datetime!(2026-04-18 10:05:12.5 UTC);
        assert_eq!(parse_timestamp(&timestamp(at)), Some(at));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
