//! PostgreSQL's planner statistics, kept current by the server. PostgreSQL plans every query
//! from them, and only its autovacuum gathers them on its own. Where autovacuum is off, a
//! database that started empty keeps the statistics of empty tables as it grows, and the
//! linkage read of every event scans the events table: filling one from empty on such a
//! server averaged about 70 events/s over its first 40 minutes (170 thousand stored), and went
//! on at 2,900 right after an `ANALYZE`. SQLite's planner does without them.
//!
//! Where autovacuum is off, nothing marks a table's pages all-visible either, so every index
//! lookup also reads the row it points to, even where the index holds every column the query
//! asks for; and the rows that retention and erasure delete are never reclaimed. The same
//! look vacuums the tables that autovacuum would have.

use crate::db::Pool;
use crate::{Result, Store};

/// The tables changed by more than a tenth of their rows since they were last analysed, with
/// autovacuum's own floor of 50 rows, so that where autovacuum is on it has usually done this
/// first.
const STALE_TABLES: &str = "SELECT relname::text FROM pg_stat_user_tables \
    WHERE schemaname = current_schema() AND n_mod_since_analyze > 50 + n_live_tup / 10 \
    ORDER BY relname";

/// The tables autovacuum would vacuum by its default thresholds: more than a fifth of their rows
/// dead (and 50), or as many inserted since their last vacuum (and 1,000).
const UNVACUUMED_TABLES: &str = "SELECT relname::text FROM pg_stat_user_tables \
    WHERE schemaname = current_schema() \
    AND (n_dead_tup > 50 + n_live_tup / 5 OR n_ins_since_vacuum > 1000 + n_live_tup / 5) \
    ORDER BY relname";

/// What one look did, by table name.
#[derive(Debug, Default, PartialEq)]
pub struct Maintained {
    pub vacuumed: Vec<String>,
    pub analysed: Vec<String>,
}

impl Store {
    /// Vacuums the tables autovacuum would have (see [`UNVACUUMED_TABLES`]) and analyses those
    /// whose statistics are stale (see [`STALE_TABLES`]); on SQLite nothing.
    pub async fn refresh_statistics(&self) -> Result<Maintained> {
        let Pool::Postgres(pool) = &self.pool else { return Ok(Maintained::default()) };
        // SKIP_LOCKED: where several servers share the database, one that finds another's
        // vacuum or analysis of a table under way leaves the table to it.
        let vacuumed: Vec<String> = sqlx::query_scalar(UNVACUUMED_TABLES).fetch_all(pool).await?;
        for table in &vacuumed {
            sqlx::query(&format!("VACUUM (SKIP_LOCKED) {}", quoted(table))).execute(pool).await?;
        }
        let analysed: Vec<String> = sqlx::query_scalar(STALE_TABLES).fetch_all(pool).await?;
        for table in &analysed {
            sqlx::query(&format!("ANALYZE (SKIP_LOCKED) {}", quoted(table))).execute(pool).await?;
        }
        Ok(Maintained { vacuumed, analysed })
    }
}

/// A catalog name, quoted as an identifier: names cannot be bound.
fn quoted(table: &str) -> String {
    format!("\"{}\"", table.replace('"', "\"\""))
}
