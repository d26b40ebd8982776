//! PostgreSQL connections for the two reads every event makes: its API key and its linkage
//! query. sqlx's pool tests every connection it gets back with a round trip to the server,
//! two per event; these connections skip that test. A read that finished leaves its
//! connection clean, so it goes back to the idle list. One that failed, or whose request
//! was dropped halfway, may have left a reply unread: its connection is dropped instead.

use std::sync::Mutex;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::Result;

pub(crate) struct ReadConnections {
    idle: Mutex<Vec<PgConnection>>,
    /// One per connection that may be open.
    permits: Semaphore,
    options: PgConnectOptions,
}

/// A connection out for one read. Dropped without [`Lease::give_back`], it drops the
/// connection, which closes it.
pub(crate) struct Lease<'a> {
    conn: PgConnection,
    /// Whether the connection waited idle, and so may have broken meanwhile.
    pub reused: bool,
    home: &'a ReadConnections,
    _permit: SemaphorePermit<'a>,
}

impl Lease<'_> {
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Puts the connection back in the idle list, after a read that finished.
    pub(crate) fn give_back(self) {
        if let Ok(mut idle) = self.home.idle.lock() {
            idle.push(self.conn);
        }
    }
}

/// Whether a read failed because its connection broke.
pub(crate) fn broken<T>(result: &Result<T, sqlx::Error>) -> bool {
    matches!(result, Err(err) if crate::error::connection_broke(err))
}

impl ReadConnections {
    pub(crate) fn new(options: PgConnectOptions, max: usize) -> Self {
        Self { idle: Mutex::new(Vec::new()), permits: Semaphore::new(max.max(1)), options }
    }

    /// An idle connection, else a new one once fewer than the most are open.
    pub(crate) async fn lease(&self) -> Result<Lease<'_>> {
        let permit = self.permits.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let (conn, reused) = match idle {
            Some(conn) => (conn, true),
            None => (PgConnection::connect_with(&self.options).await?, false),
        };
        Ok(Lease { conn, reused, home: self, _permit: permit })
    }

    /// A new connection in place of `lease`'s, which broke.
    pub(crate) async fn replace<'a>(&'a self, lease: Lease<'a>) -> Result<Lease<'a>> {
        let Lease { _permit, .. } = lease;
        let conn = PgConnection::connect_with(&self.options).await?;
        Ok(Lease { conn, reused: false, home: self, _permit })
    }

    /// Closes the idle connections and refuses new reads.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = self.idle.lock().map(|mut idle| std::mem::take(&mut *idle)).unwrap_or_default();
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

/// Runs the read `$body` (a future of a `sqlx` result) with `$conn` bound to one of
/// `$reads`' connections. A connection that broke while idle (the server restarted, say)
/// fails the first read on it; the read then runs again on a new connection, as a read may.
macro_rules! on_read_connection {
    ($reads:expr, $conn:ident => $body:expr) => {{
        let reads = $reads;
        let mut lease = reads.lease().await?;
        let mut result = {
            let $conn = lease.conn();
            $body.await
        };
        if lease.reused && $crate::read_connections::broken(&result) {
            lease = reads.replace(lease).await?;
            result = {
                let $conn = lease.conn();
                $body.await
            };
        }
        if result.is_ok() {
            lease.give_back();
        }
        result
    }};
}
pub(crate) use on_read_connection;
