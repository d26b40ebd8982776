//! The client admin's overview.

use leptos::prelude::*;

use crate::model::OverviewView;

/// Decisions over time, top rules, score spread and rule precision of the tenant, over the
/// last 24 hours (hourly) or 7 days (every six hours).
#[server(prefix = "/rpc", endpoint = "overview")]
pub async fn overview(period: Option<String>) -> Result<OverviewView, ServerFnError> {
    use super::guard::{context, refuse, require_client_admin, store_error};
    use crate::model::{DecisionCountsView, RulePrecisionView};
    use doorman_store::overview::{DecisionCounts, SCORE_BAND};
    const HOUR_MS: i64 = 3_600_000;
    let (_, tenant_id) = require_client_admin().await?;
    let period = period.unwrap_or_else(|| "24h".into());
    let (bucket_ms, buckets) = match period.as_str() {
        "24h" => (HOUR_MS, 24),
        "7d" => (6 * HOUR_MS, 28),
        other => {
            return Err(refuse(
                http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("period {other:?}: use 24h or 7d"),
            ))
        }
    };
    // Buckets end with the current one, aligned to whole buckets of UTC time.
    let now = doorman_store::now_ms();
    let since = (now / bucket_ms + 1 - buckets as i64) * bucket_ms;
    let o = context()?.store.overview(&tenant_id, since, bucket_ms, buckets).await.map_err(store_error)?;
    let view =
        |c: DecisionCounts| DecisionCountsView { allow: c.allow, challenge: c.challenge, block: c.block };
    Ok(OverviewView {
        period,
        since: o.since,
        bucket_ms: o.bucket_ms,
        buckets: o.buckets.into_iter().map(view).collect(),
        totals: view(o.totals),
        top_rules: o.top_rules,
        score_bands: o.score_bands,
        score_band: SCORE_BAND,
        precision: o
            .precision
            .into_iter()
            .map(|p| RulePrecisionView { code: p.code, fraud: p.fraud, legit: p.legit })
            .collect(),
    })
}
