//! Rolling back a release: the previous binary starts on the schema a newer release left behind.
//!
//! Migrations only add (nullable or defaulted columns, tables, indexes), so an older release
//! works on a newer schema; the migrator is told to ignore applied migrations it does not know
//! (sqlx refuses them by default, which stopped every instance and so webhook intake).

use sqlx::any::AnyPoolOptions;

use crate::helpers::{FreshDatabase, Options, order_event, spawn_app_with};

/// What a newer release does to the database: an additive change, recorded as its migration.
async fn migrate_as_a_newer_release(url: &str) {
    let current = server::db::connect(url).await.expect("the current schema");
    drop(current);
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect");
    sqlx::query("ALTER TABLE orders ADD COLUMN from_a_newer_release TEXT")
        .execute(&pool)
        .await
        .expect("the newer release's change");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from a newer release', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(&pool)
    .await
    .expect("the newer release's migration record");
    pool.close().await;
}

/// This release on that schema: it starts, takes a checkout and applies a verified webhook.
async fn this_release_still_serves(url: String) {
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Options::default()
    })
    .await;
    let order_number = app.checkout_one_oud().await;
    let uuid = app.paid_at_points(&order_number).await;
    let approved = order_event("approved", &order_number, &uuid, "approved");
    assert_eq!(app.deliver(&approved).await.status(), 200);
    app.wait_for_inbox_drained().await;
    assert_eq!(app.order_state(&order_number).await, "confirmed");
}

#[tokio::test]
async fn an_older_release_starts_on_a_newer_sqlite_schema() {
    let dir = crate::helpers::TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("server.db").display());
    migrate_as_a_newer_release(&url).await;
    this_release_still_serves(url).await;
}

#[tokio::test]
async fn an_older_release_starts_on_a_newer_postgres_schema() {
    let Some(database) = FreshDatabase::create().await else {
        return;
    };
    migrate_as_a_newer_release(&database.url).await;
    this_release_still_serves(database.url.clone()).await;
}
