//! SQLite's WAL checkpoints, off the write path. By default the connection that commits copies
//! the WAL into the database file once the WAL holds 1,000 pages, and syncs the file to disk:
//! under ingest that is many times a second, and each time the one writer connection stalls,
//! with every event waiting for its batch to commit. Here the writer never checkpoints; a
//! reader connection does, every [`CHECKPOINT_EVERY`]: passively, neither waiting for nor
//! blocking anyone, and then, once the WAL holds more than [`RESTART_AT_FRAMES`], with a
//! restart. A passive checkpoint alone never lets the WAL start over while events keep
//! coming, so the file would grow without end; the restart waits for the writer's current
//! commit, copies the little the passive one left, and makes the next commit write the WAL
//! from its start again.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::time::MissedTickBehavior;

const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// 64 MB of 4 KB pages. Counted in the WAL's frames, as the passive checkpoint reports them,
/// not by the WAL file's size: a restarted WAL is written again from its start, and the file
/// keeps its largest size.
const RESTART_AT_FRAMES: i64 = 16_384;

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

async fn checkpoint(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    let (_busy, wal_frames, _checkpointed): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
    if wal_frames > RESTART_AT_FRAMES {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(&mut *conn).await?;
    }
    Ok(())
}
