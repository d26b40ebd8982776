//! The connection pool over either backend, and the macro that runs one piece of SQL code
//! on whichever pool is configured.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::read_connections::ReadConnections;
use crate::{Result, StoreError};

/// Settings of every SQLite connection, sqlx's and the event writer's alike, besides
/// [`SqliteSync`]. Statement journals and temporary tables stay in memory: many-row
/// statements inside a transaction wrote a journal file page by page. Checkpoints are left to
/// `event_writer/checkpoint.rs`, off the write path.
pub(crate) const SQLITE_PRAGMAS: &[(&str, &str)] = &[
    ("busy_timeout", "5000"),
    ("foreign_keys", "ON"),
    ("temp_store", "MEMORY"),
    ("wal_autocheckpoint", "0"),
];

/// Sets SQLite up before the process opens its first database, which SQLite requires: its
/// count of the memory it holds off (each of its allocations and frees took a lock of the
/// whole library to keep that count, which nothing here reads: at a million events a
/// twentieth of the event writer's time, see docs/performance.md, "The event writer's
/// cache"), and its page cache wrapped so that a commit does not walk it (`page_cache.rs`).
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: MEMSTATUS takes and returns plain integers. Once SQLite is initialised it
        // refuses both settings (SQLITE_MISUSE) and changes nothing, as when a test process
        // opened a database before; a server opens none before this. Either only saves time.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
        }
        crate::page_cache::install();
    });
}

/// What a committed SQLite write survives (`PRAGMA synchronous`, in WAL mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// A crash of the process (SIGKILL, a panic, the OOM killer): the commit is in the
    /// operating system's hands. A power loss can take the last commits.
    #[default]
    Normal,
    /// A power loss too: every commit waits for the disk.
    Full,
}

impl SqliteSync {
    pub fn as_str(self) -> &'static str {
        match self {
            SqliteSync::Normal => "NORMAL",
            SqliteSync::Full => "FULL",
        }
    }
}

impl FromStr for SqliteSync {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "normal" => Ok(SqliteSync::Normal),
            "full" => Ok(SqliteSync::Full),
            _ => Err(format!("{text}: expected normal or full")),
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool, so each query is written once and
/// compiled for both drivers.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Like [`with_pool!`] on the pool for writes: SQLite's one writer connection, or the
/// PostgreSQL pool. Every transaction that writes runs here.
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.writer {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_writer;

/// A single writing statement, on the pool for writes: gives the rows affected, the part of
/// the drivers' differing result types that callers need.
macro_rules! execute {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.writer {
            $crate::db::Pool::Sqlite($pool) => $body.map(|done| done.rows_affected()),
            $crate::db::Pool::Postgres($pool) => $body.map(|done| done.rows_affected()),
        }
    };
}
pub(crate) use execute;

/// `text` as a LIKE pattern (with `ESCAPE '\\'`) that matches it literally anywhere.
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Handle to the database. Cheap to clone; all clones share the pools.
#[derive(Clone)]
pub struct Store {
    /// For reads.
    pub(crate) pool: Pool,
    /// For writes other than events'. SQLite lets one connection write at a time, and a
    /// writer that finds the database locked sleeps and retries in growing steps: one
    /// connection makes these writes queue in the pool instead, in order, without sleeping.
    /// Only the event writer's own connection competes with it. PostgreSQL writes
    /// concurrently: the same pool.
    pub(crate) writer: Pool,
    /// Each tenant's effective rule settings with the versions they were read at.
    pub(crate) settings: crate::settings::SettingsCache,
    pub(crate) tenant_numbers: crate::tenants::TenantNumbers,
    /// What was read of API keys in the last second.
    pub(crate) principals: crate::principals::Principals,
    /// The batching event writer, which on SQLite also reads the linkage of events.
    pub(crate) events: crate::event_writer::BatchWriter,
    /// On PostgreSQL, the connections for the reads every event makes.
    pub(crate) reads: Option<Arc<ReadConnections>>,
}

impl Store {
    /// Connects to `url` (`sqlite:PATH` or `postgres://...`). A SQLite file is created when
    /// missing. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(url, max_connections, SqliteSync::default()).await
    }

    /// Like [`Store::connect`], with SQLite's durability `sync` (PostgreSQL's is the server's).
    pub async fn connect_with(url: &str, max_connections: u32, sync: SqliteSync) -> Result<Self> {
        if url.starts_with("sqlite:") {
            configure_sqlite();
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL lets the dashboard read while ingest writes.
                .journal_mode(SqliteJournalMode::Wal)
                .pragma("synchronous", sync.as_str());
            for (name, value) in SQLITE_PRAGMAS {
                options = options.pragma(*name, *value);
            }
            // The event writer opens the file again, which one in memory would not be.
            if sqlite_in_memory(url) {
                return Err(StoreError::UnsupportedUrl(format!(
                    "{} (in memory; give a file path)",
                    redact(url)
                )));
            }
            // The writer first: it creates the file, and the readers then find it in WAL mode.
            // A connection is not pinged before each use: with SQLite every statement is a
            // round trip to the connection's own thread.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await?;
            let readers = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let events = crate::event_writer::BatchWriter::sqlite(options.get_filename(), sync)?;
            Ok(Self {
                pool: Pool::Sqlite(readers),
                writer: Pool::Sqlite(writer),
                settings: Default::default(),
                tenant_numbers: Default::default(),
                principals: Default::default(),
                events,
                reads: None,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // Statements are prepared once per connection, but PostgreSQL plans them anew
            // for their values on every run until it trusts a generic plan. The linkage
            // query took 2 ms to plan for 0.3 ms to run. Every statement here is an indexed
            // lookup by key whose best plan does not depend on the values: plan it once.
            let options =
                PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_generic_plan")]);
            // Half the connections serve the two reads of every event, the rest (at least two:
            // the event writer keeps one) everything else.
            let for_reads = max_connections.div_ceil(2);
            let reads = Arc::new(ReadConnections::new(options.clone(), for_reads as usize));
            // The pool tests each connection before use, a round trip, so that one the server
            // ended (a restart, say) is not handed out. Ingest rarely pays it: the reads have
            // their own connections, and the event writer keeps its connection while busy.
            let pool = PgPoolOptions::new()
                .max_connections((max_connections - for_reads).max(2))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            let events = crate::event_writer::BatchWriter::postgres(pool.clone());
            let pool = Pool::Postgres(pool);
            Ok(Self {
                pool: pool.clone(),
                writer: pool,
                settings: Default::default(),
                tenant_numbers: Default::default(),
                principals: Default::default(),
                events,
                reads: Some(reads),
            })
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    /// PostgreSQL's connections for the reads every event makes.
    pub(crate) fn reads(&self) -> Result<&ReadConnections> {
        self.reads
            .as_deref()
            .ok_or_else(|| StoreError::Invalid("only PostgreSQL has read connections".into()))
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match &self.writer {
            Pool::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers: what `/readyz` reports.
    /// What a commit survives on this store, for the log at start: SQLite's `synchronous`,
    /// or `None` on PostgreSQL, where the server's settings decide.
    pub async fn sqlite_synchronous(&self) -> Result<Option<SqliteSync>> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Ok(None);
        };
        let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(pool).await?;
        Ok(Some(if level >= 2 { SqliteSync::Full } else { SqliteSync::Normal }))
    }

    pub async fn ping(&self) -> Result<()> {
        execute!(self, pool => sqlx::query("SELECT 1").execute(pool).await)?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(reads) = &self.reads {
            reads.close().await;
        }
        with_pool!(self, pool => pool.close().await);
        with_writer!(self, pool => pool.close().await);
    }
}

/// Whether a SQLite URL names an in-memory database, as sqlx reads it: `:memory:` as the path
/// or `mode=memory` in the query.
fn sqlite_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, SqliteSync};

    #[test]
    fn redacts_credentials() {
        assert_eq!(redact("mysql://u:p@h/db"), "mysql://***@h/db");
        assert_eq!(redact("foo.db"), "foo.db");
    }

    /// The event writer opens the file a second time, which an in-memory database has not.
    #[tokio::test]
    async fn sqlite_durability_is_a_setting() {
        let dir = tempfile::tempdir().unwrap();
        for (name, sync) in [("normal.db", SqliteSync::Normal), ("full.db", SqliteSync::Full)] {
            let url = format!("sqlite:{}", dir.path().join(name).display());
            let store = super::Store::connect_with(&url, 2, sync).await.unwrap();
            assert_eq!(store.sqlite_synchronous().await.unwrap(), Some(sync));
            store.close().await;
        }
        assert_eq!("FULL".parse::<SqliteSync>(), Ok(SqliteSync::Full));
        assert!("off".parse::<SqliteSync>().is_err(), "a setting that loses commits is not offered");
    }

    #[tokio::test]
    async fn in_memory_sqlite_is_refused_with_a_clear_error() {
        for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite://?mode=memory&cache=shared"] {
            let err = super::Store::connect(url, 1).await.err().expect("refused");
            assert!(matches!(err, crate::StoreError::UnsupportedUrl(_)), "{url}: {err}");
            assert!(err.to_string().contains("give a file path"), "{url}: {err}");
        }
        assert!(!super::sqlite_in_memory("sqlite:/tmp/memory.db?mode=rwc"));
    }

    #[test]
    fn like_patterns_match_their_text_literally() {
        assert_eq!(super::contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
