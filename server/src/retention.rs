//! The background purge of expired events: every tenant, in small batches with pauses
//! between them, so that ingest keeps the database for itself most of the time.

use std::sync::Arc;
use std::time::Duration;

use doorman_store::retention::Purged;
use doorman_store::{now_ms, Store, StoreError};

use crate::metrics::Metrics;

/// Rows of each kind removed per transaction.
pub const BATCH: i64 = 500;
/// Rest between two batches.
const PAUSE: Duration = Duration::from_millis(20);

/// Purges what has expired at `now` in every tenant; gives the totals.
pub async fn purge_all(store: &Store, metrics: &Metrics, now: i64) -> Result<Purged, StoreError> {
    let mut total = Purged::default();
    for tenant in store.list_tenants().await? {
        loop {
            let purged = store.purge_expired_batch(&tenant.id, now, BATCH).await?;
            metrics.record_purge(&purged);
            total.add(purged);
            if !purged.filled(BATCH) {
                break;
            }
            tokio::time::sleep(PAUSE).await;
        }
    }
    let sessions = store.delete_expired_sessions(now).await?;
    tracing::debug!(sessions, "ended dashboard sessions deleted");
    Ok(total)
}

/// Runs [`purge_all`] now and then every `every`, for as long as the process lives.
pub fn spawn(store: Store, metrics: Arc<Metrics>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match purge_all(&store, &metrics, now_ms()).await {
                Ok(total) if total.events > 0 || total.visitors > 0 => {
                    tracing::info!(
                        events = total.events,
                        device_links = total.device_links,
                        visitors = total.visitors,
                        "retention purge"
                    );
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "retention purge failed; retrying at the next interval")
                }
            }
        }
    })
}
