use doorman_store::Store;
use sqlx::Connection;

/// A fresh, migrated store, and what to remove when the test is done.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    /// Closes the store and drops its PostgreSQL database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(name) = self.pg_name {
            let mut admin = sqlx::PgConnection::connect(&postgres_admin_url()).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), 4).await.unwrap();
    store.migrate().await.unwrap();
    TestDb { store, _dir: Some(dir), pg_name: None }
}

fn postgres_admin_url() -> String {
    std::env::var("DOORMAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new database on the test server, named uniquely so tests can run in parallel.
pub async fn postgres() -> TestDb {
    let admin_url = postgres_admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} (set DOORMAN_TEST_POSTGRES_URL): {e}"));
    let name = format!("doorman_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let store = Store::connect(&format!("{base}/{name}"), 4).await.unwrap();
    store.migrate().await.unwrap();
    TestDb { store, _dir: None, pg_name: Some(name) }
}

/// Declares one test per backend from an async fn taking a `Store`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::backends::sqlite().await;
                super::$name(db.store.clone()).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = $crate::backends::postgres().await;
                super::$name(db.store.clone()).await;
                db.cleanup().await;
            }
        }
    };
}
