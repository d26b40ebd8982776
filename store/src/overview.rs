//! The numbers behind a client admin's overview: decisions over time, the rules that fire
//! most, how scores spread, and how often each rule was right according to feedback.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::db::with_pool;
use crate::events::rule_codes;
use crate::{Result, Store, StoreError};

/// Scores are counted in bands this wide; the last band holds everything above.
pub const SCORE_BAND: i32 = 20;
pub const SCORE_BANDS: usize = 11;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionCounts {
    pub allow: i64,
    pub challenge: i64,
    pub block: i64,
}

impl DecisionCounts {
    fn add(&mut self, decision: &str, n: i64) {
        match decision {
            "ALLOW" => self.allow += n,
            "CHALLENGE" => self.challenge += n,
            "BLOCK" => self.block += n,
            _ => {}
        }
    }

    pub fn total(&self) -> i64 {
        self.allow + self.challenge + self.block
    }
}

/// How often a rule fired on events the client labeled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulePrecision {
    pub code: String,
    pub fraud: i64,
    pub legit: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub since: i64,
    pub bucket_ms: i64,
    /// One per bucket from `since`, oldest first.
    pub buckets: Vec<DecisionCounts>,
    pub totals: DecisionCounts,
    /// Most fired first, at most ten.
    pub top_rules: Vec<(String, i64)>,
    /// Events per score band of [`SCORE_BAND`] points.
    pub score_bands: Vec<i64>,
    /// Rules that fired on labeled events, most labeled first (labels of any time).
    pub precision: Vec<RulePrecision>,
}

impl Store {
    /// The tenant's overview of `[since, since + buckets × bucket_ms)`.
    pub async fn overview(
        &self,
        tenant_id: &str,
        since: i64,
        bucket_ms: i64,
        buckets: usize,
    ) -> Result<Overview> {
        if bucket_ms <= 0 || buckets == 0 || buckets > 1000 {
            return Err(StoreError::Invalid("an overview has 1 to 1000 buckets of positive length".into()));
        }
        let until = since + bucket_ms * buckets as i64;
        let per_bucket = "SELECT (created_at - $2) / $4 AS bucket, decision, COUNT(*) AS n FROM events \
            WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND created_at >= $2 AND created_at < $3 GROUP BY 1, 2";
        let bands = format!(
            "SELECT CAST(CASE WHEN risk_score >= {top} THEN {last} WHEN risk_score < 0 THEN 0 ELSE risk_score / {SCORE_BAND} END AS BIGINT) AS band, \
             COUNT(*) AS n FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND created_at >= $2 AND created_at < $3 GROUP BY 1",
            top = SCORE_BAND * (SCORE_BANDS as i32 - 1),
            last = SCORE_BANDS - 1,
        );
        let fired =
            "SELECT triggered_rules, COUNT(*) AS n FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND created_at >= $2 \
            AND created_at < $3 AND triggered_rules <> '' GROUP BY triggered_rules";
        let labeled = "SELECT triggered_rules, label, COUNT(*) AS n FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) \
            AND label IS NOT NULL GROUP BY triggered_rules, label";
        let (per_bucket, bands, fired, labeled) = with_pool!(self, pool => {
            let per_bucket: Vec<(i64, String, i64)> = sqlx::query_as(per_bucket)
                .bind(tenant_id).bind(since).bind(until).bind(bucket_ms).fetch_all(pool).await?;
            let bands: Vec<(i64, i64)> = sqlx::query_as(&bands).bind(tenant_id).bind(since).bind(until).fetch_all(pool).await?;
            let fired: Vec<(String, i64)> = sqlx::query_as(fired).bind(tenant_id).bind(since).bind(until).fetch_all(pool).await?;
            let labeled: Vec<(String, String, i64)> = sqlx::query_as(labeled).bind(tenant_id).fetch_all(pool).await?;
            (per_bucket, bands, fired, labeled)
        });

        let mut overview = Overview {
            since,
            bucket_ms,
            buckets: vec![DecisionCounts::default(); buckets],
            score_bands: vec![0; SCORE_BANDS],
            ..Overview::default()
        };
        for (bucket, decision, n) in per_bucket {
            if let Some(counts) = usize::try_from(bucket).ok().and_then(|b| overview.buckets.get_mut(b)) {
                counts.add(&decision, n);
                overview.totals.add(&decision, n);
            }
        }
        for (band, n) in bands {
            if let Some(slot) = usize::try_from(band).ok().and_then(|b| overview.score_bands.get_mut(b)) {
                *slot += n;
            }
        }
        let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
        for (triggered, n) in &fired {
            for code in rule_codes(triggered) {
                *counts.entry(code).or_default() += n;
            }
        }
        let mut top: Vec<(String, i64)> = counts.into_iter().map(|(c, n)| (c.to_string(), n)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(10);
        overview.top_rules = top;

        let mut precision: BTreeMap<&str, RulePrecision> = BTreeMap::new();
        for (triggered, label, n) in &labeled {
            for code in rule_codes(triggered) {
                let entry = precision
                    .entry(code)
                    .or_insert_with(|| RulePrecision { code: code.to_string(), ..RulePrecision::default() });
                match label.as_str() {
                    "FRAUD" => entry.fraud += n,
                    "LEGIT" => entry.legit += n,
                    _ => {}
                }
            }
        }
        let mut precision: Vec<RulePrecision> = precision.into_values().collect();
        precision
            .sort_by(|a, b| (b.fraud + b.legit).cmp(&(a.fraud + a.legit)).then_with(|| a.code.cmp(&b.code)));
        overview.precision = precision;
        Ok(overview)
    }
}
