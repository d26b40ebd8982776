//! Writing scored events. One writer per server commits events in batches: every event
//! touches the same last pages of the events table and its time indexes, and one commit for
//! many events writes those pages (and, on PostgreSQL, flushes the log) once instead of once
//! per event. A request is answered only after its batch committed, so no acknowledged event
//! is lost.
//!
//! The writer is a task that sends each batch to PostgreSQL in one call of a function that
//! writes its rows (`postgres.rs`), or, on SQLite, a thread of its own that runs the batch's
//! statements on its own connection (`sqlite.rs`), which writes the WAL once a commit
//! (`gathered_wal.rs`), with another thread that checkpoints the WAL (`checkpoint.rs`).

mod checkpoint;
mod gathered_wal;
mod postgres;
mod sqlite;

use std::path::Path;

use tokio::sync::{mpsc, oneshot};

pub(crate) use sqlite::query_row;

use crate::packed_json::StoredJson;
use crate::{Result, StoreError};

/// Most events committed together. More waiting requests wait for the next batch, which
/// starts as soon as this one committed.
const MAX_BATCH: usize = 64;
/// Requests that may wait for the writer; more wait to be queued.
const QUEUE: usize = 1024;

/// One event's rows, owned so that it can wait for its batch.
#[derive(Debug)]
pub(crate) struct EventWrite {
    pub tenant_id: String,
    pub id: String,
    pub visitor_id: String,
    pub visitor_is_new: bool,
    /// Keys seen for the first time, to link to the visitor.
    pub key_links: Vec<(&'static str, String)>,
    pub event_type: &'static str,
    pub now: i64,
    pub external_user_id: Option<String>,
    pub email: Option<String>,
    pub user_key: String,
    pub ip: Option<String>,
    pub payload_id: Option<String>,
    pub risk_score: i32,
    pub risk_band: &'static str,
    pub decision: &'static str,
    pub triggered: String,
    pub device_json: StoredJson,
    pub checks_json: StoredJson,
    pub signals_json: StoredJson,
    pub email_normalized: Option<String>,
    pub ip_country: Option<String>,
    pub phone: Option<String>,
    pub phone_range: Option<String>,
    pub referrer_user_id: Option<String>,
    pub promo_code: Option<String>,
    /// The API key whose last use to record.
    pub touch_key: Option<String>,
    /// A webhook payload and the decision pattern of the webhooks to queue it for.
    pub notify: Option<(String, String)>,
}

// The statements of SQLite's writer. PostgreSQL's writes the same rows in one call of the
// function `doorman_write_events` (migration 0022 last): a change to one is a change to both.
// `email_domain` is the normalised email's domain, as PostgreSQL generates it (migration 0019).
pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (tenant_number, id, event_type, created_at, external_user_id, \
    email, user_key, ip, visitor_id, payload_id, risk_score, risk_band, decision, triggered_rules, device_json, \
    checks_json, signals_json, email_normalized, ip_country, phone, phone_range, referrer_user_id, promo_code, \
    email_domain) \
    VALUES ((SELECT number FROM tenants WHERE id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
    CASE WHEN instr($18, '@') > 0 THEN substr($18, instr($18, '@') + 1) END)";
/// Links a user to a device, or records that they were seen together again, as for visitors
/// (see `UPSERT_VISITOR`) once a minute.
pub(crate) const LINK_USER: &str =
    "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, \
    last_seen_at) VALUES ($1, $2, $3, $4, $4) \
    ON CONFLICT (tenant_id, visitor_id, user_key) DO UPDATE SET last_seen_at = excluded.last_seen_at \
    WHERE device_users.last_seen_at <= excluded.last_seen_at - 60000";
pub(crate) const TOUCH_KEY: &str = "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2";

/// The owner of a key, read after linking: when two requests of a new device race, both
/// name a new visitor, one link wins, and the other event joins the winner's visitor.
pub(crate) const KEY_OWNER: &str =
    "SELECT visitor_id FROM visitor_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3";

/// An event to write, and where to say under which visitor it was stored.
type Job = (EventWrite, oneshot::Sender<Result<String>>);

/// The writer's queue.
#[derive(Clone)]
pub(crate) enum BatchWriter {
    Postgres(mpsc::Sender<Job>),
    Sqlite(mpsc::Sender<sqlite::Task>),
}

/// What a request gets when the writer is gone: it ends only when the store is dropped,
/// when the server shuts down.
fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl BatchWriter {
    /// Starts the writer task on the PostgreSQL pool.
    pub(crate) fn postgres(pool: sqlx::PgPool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(postgres::run(pool, queue));
        Self::Postgres(jobs)
    }

    /// Starts the writer thread on the SQLite database at `path`, which must exist.
    pub(crate) fn sqlite(path: &Path, sync: crate::db::SqliteSync) -> Result<Self> {
        let (tasks, queue) = mpsc::channel(QUEUE);
        sqlite::spawn(path, queue, sync)?;
        checkpoint::spawn(path, tasks.downgrade(), sync)?;
        Ok(Self::Sqlite(tasks))
    }

    /// Writes one event with the next batch; returns, when that batch committed, the
    /// visitor the event was stored under.
    pub(crate) async fn write(&self, write: EventWrite) -> Result<String> {
        let (reply, done) = oneshot::channel();
        match self {
            Self::Postgres(jobs) => jobs.send((write, reply)).await.map_err(|_| stopped())?,
            Self::Sqlite(tasks) => {
                tasks.send(sqlite::Task::Write((write, reply))).await.map_err(|_| stopped())?
            }
        }
        done.await.map_err(|_| stopped())?
    }

    /// Runs `read` on SQLite's writer connection between two batches, for the reads every
    /// event makes (see `sqlite.rs`).
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let Self::Sqlite(tasks) = self else {
            return Err(StoreError::Invalid("only SQLite reads through the event writer".into()));
        };
        let (reply, done) = oneshot::channel();
        let task = sqlite::Task::Read(Box::new(move |conn| {
            let _ = reply.send(read(conn));
        }));
        tasks.send(task).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }
}
