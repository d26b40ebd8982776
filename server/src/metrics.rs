//! Counters for `/metrics` in Prometheus' text format: ingest latency, decisions and risk
//! bands, and how often each rule fires. Plain atomics: recording an event costs a few
//! uncontended additions, never a lock.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use axum::http::StatusCode;
use doorman_engine::rules::catalog;
use doorman_engine::score::{Assessment, CheckStatus, Decision, RiskBand};
use doorman_store::retention::Purged;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
const DECISIONS: [Decision; 3] = [Decision::Allow, Decision::Challenge, Decision::Block];
const BANDS: [RiskBand; 3] = [RiskBand::Allow, RiskBand::Monitor, RiskBand::Block];

pub struct Metrics {
    /// Per bucket, then one for `+Inf`.
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_micros_sum: AtomicU64,
    decisions: [AtomicU64; DECISIONS.len()],
    bands: [AtomicU64; BANDS.len()],
    /// In catalog order.
    rule_fired: Vec<AtomicU64>,
    rejected: [AtomicU64; REJECTIONS.len()],
    /// Rows removed by the retention purge: events, device links, visitors.
    purged: [AtomicU64; 3],
    /// Events answered at their deadline: answered, stored late, lost.
    degraded: [AtomicU64; 3],
}

/// Ingest requests refused before scoring, by reason.
const REJECTIONS: [&str; 4] = ["unauthorized", "rate_limited", "invalid", "internal"];

impl Default for Metrics {
    fn default() -> Self {
        Self {
            latency_buckets: Default::default(),
            latency_micros_sum: AtomicU64::new(0),
            decisions: Default::default(),
            bands: Default::default(),
            rule_fired: catalog().iter().map(|_| AtomicU64::new(0)).collect(),
            rejected: Default::default(),
            purged: Default::default(),
            degraded: Default::default(),
        }
    }
}

impl Metrics {
    /// Records the time an ingest request took, from its first byte to its answer.
    pub fn record_latency(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS.iter().position(|&le| seconds <= le).unwrap_or(LATENCY_BUCKETS.len());
        self.latency_buckets[bucket].fetch_add(1, Relaxed);
        self.latency_micros_sum.fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    /// Records the outcome of one scored event.
    pub fn record_assessment(&self, assessment: &Assessment) {
        if let Some(i) = DECISIONS.iter().position(|d| *d == assessment.decision) {
            self.decisions[i].fetch_add(1, Relaxed);
        }
        if let Some(i) = BANDS.iter().position(|b| *b == assessment.risk_band) {
            self.bands[i].fetch_add(1, Relaxed);
        }
        for check in assessment.checks.iter().filter(|c| c.status == CheckStatus::Fired) {
            if let Some(i) = catalog().iter().position(|r| r.code == check.code) {
                self.rule_fired[i].fetch_add(1, Relaxed);
            }
        }
    }

    /// Records an ingest request answered with an error status.
    pub fn record_rejection(&self, status: StatusCode) {
        let reason = match status.as_u16() {
            401 | 403 => "unauthorized",
            429 => "rate_limited",
            400..=499 => "invalid",
            _ => "internal",
        };
        if let Some(i) = REJECTIONS.iter().position(|r| *r == reason) {
            self.rejected[i].fetch_add(1, Relaxed);
        }
    }

    /// Records an event answered at its deadline, and what became of it.
    pub fn record_degraded(&self, what: crate::deadline::Degraded) {
        use crate::deadline::Degraded;
        let i = match what {
            Degraded::Answered => 0,
            Degraded::StoredLate => 1,
            Degraded::Lost => 2,
        };
        self.degraded[i].fetch_add(1, Relaxed);
    }

    /// Records what one retention batch removed.
    pub fn record_purge(&self, purged: &Purged) {
        for (counter, n) in self.purged.iter().zip([purged.events, purged.device_links, purged.visitors]) {
            counter.fetch_add(n, Relaxed);
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP doorman_ingest_duration_seconds Time to score and store one event.\n");
        out.push_str("# TYPE doorman_ingest_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += self.latency_buckets[i].load(Relaxed);
            let _ = writeln!(out, "doorman_ingest_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}");
        }
        cumulative += self.latency_buckets[LATENCY_BUCKETS.len()].load(Relaxed);
        let _ = writeln!(out, "doorman_ingest_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.latency_micros_sum.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "doorman_ingest_duration_seconds_sum {sum}");
        let _ = writeln!(out, "doorman_ingest_duration_seconds_count {cumulative}");

        out.push_str("# HELP doorman_decisions_total Scored events by decision.\n");
        out.push_str("# TYPE doorman_decisions_total counter\n");
        for (i, decision) in DECISIONS.iter().enumerate() {
            let n = self.decisions[i].load(Relaxed);
            let _ = writeln!(out, "doorman_decisions_total{{decision=\"{}\"}} {n}", decision.as_str());
        }
        out.push_str("# HELP doorman_risk_bands_total Scored events by risk band.\n");
        out.push_str("# TYPE doorman_risk_bands_total counter\n");
        for (i, band) in BANDS.iter().enumerate() {
            let n = self.bands[i].load(Relaxed);
            let _ = writeln!(out, "doorman_risk_bands_total{{band=\"{}\"}} {n}", band.as_str());
        }
        out.push_str("# HELP doorman_rule_fired_total Scored events on which each rule fired.\n");
        out.push_str("# TYPE doorman_rule_fired_total counter\n");
        for (rule, n) in catalog().iter().zip(&self.rule_fired) {
            let _ = writeln!(out, "doorman_rule_fired_total{{rule=\"{}\"}} {}", rule.code, n.load(Relaxed));
        }
        out.push_str("# HELP doorman_ingest_rejected_total Ingest requests refused before scoring.\n");
        out.push_str("# TYPE doorman_ingest_rejected_total counter\n");
        for (reason, n) in REJECTIONS.iter().zip(&self.rejected) {
            let _ = writeln!(out, "doorman_ingest_rejected_total{{reason=\"{reason}\"}} {}", n.load(Relaxed));
        }
        out.push_str("# HELP doorman_ingest_degraded_total Events answered at their deadline with the fail decision, and what became of them.\n");
        out.push_str("# TYPE doorman_ingest_degraded_total counter\n");
        for (outcome, n) in ["answered", "stored_late", "lost"].iter().zip(&self.degraded) {
            let _ =
                writeln!(out, "doorman_ingest_degraded_total{{outcome=\"{outcome}\"}} {}", n.load(Relaxed));
        }
        out.push_str("# HELP doorman_retention_purged_total Rows removed by the retention purge.\n");
        out.push_str("# TYPE doorman_retention_purged_total counter\n");
        for (kind, n) in ["events", "device_links", "visitors"].iter().zip(&self.purged) {
            let _ = writeln!(out, "doorman_retention_purged_total{{kind=\"{kind}\"}} {}", n.load(Relaxed));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorman_engine::score::Check;

    fn assessment(decision: Decision, band: RiskBand, fired: &[&str]) -> Assessment {
        Assessment {
            risk_score: 0,
            risk_band: band,
            decision,
            checks: fired
                .iter()
                .map(|code| Check {
                    code: code.to_string(),
                    label: String::new(),
                    weight: 1,
                    status: CheckStatus::Fired,
                    detail: String::new(),
                })
                .collect(),
            list_match: None,
            shadow: Vec::new(),
        }
    }

    #[test]
    fn renders_cumulative_buckets_and_counts() {
        let m = Metrics::default();
        m.record_assessment(&assessment(Decision::Allow, RiskBand::Allow, &[]));
        m.record_latency(Duration::from_micros(800));
        m.record_assessment(&assessment(Decision::Block, RiskBand::Block, &["BOT_DETECTED"]));
        m.record_latency(Duration::from_millis(30));
        m.record_rejection(StatusCode::TOO_MANY_REQUESTS);
        m.record_rejection(StatusCode::UNPROCESSABLE_ENTITY);
        m.record_purge(&Purged { events: 7, device_links: 2, visitors: 1 });
        m.record_purge(&Purged { events: 1, device_links: 0, visitors: 0 });
        let text = m.render();
        assert!(text.contains("doorman_ingest_duration_seconds_bucket{le=\"0.0005\"} 0\n"), "{text}");
        assert!(text.contains("doorman_ingest_duration_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("doorman_ingest_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("doorman_ingest_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("doorman_ingest_duration_seconds_count 2\n"));
        assert!(text.contains("doorman_decisions_total{decision=\"BLOCK\"} 1\n"));
        assert!(text.contains("doorman_decisions_total{decision=\"CHALLENGE\"} 0\n"));
        assert!(text.contains("doorman_risk_bands_total{band=\"ALLOW\"} 1\n"));
        assert!(text.contains("doorman_rule_fired_total{rule=\"BOT_DETECTED\"} 1\n"));
        assert!(text.contains("doorman_rule_fired_total{rule=\"TOR_EXIT\"} 0\n"));
        assert!(text.contains("doorman_ingest_rejected_total{reason=\"rate_limited\"} 1\n"));
        assert!(text.contains("doorman_ingest_rejected_total{reason=\"invalid\"} 1\n"));
        assert!(text.contains("doorman_ingest_rejected_total{reason=\"internal\"} 0\n"));
        assert!(text.contains("doorman_retention_purged_total{kind=\"events\"} 8\n"));
        assert!(text.contains("doorman_retention_purged_total{kind=\"visitors\"} 1\n"));
    }
}
