//! SQLite's WAL checkpoints, off the write path. By default the connection that commits copies
//! the WAL into the database file once the WAL holds 1,000 pages, and syncs the file to disk:
//! under ingest that is many times a second, and each time the event writer stalls, with
//! every event waiting for its batch to commit. Here the writer never checkpoints on commit.
//! A thread of its own with its own connection copies what it can every
//! [`CHECKPOINT_EVERY`], passively, neither waiting for nor blocking anyone.
//!
//! A passive checkpoint alone never lets the WAL start over while events keep coming: the
//! writer adds pages while it copies, so some are always left, and the WAL would grow without
//! end. SQLite starts the WAL over at a commit that finds all of it copied, and the
//! checkpoint that copies the last page also syncs the database file. So once the WAL holds
//! more than [`START_OVER_AT_FRAMES`], this thread syncs the file and copies what was added
//! meanwhile, a little less each round, and then the event writer's own thread copies the
//! few pages left between two of its batches: its next commit starts the WAL over.
//!
//! Both parts matter on a large database, where every event changes pages all over its
//! indexes: at a million events the WAL grew by about 40 thousand pages a second. A
//! RESTART checkpoint from another connection held the write lock while it copied the rest
//! and synced the file, and a sync of a second's random pages took a quarter of a second,
//! with every event waiting. Should readers keep the writer's checkpoint from finishing
//! time after time, a RESTART checkpoint, which waits for them, keeps the WAL within
//! [`RESTART_AT_FRAMES`].

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{ffi, Connection};
use tokio::sync::{mpsc, oneshot};

use super::sqlite::{open, Task};
use crate::{Result, StoreError};

const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// 16 MB of 4 KB pages. Counted in the WAL's frames, as the passive checkpoint reports them,
/// not by the WAL file's size: a WAL that started over is written again from its start, and
/// the file keeps its largest size.
const START_OVER_AT_FRAMES: i64 = 4_096;
/// 1 GB: at a million events the WAL grew by about 170 MB a second, and much more than a second's
/// worth only when readers kept the writer's checkpoint from finishing.
const RESTART_AT_FRAMES: i64 = 262_144;
/// How many pages a round may copy and still leave few enough for the writer to copy; and
/// how many rounds may run to get there. At a million events four rounds still left the
/// writer 2 to 7 thousand pages to copy and sync, every event waiting 60 to 120 ms; eight
/// gave 1.05 × the events a second (docs/performance.md, "Where a million costs more").
const TAIL_FRAMES: i64 = 256;
const TAIL_ROUNDS: usize = 8;

/// Starts the thread that checkpoints the database at `path` until the event writer is gone.
pub(super) fn spawn(path: &Path, writer: mpsc::WeakSender<Task>, sync: crate::db::SqliteSync) -> Result<()> {
    let conn = open(path, sync)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || loop {
            // Every second from the last start: a checkpoint that started the WAL over took
            // a second or more at a million events, and the WAL grew by as much again while
            // this thread slept.
            let next = Instant::now() + CHECKPOINT_EVERY;
            let Some(writer) = writer.upgrade() else { break };
            if let Err(err) = checkpoint(&conn, &writer) {
                tracing::warn!(error = %err, "WAL checkpoint failed; the next one retries");
            }
            drop(writer);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        })
        .map_err(StoreError::WriterStart)?;
    Ok(())
}

/// What a checkpoint reports: the WAL's frames, and how many of them are in the database
/// file.
#[derive(Debug, Clone, Copy)]
struct Progress {
    frames: i64,
    copied: i64,
}

fn passive(conn: &Connection) -> Result<Progress> {
    Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(Progress { frames: row.get(1)?, copied: row.get(2)? })
    })?)
}

fn checkpoint(conn: &Connection, writer: &mpsc::Sender<Task>) -> Result<()> {
    let mut progress = passive(conn)?;
    if progress.frames > RESTART_AT_FRAMES {
        tracing::debug!(
            frames = progress.frames,
            "the WAL is large: checkpoint waits for readers and the writer"
        );
        conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))?;
        return Ok(());
    }
    if progress.frames <= START_OVER_AT_FRAMES {
        return Ok(());
    }
    for _ in 0..TAIL_ROUNDS {
        sync_database_file(conn)?;
        let before = progress.copied;
        progress = passive(conn)?;
        if progress.copied - before <= TAIL_FRAMES {
            break;
        }
    }
    sync_database_file(conn)?;

    let started = Instant::now();
    let (reply, done) = oneshot::channel();
    let finish = Task::Read(Box::new(move |conn| {
        let _ = reply.send(passive(conn));
    }));
    writer.blocking_send(finish).map_err(|_| super::stopped())?;
    let last = done.blocking_recv().map_err(|_| super::stopped())??;
    tracing::debug!(
        frames = last.frames,
        left_to_writer = last.frames - progress.copied,
        all_copied = last.copied == last.frames,
        took_ms = started.elapsed().as_secs_f64() * 1e3,
        "the event writer finished a WAL checkpoint"
    );
    Ok(())
}

/// Syncs the database file to disk through SQLite's own handle of it. Opening the file
/// again would not do: closing any descriptor of a file drops every POSIX lock the process
/// holds on it, SQLite's included.
fn sync_database_file(conn: &Connection) -> Result<()> {
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: the connection is open and used by this thread only; FILE_POINTER writes the
    // main database's file object, owned by the connection, into `file`.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&mut file as *mut *mut ffi::sqlite3_file).cast(),
        )
    };
    // SAFETY: a non-null file object of an open connection has its methods set.
    let sync = (rc == ffi::SQLITE_OK && !file.is_null())
        .then(|| unsafe { (*file).pMethods.as_ref() })
        .flatten()
        .and_then(|methods| methods.xSync);
    let Some(sync) = sync else {
        return Err(StoreError::Invalid("the database file cannot be synced".into()));
    };
    // SAFETY: `file` is the connection's open database file; xSync only syncs it.
    match unsafe { sync(file, ffi::SQLITE_SYNC_NORMAL) } {
        ffi::SQLITE_OK => Ok(()),
        code => Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None).into()),
    }
}
