//! Runs the catalog under a tenant's configuration and turns the fired weights into a score,
//! a band and a decision.

use serde::{Deserialize, Serialize};

use crate::config::{RuleConfig, RuleMode, Thresholds};
use crate::derive::Signals;
use crate::input::{EventType, IngestRequest};
use crate::linkage::Linkage;
use crate::lists::ListMatch;
use crate::rules::{catalog, RuleContext};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskBand {
    Allow,
    Monitor,
    Block,
}

impl RiskBand {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskBand::Allow => "ALLOW",
            RiskBand::Monitor => "MONITOR",
            RiskBand::Block => "BLOCK",
        }
    }

    pub fn for_score(score: i32, thresholds: &Thresholds) -> Self {
        if score <= thresholds.allow_max {
            RiskBand::Allow
        } else if score <= thresholds.monitor_max {
            RiskBand::Monitor
        } else {
            RiskBand::Block
        }
    }

    pub fn decision(self) -> Decision {
        match self {
            RiskBand::Allow => Decision::Allow,
            RiskBand::Monitor => Decision::Challenge,
            RiskBand::Block => Decision::Block,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    Allow,
    Challenge,
    Block,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Allow, Decision::Challenge, Decision::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "ALLOW",
            Decision::Challenge => "CHALLENGE",
            Decision::Block => "BLOCK",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckStatus {
    Fired,
    Pass,
    Disabled,
    /// A rule on trial fired: reported, not scored.
    Shadow,
    /// Silenced for this event's user, device or address until a time.
    Snoozed,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub code: String,
    pub label: String,
    /// The effective weight; only a FIRED check adds it to the score.
    pub weight: i32,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub risk_score: i32,
    pub risk_band: RiskBand,
    pub decision: Decision,
    pub checks: Vec<Check>,
    /// The tenant's list entry that decided the event, when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_match: Option<ListMatch>,
    /// Each rule on trial that fired, and the decision the event would have had had it
    /// counted.
    #[serde(skip)]
    pub shadow: Vec<ShadowHit>,
}

/// A rule in shadow mode that fired on an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowHit {
    pub code: String,
    /// The event's decision by its score, and had the rule counted.
    pub decided: Decision,
    pub would_decide: Decision,
}

impl Assessment {
    pub fn triggered(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == CheckStatus::Fired)
    }
}

pub fn assess(req: &IngestRequest, signals: &Signals, linkage: &Linkage, config: &RuleConfig) -> Assessment {
    let ctx = RuleContext { req, signals, linkage, limits: &config.limits };
    let checks: Vec<Check> = catalog()
        .iter()
        .map(|rule| {
            let tuning = config.overrides.get(rule.code).copied().unwrap_or_default();
            let weight = tuning.weight.unwrap_or(rule.default_weight);
            let mode = tuning.mode_over(rule.default_mode);
            let snoozed =
                linkage.snoozes.iter().filter(|(code, _)| code == rule.code).map(|(_, until)| *until).max();
            let (status, detail) = if mode == RuleMode::Disabled {
                (CheckStatus::Disabled, "disabled for this tenant".to_string())
            } else if let Some(until) = snoozed {
                (CheckStatus::Snoozed, format!("snoozed until {until} (epoch ms)"))
            } else if !rule.applies(req.event_type) {
                (CheckStatus::Pass, not_applicable(req.event_type))
            } else {
                let verdict = (rule.evaluate)(&ctx);
                let status = match (verdict.fired, mode) {
                    (false, _) => CheckStatus::Pass,
                    (true, RuleMode::Shadow) => CheckStatus::Shadow,
                    (true, _) => CheckStatus::Fired,
                };
                (status, verdict.detail)
            };
            Check { code: rule.code.to_string(), label: rule.label.to_string(), weight, status, detail }
        })
        .collect();
    let mut checks = checks;
    let risk_score = checks.iter().filter(|c| c.status == CheckStatus::Fired).map(|c| c.weight).sum();
    let risk_band = RiskBand::for_score(risk_score, &config.thresholds);
    let decision = risk_band.decision();
    let mut shadow = Vec::new();
    for check in checks.iter_mut().filter(|c| c.status == CheckStatus::Shadow) {
        let would_decide = RiskBand::for_score(risk_score + check.weight, &config.thresholds).decision();
        check.detail = if would_decide == decision {
            format!("{} (in shadow: the decision would be the same)", check.detail)
        } else {
            format!(
                "{} (in shadow: would have decided {} instead of {})",
                check.detail,
                would_decide.as_str(),
                decision.as_str()
            )
        };
        shadow.push(ShadowHit { code: check.code.clone(), decided: decision, would_decide });
    }
    Assessment { risk_score, risk_band, decision, checks, list_match: None, shadow }
}

/// The detail of a check whose rule is for other event types.
pub fn not_applicable(event_type: EventType) -> String {
    format!("not applicable to {}", event_type.as_str())
}

pub mod stored;

#[cfg(test)]
mod tests;
