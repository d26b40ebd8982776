//! Retention: each tenant keeps its events for a number of days its client admins choose,
//! up to a ceiling its super admins set; expired events, device links and visitors are
//! purged in small batches so that ingest never waits long on the purge.

use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool, with_writer};
use crate::{Result, Store, StoreError};

pub const DEFAULT_RETENTION_DAYS: i32 = 180;
/// The highest ceiling a super admin may set: ten years.
pub const MAX_RETENTION_DAYS: i32 = 3650;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RetentionPolicy {
    pub retention_days: i32,
    pub max_retention_days: i32,
    /// Events removed by the purge since the tenant was created.
    pub purged_events: i64,
    pub last_purge_at: Option<i64>,
}

impl RetentionPolicy {
    /// Events created before this instant are expired at `now`.
    pub fn cutoff(&self, now: i64) -> i64 {
        now - i64::from(self.retention_days) * DAY_MS
    }
}

/// What one purge batch removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    pub events: u64,
    pub device_links: u64,
    pub visitors: u64,
}

impl Purged {
    /// Whether any kind of row filled the batch, so that more may be waiting.
    pub fn filled(&self, batch: i64) -> bool {
        let batch = batch as u64;
        self.events >= batch || self.device_links >= batch || self.visitors >= batch
    }

    pub fn add(&mut self, other: Purged) {
        self.events += other.events;
        self.device_links += other.device_links;
        self.visitors += other.visitors;
    }
}

impl Store {
    pub async fn retention_policy(&self, tenant_id: &str) -> Result<RetentionPolicy> {
        let sql = "SELECT retention_days, max_retention_days, purged_events, last_purge_at FROM tenants WHERE id = $1";
        with_pool!(self, pool => sqlx::query_as::<_, RetentionPolicy>(sql).bind(tenant_id).fetch_optional(pool).await)?
            .ok_or(StoreError::NotFound("tenant"))
    }

    /// A client admin's choice: from one day up to the tenant's ceiling.
    pub async fn set_retention_days(&self, tenant_id: &str, days: i32) -> Result<()> {
        let policy = self.retention_policy(tenant_id).await?;
        if !(1..=policy.max_retention_days).contains(&days) {
            return Err(StoreError::Invalid(format!(
                "retention must be between 1 and {} days",
                policy.max_retention_days
            )));
        }
        let sql = "UPDATE tenants SET retention_days = $2 WHERE id = $1";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(days).execute(pool).await)?;
        Ok(())
    }

    /// A super admin's ceiling. A tenant keeping its events longer is brought down to it.
    pub async fn set_max_retention_days(&self, tenant_id: &str, max_days: i32) -> Result<()> {
        if !(1..=MAX_RETENTION_DAYS).contains(&max_days) {
            return Err(StoreError::Invalid(format!(
                "the retention ceiling must be between 1 and {MAX_RETENTION_DAYS} days"
            )));
        }
        let sql = "UPDATE tenants SET max_retention_days = $2, \
                   retention_days = CASE WHEN retention_days > $2 THEN $2 ELSE retention_days END WHERE id = $1";
        let updated =
            execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(max_days).execute(pool).await)?;
        if updated == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(())
    }

    /// Removes up to `batch` expired events, device links and visitors of one tenant, in one
    /// short transaction, and adds the events to the tenant's purge count. Call it again
    /// while [`Purged::filled`] says the batch was full.
    pub async fn purge_expired_batch(&self, tenant_id: &str, now: i64, batch: i64) -> Result<Purged> {
        let cutoff = self.retention_policy(tenant_id).await?.cutoff(now);
        let events = "DELETE FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id IN \
            (SELECT id FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND created_at < $2 LIMIT $3)";
        let links = "DELETE FROM device_users WHERE tenant_id = $1 AND (visitor_id, user_key) IN \
            (SELECT visitor_id, user_key FROM device_users WHERE tenant_id = $1 AND last_seen_at < $2 LIMIT $3)";
        // A visitor seen last before the cutoff has no event left; its keys go with it.
        let visitors = "DELETE FROM visitors WHERE tenant_id = $1 AND id IN \
            (SELECT id FROM visitors WHERE tenant_id = $1 AND last_seen_at < $2 LIMIT $3) RETURNING id";
        let keys = "DELETE FROM visitor_keys WHERE tenant_id = $1 AND visitor_id = $2";
        // Deliveries are a log of notifications: kept 30 days, less when events are.
        let deliveries = "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND id IN \
            (SELECT id FROM webhook_deliveries WHERE tenant_id = $1 AND created_at < $2 LIMIT $3)";
        let shadow = "DELETE FROM rule_shadow_counts WHERE tenant_id = $1 AND hour < $2";
        let snoozes = "DELETE FROM rule_snoozes WHERE tenant_id = $1 AND until < $2";
        // A review item's claim and comment go with its event.
        let reviews = "DELETE FROM review_items WHERE tenant_id = $1 AND NOT EXISTS \
            (SELECT 1 FROM events e WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND e.id = review_items.event_id)";
        let deliveries_cutoff = cutoff.max(now - 30 * DAY_MS);
        let count = "UPDATE tenants SET purged_events = purged_events + $2, last_purge_at = $3 WHERE id = $1";
        let purged = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let events = sqlx::query(events).bind(tenant_id).bind(cutoff).bind(batch).execute(&mut *tx).await?.rows_affected();
            let device_links = sqlx::query(links).bind(tenant_id).bind(cutoff).bind(batch).execute(&mut *tx).await?.rows_affected();
            let gone: Vec<String> = sqlx::query_scalar(visitors).bind(tenant_id).bind(cutoff).bind(batch).fetch_all(&mut *tx).await?;
            for visitor_id in &gone {
                sqlx::query(keys).bind(tenant_id).bind(visitor_id).execute(&mut *tx).await?;
            }
            let visitors = gone.len() as u64;
            sqlx::query(deliveries).bind(tenant_id).bind(deliveries_cutoff).bind(batch).execute(&mut *tx).await?;
            sqlx::query(shadow).bind(tenant_id).bind(now - crate::shadow::KEPT_MS).execute(&mut *tx).await?;
            sqlx::query(snoozes).bind(tenant_id).bind(now).execute(&mut *tx).await?;
            if events > 0 {
                sqlx::query(reviews).bind(tenant_id).execute(&mut *tx).await?;
            }
            sqlx::query(count).bind(tenant_id).bind(events as i64).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Purged { events, device_links, visitors }
        });
        Ok(purged)
    }
}
