//! SQLite's event writer: a thread of its own with its own connection, which runs each
//! batch's statements one after another in one transaction and commits it. Through sqlx every
//! statement is a message to the connection's thread and a reply back, each waking a thread:
//! the writer spent more time waking and being woken than writing, and every event waited
//! for it. Here a batch costs a wake-up on the way in and one reply per event.
//!
//! The same thread runs the reads every event makes before it is scored: its API key and its
//! linkage. A connection's page cache is dropped whenever another connection has written
//! since its last read, so on a reader every such query read all its pages again from the
//! file, while the writer's cache holds what the last batches touched. Moving the linkage
//! here took the readers' CPU per event from more than the writer's to nothing. The writer
//! maps the file and keeps a larger page cache than SQLite's 2 MB, which its commits no
//! longer walk (`page_cache.rs`).
//!
//! The store's other writes keep their own connection. SQLite lets one of them write at a
//! time; the other waits for the lock (`busy_timeout`).

use std::path::Path;

use rusqlite::types::{ToSql, Value};
use rusqlite::{Connection, OpenFlags, Row, Statement, TransactionBehavior};
use tokio::sync::mpsc;

use super::{EventWrite, Job, INSERT_EVENT, KEY_OWNER, LINK_USER, MAX_BATCH, TOUCH_KEY};
use crate::db::{SqliteSync, SQLITE_PRAGMAS};
use crate::visitors::{LINK_KEY, UPSERT_VISITOR};
use crate::webhooks::ENQUEUE_DELIVERIES;
use crate::{Result, StoreError};

/// How much of the database file the writer maps into memory: SQLite's ceiling in this
/// build, 2 GB.
const WRITER_MMAP_BYTES: i64 = 0x7fff_0000;
/// The writer's page cache, in KiB: 64 MB, where SQLite's default is 2. At a million events
/// the indexes' inner pages alone take more than 2 MB, so every descent to a leaf read some
/// of them again, and pages an earlier batch changed came back from the WAL with a system
/// call each (see docs/performance.md, "The event writer's cache").
const WRITER_CACHE_KIB: i64 = 65_536;

/// What the thread is asked to do. A write is large, but queued by value: one task of each
/// kind comes with every event, and boxing would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Task {
    Write(Job),
    /// A read, which sends its own answer. It must not panic: that would end the thread.
    Read(Box<dyn FnOnce(&Connection) + Send>),
}

/// Opens the writer's connection to the database at `path` and starts the thread that
/// serves the queue until every sender is gone.
pub(super) fn spawn(path: &Path, queue: mpsc::Receiver<Task>, sync: SqliteSync) -> Result<()> {
    // It writes each commit's WAL frames in one go: see `gathered_wal.rs`.
    let vfs = super::gathered_wal::vfs_name()?;
    let mut conn = settings(Connection::open_with_flags_and_vfs(path, OpenFlags::default(), vfs)?, sync)?;
    conn.set_prepared_statement_cache_capacity(32);
    // Reads of pages not in the cache come from the mapped file instead of a system call
    // and a copy each: at a million events most of an event's index pages are not, and
    // reading them took two fifths of this thread's time.
    let _mapped: i64 =
        conn.query_row(&format!("PRAGMA mmap_size = {WRITER_MMAP_BYTES}"), [], |row| row.get(0))?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    std::thread::Builder::new()
        .name("sqlite-events".into())
        .spawn(move || serve(&mut conn, queue))
        .map_err(StoreError::WriterStart)?;
    Ok(())
}

/// A connection to the database at `path` with the store's settings.
pub(super) fn open(path: &Path, sync: SqliteSync) -> Result<Connection> {
    settings(Connection::open(path)?, sync)
}

/// `conn` with the store's settings.
fn settings(conn: Connection, sync: SqliteSync) -> Result<Connection> {
    for (name, value) in SQLITE_PRAGMAS {
        conn.pragma_update(None, name, value)?;
    }
    conn.pragma_update(None, "synchronous", sync.as_str())?;
    Ok(conn)
}

/// Answers reads as they come and commits the writes waiting at each turn in one batch.
fn serve(conn: &mut Connection, mut queue: mpsc::Receiver<Task>) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch: Vec<Job> = Vec::new();
        let mut next = Some(first);
        while let Some(task) = next.take() {
            match task {
                Task::Write(job) => batch.push(job),
                Task::Read(read) => read(conn),
            }
            if batch.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            commit_batch(conn, batch);
        }
    }
}

/// The first row of the store's query `sql` with `values` for `$1`, `$2`…, read with `read`;
/// the statement is prepared once per connection.
pub(crate) fn query_row<T>(
    conn: &Connection,
    sql: &str,
    values: &[Value],
    read: impl FnOnce(&Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut statement = conn.prepare_cached(sql)?;
    let values: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
    bind_numbered(&mut statement, &values)?;
    let mut rows = statement.raw_query();
    rows.next()?.map(read).transpose()
}

/// Commits `batch` and answers its events.
fn commit_batch(conn: &mut Connection, mut batch: Vec<Job>) {
    let writes: Vec<&EventWrite> = batch.iter().map(|(w, _)| w).collect();
    match commit(conn, &writes) {
        Ok(visitors) => batch.into_iter().zip(visitors).for_each(|((_, reply), visitor)| {
            let _ = reply.send(Ok(visitor));
        }),
        // The batch was rolled back: each event is written alone, so that only the one that
        // fails is refused.
        Err(_) if batch.len() > 1 => {
            for (write, reply) in batch {
                let _ = reply.send(commit(conn, &[&write]).map(|mut v| v.remove(0)));
            }
        }
        Err(err) => {
            if let Some((_, reply)) = batch.pop() {
                let _ = reply.send(Err(err));
            }
        }
    }
}

/// Writes `writes` in one transaction, in order: each event's key links, visitor, event row,
/// device-user link and rarer rows. Gives the visitor each event was stored under.
fn commit(conn: &mut Connection, writes: &[&EventWrite]) -> Result<Vec<String>> {
    // Taking the write lock first: a transaction that read first and then found the
    // database changed by the store's other writer could not write at all.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let visitors = writes.iter().map(|w| write_event(&tx, w)).collect::<Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(visitors)
}

fn write_event(conn: &Connection, w: &EventWrite) -> Result<String> {
    for (kind, value) in &w.key_links {
        run(conn, LINK_KEY, &[&w.tenant_id, kind, value, &w.visitor_id, &w.now])?;
    }
    let mut visitor_id = w.visitor_id.clone();
    // When two requests of a new device race, both name a new visitor, one link wins, and
    // the other event joins the winner's visitor.
    if let (true, Some((kind, value))) = (w.visitor_is_new, w.key_links.first()) {
        let mut owner = conn.prepare_cached(KEY_OWNER)?;
        bind_numbered(&mut owner, &[&w.tenant_id, kind, value])?;
        let mut rows = owner.raw_query();
        if let Some(row) = rows.next()? {
            visitor_id = row.get(0)?;
        }
    }
    run(conn, UPSERT_VISITOR, &[&w.tenant_id, &visitor_id, &w.now])?;
    run(
        conn,
        INSERT_EVENT,
        &[
            &w.tenant_id,
            &w.id,
            &w.event_type,
            &w.now,
            &w.external_user_id,
            &w.email,
            &w.user_key,
            &w.ip,
            &visitor_id,
            &w.payload_id,
            &w.risk_score,
            &w.risk_band,
            &w.decision,
            &w.triggered,
            &w.device_json,
            &w.checks_json,
            &w.signals_json,
            &w.email_normalized,
            &w.ip_country,
            &w.phone,
            &w.phone_range,
            &w.referrer_user_id,
            &w.promo_code,
        ],
    )?;
    if !w.user_key.is_empty() {
        run(conn, LINK_USER, &[&w.tenant_id, &visitor_id, &w.user_key, &w.now])?;
    }
    // A key's last use is recorded once a minute, webhooks only for decisions other than
    // ALLOW.
    if let Some(key_id) = &w.touch_key {
        run(conn, TOUCH_KEY, &[&w.tenant_id, key_id, &w.now])?;
    }
    if let Some((payload, pattern)) = &w.notify {
        run(conn, ENQUEUE_DELIVERIES, &[&w.tenant_id, &w.id, &w.user_key, payload, &w.now, pattern])?;
    }
    Ok(visitor_id)
}

/// Runs one of the store's statements, prepared once per connection.
fn run(conn: &Connection, sql: &str, values: &[&dyn ToSql]) -> Result<()> {
    let mut statement = conn.prepare_cached(sql)?;
    bind_numbered(&mut statement, values)?;
    statement.raw_execute()?;
    Ok(())
}

/// Binds `$n` of the store's SQL to `values[n - 1]`. SQLite numbers `$n` parameters in the
/// order they first appear, not by `n`, and a statement may name `$2` before `$1`.
fn bind_numbered(statement: &mut Statement<'_>, values: &[&dyn ToSql]) -> Result<()> {
    for index in 1..=statement.parameter_count() {
        let value = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| values.get(n.checked_sub(1)?))
            .ok_or_else(|| StoreError::Invalid(format!("statement parameter {index} has no value")))?;
        statement.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_numbered_parameters_by_their_number() {
        let conn = Connection::open_in_memory().unwrap();
        let mut statement = conn.prepare("SELECT $2 || '-' || $1 || '-' || $2").unwrap();
        bind_numbered(&mut statement, &[&"one", &"two"]).unwrap();
        let joined: String = statement.raw_query().next().unwrap().unwrap().get(0).unwrap();
        assert_eq!(joined, "two-one-two");
    }

    #[test]
    fn a_parameter_without_a_value_is_an_error() {
        let conn = Connection::open_in_memory().unwrap();
        let mut statement = conn.prepare("SELECT $1, $3").unwrap();
        assert!(bind_numbered(&mut statement, &[&1, &2]).is_err());
    }
}
