//! Throwaway databases for tests (feature `testing`): a SQLite file in a temporary folder,
//! or a uniquely named database on the PostgreSQL server at `DOORMAN_TEST_POSTGRES_URL`
//! (default: the local server on 127.0.0.1:5432), dropped when the test is done.

use sqlx::Connection;

use crate::db::with_pool;
use crate::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated store; its database goes away when this is dropped.
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with, for a second process or pool on the same data.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => sqlite().await,
            Backend::Postgres => postgres().await,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its
        // own with its own runtime removes the database (FORCE ends the pool's connections).
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&postgres_admin_url()).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

pub async fn sqlite() -> TestDb {
    let db = unmigrated(Backend::Sqlite).await;
    db.store.migrate().await.expect("migrate SQLite");
    db
}

/// A store on a fresh database migrated up to the migration before the one named
/// `description` (its file name without the number, as `tenant_numbers`), to test how that
/// migration carries an earlier build's rows. [`Store::migrate`] applies the rest.
pub async fn migrated_before(backend: Backend, description: &str) -> TestDb {
    let db = unmigrated(backend).await;
    let mut migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    let wanted = description.replace('_', " ");
    let at = migrator
        .iter()
        .position(|m| m.description == wanted)
        .unwrap_or_else(|| panic!("no {backend:?} migration {description:?}"));
    migrator.migrations = std::borrow::Cow::Owned(migrator.migrations[..at].to_vec());
    with_pool!(db.store, pool => migrator.run(pool).await).expect("migrate");
    db
}

async fn unmigrated(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = format!("sqlite:{}", dir.path().join("t.db").display());
            let store = Store::connect(&url, 4).await.expect("open SQLite");
            TestDb { store, url, _dir: Some(dir), pg_name: None }
        }
        Backend::Postgres => unmigrated_postgres().await,
    }
}

fn postgres_admin_url() -> String {
    std::env::var("DOORMAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new database on the test server, named uniquely so tests can run in parallel.
pub async fn postgres() -> TestDb {
    let db = unmigrated_postgres().await;
    db.store.migrate().await.expect("migrate PostgreSQL");
    db
}

async fn unmigrated_postgres() -> TestDb {
    let admin_url = postgres_admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} (set DOORMAN_TEST_POSTGRES_URL): {e}"));
    let name = format!("doorman_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let (base, _) = admin_url.rsplit_once('/').expect("a database URL ends in /NAME");
    let url = format!("{base}/{name}");
    let store = Store::connect(&url, 8).await.expect("open PostgreSQL");
    TestDb { store, url, _dir: None, pg_name: Some(name) }
}

/// Declares, for each named `async fn(fixture)`, one `#[tokio::test]` per backend, the
/// fixture made by `setup(Backend)`: `on_both_backends!(TestDb::new => reads_back);`.
#[macro_export]
macro_rules! on_both_backends {
    ($setup:expr => $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::testing::Backend;

            #[tokio::test]
            async fn sqlite() {
                super::$name(($setup)(Backend::Sqlite).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(($setup)(Backend::Postgres).await).await;
            }
        }
    )+};
}
