//! Counts of the rules a tenant tries in shadow mode: how often each fired, by hour, and
//! which decisions it would have changed had it counted. The rules page reads them over the
//! last 24 hours and 7 days, to decide whether to promote a rule.

use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool};
use crate::{Result, Store};

const HOUR_MS: i64 = 3_600_000;
/// Counts older than this are purged; the page shows 7 days.
pub const KEPT_MS: i64 = 8 * 24 * HOUR_MS;

/// One rule on trial over the last 24 hours and 7 days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowStats {
    pub rule: String,
    pub fired_24h: i64,
    pub fired_7d: i64,
    /// Decisions it would have changed in 7 days, as `ALLOW>CHALLENGE`, with how many.
    pub changes_7d: Vec<(String, i64)>,
}

impl Store {
    /// Counts one event's shadow hits: each rule's code and the decision change it would
    /// have made (`None`: the same decision).
    pub async fn record_shadow_hits(
        &self,
        tenant_id: &str,
        hits: &[(&str, Option<(&str, &str)>)],
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO rule_shadow_counts (tenant_id, rule, hour, change, hits) VALUES ($1, $2, $3, $4, 1) \
            ON CONFLICT (tenant_id, rule, hour, change) DO UPDATE SET hits = rule_shadow_counts.hits + 1";
        let hour = now - now.rem_euclid(HOUR_MS);
        for (rule, change) in hits {
            let change = change.map(|(from, to)| format!("{from}>{to}")).unwrap_or_default();
            execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(*rule).bind(hour).bind(&change)
                .execute(pool).await)?;
        }
        Ok(())
    }

    /// Every rule that fired in shadow mode for the tenant in the last 7 days.
    pub async fn shadow_stats(&self, tenant_id: &str, now: i64) -> Result<Vec<ShadowStats>> {
        let sql = "SELECT rule, change, \
            CAST(COALESCE(SUM(CASE WHEN hour >= $2 THEN hits ELSE 0 END), 0) AS BIGINT) AS day, \
            CAST(COALESCE(SUM(hits), 0) AS BIGINT) AS week \
            FROM rule_shadow_counts WHERE tenant_id = $1 AND hour >= $3 GROUP BY rule, change ORDER BY rule, change";
        // The hour a count is filed under began up to an hour before its events.
        let (day, week) = (now - 24 * HOUR_MS - HOUR_MS + 1, now - 7 * 24 * HOUR_MS - HOUR_MS + 1);
        let rows: Vec<(String, String, i64, i64)> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(tenant_id).bind(day).bind(week).fetch_all(pool).await)?;
        let mut stats: Vec<ShadowStats> = Vec::new();
        for (rule, change, day, week) in rows {
            if stats.last().is_none_or(|s| s.rule != rule) {
                stats.push(ShadowStats { rule: rule.clone(), ..Default::default() });
            }
            let entry = stats.last_mut().expect("just pushed");
            entry.fired_24h += day;
            entry.fired_7d += week;
            if !change.is_empty() && week > 0 {
                entry.changes_7d.push((change, week));
            }
        }
        Ok(stats)
    }
}
