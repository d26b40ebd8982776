//! Online backups of the embedded SQLite database, and their restore.
//!
//! A backup is `VACUUM INTO`: one read transaction copies a consistent snapshot into a new
//! file while ingest goes on writing. PostgreSQL has its own tools (`pg_dump`, base backups)
//! and is refused here with a pointer to them.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::db::Pool;
use crate::{Result, Store, StoreError};

impl Store {
    /// Writes a consistent copy of the database to `path`, which must not exist yet.
    pub async fn backup_to(&self, path: &Path) -> Result<()> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Invalid(
                "backup copies SQLite databases; for PostgreSQL use pg_dump (see README, Backups)".into(),
            ));
        };
        if path.exists() {
            return Err(StoreError::Conflict(format!("{} already exists", path.display())));
        }
        let target =
            path.to_str().ok_or_else(|| StoreError::Invalid("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await?;
        Ok(())
    }
}

/// Checks that `backup` is an intact Doorman database, then puts it in place of the SQLite
/// database at `database_url`. The server must be stopped: the database's write-ahead log is
/// discarded, as it belongs to the database being replaced.
pub async fn restore_sqlite(backup: &Path, database_url: &str) -> Result<()> {
    let target = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && *path != ":memory:")
        .ok_or_else(|| {
            StoreError::Invalid(
                "restore writes a SQLite file; for PostgreSQL use pg_restore (see README, Backups)".into(),
            )
        })?;
    verify_backup(backup).await?;
    let target = Path::new(target);
    let staged = target.with_extension("restoring");
    std::fs::copy(backup, &staged).map_err(|e| io_error("copy the backup", &e))?;
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", target.display());
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error("remove the old log", &e))
            }
            _ => {}
        }
    }
    // A rename in one directory is atomic: the database is the old one or the backup, never half.
    std::fs::rename(&staged, target).map_err(|e| io_error("move the backup in place", &e))?;
    Ok(())
}

async fn verify_backup(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Err(StoreError::NotFound("backup file"));
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?.filename(path).read_only(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let check: Result<()> = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await?;
        if integrity != "ok" {
            return Err(StoreError::Corrupt(format!("{}: {integrity}", path.display())));
        }
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await
            .map_err(|_| StoreError::Invalid(format!("{} is not a Doorman database", path.display())))?;
        if migrations == 0 {
            return Err(StoreError::Invalid(format!("{} is not a Doorman database", path.display())));
        }
        Ok(())
    }
    .await;
    pool.close().await;
    check
}

fn io_error(what: &str, err: &std::io::Error) -> StoreError {
    StoreError::Invalid(format!("cannot {what}: {err}"))
}
