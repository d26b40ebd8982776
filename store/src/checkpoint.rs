//! SQLite's WAL checkpoints, off the write path. By default the connection that commits copies
//! the WAL into the database file once the WAL holds 1,000 pages, and syncs the file to disk:
//! the one writer connection stalls that long, and with it every event waiting for its batch
//! to commit. Here the writer never checkpoints; a reader connection does, every
//! [`CHECKPOINT_EVERY`], passively: it neither waits for nor blocks readers and the writer.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::time::MissedTickBehavior;

const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints on `pool` until it is closed.
pub(crate) fn spawn(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = checkpoint(&pool).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %err, "WAL checkpoint failed; the next one retries");
            }
        }
    });
}

/// One passive checkpoint: as much of the WAL as no reader still needs. Gives the WAL's
/// length and how much of it is now in the database file, in pages.
pub(crate) async fn checkpoint(pool: &SqlitePool) -> sqlx::Result<(i64, i64)> {
    let (_busy, wal_pages, checkpointed): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    Ok((wal_pages, checkpointed))
}
