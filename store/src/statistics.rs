//! PostgreSQL's planner statistics, kept current by the server. PostgreSQL plans every query
//! from them, and only its autovacuum gathers them on its own. Where autovacuum is off, a
//! database that started empty keeps the statistics of empty tables as it grows, and the
//! linkage read of every event scans the events table: filling one from empty on such a
//! server averaged about 70 events/s over its first 40 minutes (170 thousand stored), and went
//! on at 2,900 right after an `ANALYZE`. SQLite's planner does without them.

use crate::db::Pool;
use crate::{Result, Store};

/// The tables changed by more than a tenth of their rows since they were last analysed, with
/// autovacuum's own floor of 50 rows, so that where autovacuum is on it has usually done this
/// first.
const STALE_TABLES: &str = "SELECT relname::text FROM pg_stat_user_tables \
    WHERE schemaname = current_schema() AND n_mod_since_analyze > 50 + n_live_tup / 10 \
    ORDER BY relname";

impl Store {
    /// Analyses the tables whose statistics are stale (see [`STALE_TABLES`]) and gives their
    /// names; on SQLite none.
    pub async fn refresh_statistics(&self) -> Result<Vec<String>> {
        let Pool::Postgres(pool) = &self.pool else { return Ok(Vec::new()) };
        let stale: Vec<String> = sqlx::query_scalar(STALE_TABLES).fetch_all(pool).await?;
        for table in &stale {
            // A catalog name, quoted as an identifier: names cannot be bound.
            sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\""))).execute(pool).await?;
        }
        Ok(stale)
    }
}
