//! Velocity: how many distinct addresses, countries, users and devices an event's device,
//! address and email domain were seen with over sliding windows of 5 minutes, an hour and a
//! day, and how many events came from its address. Each count includes the event itself, as
//! Fingerprint's velocity signals do. The store reads the newest stored events of each
//! window up to the count cap, so a count at the cap means "at least".

use serde::{Deserialize, Serialize};

use crate::config::{RuleConfig, RuleMode};
use crate::rules::catalog;

/// Rules that read the counts by address, and by email domain.
const ADDRESS_RULES: [&str; 2] = ["IP_DEVICE_VELOCITY", "IP_EVENT_VELOCITY"];
const EMAIL_DOMAIN_RULES: [&str; 1] = ["EMAIL_DOMAIN_DEVICE_VELOCITY"];

/// What the store counts for an event: every count stops at `cap` (see
/// [`crate::config::Limits::count_cap`]); the counts by address and by email domain, which
/// read the newest events of a busy address or of a mail provider at every event, only when
/// one of the tenant's rules (on or in shadow) reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    pub cap: u32,
    pub by_address: bool,
    pub by_email_domain: bool,
}

impl Counting {
    /// Every count, up to `cap`.
    pub fn everything(cap: u32) -> Self {
        Self { cap, by_address: true, by_email_domain: true }
    }

    /// What the rules of `config` read.
    pub fn for_config(config: &RuleConfig) -> Self {
        let used = |codes: &[&str]| {
            catalog().iter().filter(|rule| codes.contains(&rule.code)).any(|rule| {
                let tuning = config.overrides.get(rule.code).copied().unwrap_or_default();
                tuning.mode_over(rule.default_mode) != RuleMode::Disabled
            })
        };
        Self {
            cap: config.limits.count_cap(),
            by_address: used(&ADDRESS_RULES),
            by_email_domain: used(&EMAIL_DOMAIN_RULES),
        }
    }
}

/// One count over the three windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Windows {
    #[serde(rename = "5m")]
    pub five_minutes: u32,
    #[serde(rename = "1h")]
    pub hour: u32,
    #[serde(rename = "24h")]
    pub day: u32,
}

impl Windows {
    /// The windows' counts of stored events that differ from this one (distinct values other
    /// than this event's, say), plus this event when it has the value counted.
    pub fn including(this: bool, others: [u32; 3]) -> Self {
        let add = u32::from(this);
        let [five_minutes, hour, day] = others.map(|n| n.saturating_add(add));
        Self { five_minutes, hour, day }
    }
}

/// `derivedSignals.velocity`. The address and email domain counts are absent when the event
/// has no address or email, or when no rule of the tenant reads them (see [`Counting`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Velocity {
    /// Distinct IP addresses this device was seen from.
    pub ips_per_visitor: Windows,
    /// Distinct countries of those addresses.
    pub countries_per_visitor: Windows,
    /// Distinct users (external id, else normalised email) seen on this device.
    pub users_per_visitor: Windows,
    /// Distinct devices seen from this IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitors_per_ip: Option<Windows>,
    /// Distinct devices whose events gave an email of this domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitors_per_email_domain: Option<Windows>,
    /// Events from this IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_per_ip: Option<Windows>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_include_the_event_when_it_has_the_value() {
        assert_eq!(Windows::including(true, [0, 2, 5]), Windows { five_minutes: 1, hour: 3, day: 6 });
        assert_eq!(Windows::including(false, [0, 2, 5]), Windows { five_minutes: 0, hour: 2, day: 5 });
        assert_eq!(Windows::including(true, [u32::MAX; 3]).day, u32::MAX);
    }

    #[test]
    fn the_rules_named_for_the_costly_counts_are_in_the_catalog() {
        for code in ADDRESS_RULES.iter().chain(&EMAIL_DOMAIN_RULES) {
            assert!(catalog().iter().any(|rule| rule.code == *code), "{code}");
        }
    }

    #[test]
    fn address_and_domain_counts_are_read_for_the_rules_that_use_them() {
        let mut config = RuleConfig::default();
        assert_eq!(
            Counting::for_config(&config),
            Counting { cap: config.limits.count_cap(), by_address: false, by_email_domain: false }
        );
        let mut trial = crate::config::RuleOverride::default();
        trial.set_mode(RuleMode::Shadow);
        config.overrides.insert("IP_EVENT_VELOCITY".into(), trial);
        assert!(Counting::for_config(&config).by_address);
        assert!(!Counting::for_config(&config).by_email_domain);
        trial.set_mode(RuleMode::Enabled);
        config.overrides.insert("EMAIL_DOMAIN_DEVICE_VELOCITY".into(), trial);
        assert!(Counting::for_config(&config).by_email_domain);
    }

    #[test]
    fn windows_are_named_as_fingerprint_names_them() {
        let v = Velocity {
            events_per_ip: Some(Windows { five_minutes: 1, hour: 2, day: 3 }),
            ..Default::default()
        };
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["eventsPerIp"], serde_json::json!({"5m": 1, "1h": 2, "24h": 3}));
        assert!(json.get("visitorsPerIp").is_none());
        assert_eq!(serde_json::from_value::<Velocity>(json).unwrap(), v);
    }
}
