use sqlx::postgres::{PgDatabaseError, PgSeverity};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite: or postgres:): {0}")]
    UnsupportedUrl(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start the SQLite event writer: {0}")]
    WriterStart(std::io::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("password hashing failed")]
    Hash,
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] with `what` as message.
    pub(crate) fn conflict_on_unique(err: sqlx::Error, what: impl Into<String>) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(what.into()),
            _ => Self::Database(err),
        }
    }
}

/// Whether an error says the connection itself broke, rather than the statement failing:
/// the socket failed, or the server said FATAL, which it says as it ends a connection.
pub(crate) fn connection_broke(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(err) => err
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|err| matches!(err.severity(), PgSeverity::Fatal | PgSeverity::Panic)),
        _ => false,
    }
}
