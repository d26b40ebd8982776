//! SQLite's WAL checkpoints, off the write path. By default the connection that commits copies
//! the WAL into the database file once the WAL holds 1,000 pages, and syncs the file to disk:
//! under ingest that is many times a second, and each time the one writer connection stalls,
//! with every event waiting for its batch to commit. Here the writer never checkpoints; a
//! reader connection does, every [`CHECKPOINT_EVERY`]: passively, neither waiting for nor
//! blocking anyone, and then, once the WAL file has grown past [`RESTART_AT_BYTES`], with a
//! restart. A passive checkpoint alone never lets the WAL start over while events keep
//! coming, so the file would grow without end; the restart waits for the writer's current
//! commit, copies the little the passive one left, and makes the next commit write the WAL
//! from its start again.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::time::MissedTickBehavior;

const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
const RESTART_AT_BYTES: u64 = 64 << 20;

/// Checkpoints the database at `path` on `pool` until the pool is closed.
pub(crate) fn spawn(pool: SqlitePool, path: PathBuf) {
    let mut wal = path.into_os_string();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            if let Err(err) = checkpoint(&pool, wal_bytes > RESTART_AT_BYTES).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %err, "WAL checkpoint failed; the next one retries");
            }
        }
    });
}

async fn checkpoint(pool: &SqlitePool, restart: bool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *conn).await?;
    if restart {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(&mut *conn).await?;
    }
    Ok(())
}
