//! Keeps PostgreSQL's planner statistics current and its tables vacuumed while the server runs
//! (see `Store::refresh_statistics`): a fresh database grows from empty in minutes under
//! ingest, and autovacuum, which would otherwise do both, may be off.

use std::time::Duration;

use doorman_store::statistics::Maintained;
use doorman_store::Store;

/// How often the tables' change counts are looked at; a look costs one small query.
const EVERY: Duration = Duration::from_secs(30);

/// Refreshes the stale statistics now and then every [`EVERY`], for as long as the process
/// lives; on SQLite there are none to refresh.
pub fn spawn(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.refresh_statistics().await {
                Ok(done) if done != Maintained::default() => {
                    tracing::info!(vacuumed = ?done.vacuumed, analysed = ?done.analysed, "tables maintained")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "refreshing planner statistics failed"),
            }
        }
    })
}
