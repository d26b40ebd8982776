//! Keeps the in-memory reputation lists in step with the database: a change made on the
//! dashboard, with the CLI or on another server bumps the lists' version, and every server
//! reloads within one interval.

use std::time::Duration;

use doorman_store::Store;

use crate::state::ReputationCache;

/// Reloads the lists when their version changed since the last look; gives whether it did.
pub async fn refresh(
    store: &Store,
    cache: &ReputationCache,
    seen: &mut i64,
) -> Result<bool, doorman_store::StoreError> {
    let version = store.reputation_version().await?;
    if version == *seen {
        return Ok(false);
    }
    // The version is read first: a change landing during the load is caught next time.
    cache.replace(store.load_reputation().await?);
    *seen = version;
    Ok(true)
}

/// Looks for a change every `every` for as long as the process lives.
pub fn spawn(
    store: Store,
    cache: ReputationCache,
    every: Duration,
    mut seen: i64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match refresh(&store, &cache, &mut seen).await {
                Ok(true) => tracing::info!(version = seen, "reputation lists reloaded"),
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "cannot check the reputation lists"),
            }
        }
    })
}
