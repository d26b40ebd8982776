//! What a tenant can tune: thresholds, limits and per-rule overrides. Stored as JSON, so
//! every field has a default and partial documents are read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::EngineError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleConfig {
    pub thresholds: Thresholds,
    pub limits: Limits,
    /// By rule code.
    pub overrides: BTreeMap<String, RuleOverride>,
}

/// Score bands: ALLOW up to `allow_max`, MONITOR up to `monitor_max`, BLOCK above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Thresholds {
    pub allow_max: i32,
    pub monitor_max: i32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { allow_max: 79, monitor_max: 119 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Accounts that may sign up on one device in 30 days.
    pub accounts_per_device: u32,
    /// Accounts that may sign up from one IP in 30 days.
    pub accounts_per_ip: u32,
    pub signups_per_ip_per_hour: u32,
    pub signups_per_device_per_hour: u32,
    /// A form filled faster than this is FAST_COMPLETION.
    pub min_completion_ms: i64,
    /// Distinct users that may log in on one device in an hour.
    pub login_users_per_device_per_hour: u32,
    /// Distinct users that may log in from one IP in an hour.
    pub login_users_per_ip_per_hour: u32,
    /// Failed logins (reported as feedback) allowed from one device or IP in an hour.
    pub failed_logins_per_hour: u32,
    /// Speed above which two logins of one user are IMPOSSIBLE_TRAVEL.
    pub max_travel_kmh: u32,
    /// SMS codes one device may request in 24 hours.
    pub sms_per_device_per_day: u32,
    /// SMS codes to one number range (all but the last digits) in an hour.
    pub sms_per_range_per_hour: u32,
    pub resets_per_device_per_hour: u32,
    pub resets_per_user_per_hour: u32,
    /// Distinct IP addresses one device may be seen from in an hour.
    pub ips_per_device_per_hour: u32,
    /// Distinct countries one device may be seen in over 24 hours.
    pub countries_per_device_per_day: u32,
    /// Distinct devices one IP address may be seen with in an hour.
    pub devices_per_ip_per_hour: u32,
    /// Distinct devices that may give emails of one domain in an hour.
    pub devices_per_email_domain_per_hour: u32,
    /// Events one IP address may send in 5 minutes.
    pub events_per_ip_per_5_minutes: u32,
}

impl Limits {
    /// How far linkage counts need to go: one past the largest count limit, and never less
    /// than 20 so that details stay informative. Counting stops there, so that a device or
    /// address with thousands of signups costs no more to score than one with a few.
    pub fn count_cap(&self) -> u32 {
        self.counts().into_iter().map(|(_, limit)| limit).max().unwrap_or(0).saturating_add(1).max(20)
    }

    /// Every count limit with its name as the API spells it.
    pub fn counts(&self) -> [(&'static str, u32); 16] {
        [
            ("accountsPerDevice", self.accounts_per_device),
            ("accountsPerIp", self.accounts_per_ip),
            ("signupsPerIpPerHour", self.signups_per_ip_per_hour),
            ("signupsPerDevicePerHour", self.signups_per_device_per_hour),
            ("loginUsersPerDevicePerHour", self.login_users_per_device_per_hour),
            ("loginUsersPerIpPerHour", self.login_users_per_ip_per_hour),
            ("failedLoginsPerHour", self.failed_logins_per_hour),
            ("smsPerDevicePerDay", self.sms_per_device_per_day),
            ("smsPerRangePerHour", self.sms_per_range_per_hour),
            ("resetsPerDevicePerHour", self.resets_per_device_per_hour),
            ("resetsPerUserPerHour", self.resets_per_user_per_hour),
            ("ipsPerDevicePerHour", self.ips_per_device_per_hour),
            ("countriesPerDevicePerDay", self.countries_per_device_per_day),
            ("devicesPerIpPerHour", self.devices_per_ip_per_hour),
            ("devicesPerEmailDomainPerHour", self.devices_per_email_domain_per_hour),
            ("eventsPerIpPer5Minutes", self.events_per_ip_per_5_minutes),
        ]
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            accounts_per_device: 1,
            accounts_per_ip: 5,
            signups_per_ip_per_hour: 5,
            signups_per_device_per_hour: 3,
            min_completion_ms: 3000,
            login_users_per_device_per_hour: 3,
            login_users_per_ip_per_hour: 10,
            failed_logins_per_hour: 5,
            max_travel_kmh: 1000,
            // Seed 002: more than five codes a day from one device is pumping.
            sms_per_device_per_day: 5,
            sms_per_range_per_hour: 10,
            resets_per_device_per_hour: 3,
            resets_per_user_per_hour: 3,
            // A phone moves between Wi-Fi and mobile networks; five addresses in an hour is
            // a proxy rotating.
            ips_per_device_per_hour: 5,
            // A flight crosses one border in a day; a third country is a VPN hopping.
            countries_per_device_per_day: 2,
            // The address and domain limits depend on the tenant's users (an office, a
            // campus, a company's own domain): their rules are off until a tenant turns them on.
            devices_per_ip_per_hour: 20,
            devices_per_email_domain_per_hour: 20,
            events_per_ip_per_5_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleOverride {
    pub weight: Option<i32>,
    pub enabled: Option<bool>,
    /// On trial: evaluated and reported (status SHADOW when it fires) but adding nothing to
    /// the score.
    pub shadow: Option<bool>,
}

/// How a rule takes part in scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleMode {
    Enabled,
    Disabled,
    /// Evaluated and reported, adding nothing to the score.
    Shadow,
}

impl RuleOverride {
    /// The mode these settings give a rule that is on by default: off wins over shadow,
    /// which wins over on.
    pub fn mode(&self) -> RuleMode {
        self.mode_over(RuleMode::Enabled)
    }

    /// The mode these settings give a rule whose own default is `default`.
    pub fn mode_over(&self, default: RuleMode) -> RuleMode {
        match (self.enabled, self.shadow) {
            (Some(false), _) => RuleMode::Disabled,
            (_, Some(true)) => RuleMode::Shadow,
            (Some(true), _) => RuleMode::Enabled,
            (None, _) => default,
        }
    }

    /// The settings that put a rule in `mode` whatever the settings under them say.
    pub fn set_mode(&mut self, mode: RuleMode) {
        (self.enabled, self.shadow) = match mode {
            RuleMode::Enabled => (Some(true), Some(false)),
            RuleMode::Disabled => (Some(false), None),
            RuleMode::Shadow => (Some(true), Some(true)),
        };
    }
}

/// A tenant's changes to the global settings: every unset field follows the global value,
/// so a later change of a global default reaches every tenant that did not override it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ConfigOverrides {
    pub allow_max: Option<i32>,
    pub monitor_max: Option<i32>,
    pub accounts_per_device: Option<u32>,
    pub accounts_per_ip: Option<u32>,
    pub signups_per_ip_per_hour: Option<u32>,
    pub signups_per_device_per_hour: Option<u32>,
    pub min_completion_ms: Option<i64>,
    pub login_users_per_device_per_hour: Option<u32>,
    pub login_users_per_ip_per_hour: Option<u32>,
    pub failed_logins_per_hour: Option<u32>,
    pub max_travel_kmh: Option<u32>,
    pub sms_per_device_per_day: Option<u32>,
    pub sms_per_range_per_hour: Option<u32>,
    pub resets_per_device_per_hour: Option<u32>,
    pub resets_per_user_per_hour: Option<u32>,
    pub ips_per_device_per_hour: Option<u32>,
    pub countries_per_device_per_day: Option<u32>,
    pub devices_per_ip_per_hour: Option<u32>,
    pub devices_per_email_domain_per_hour: Option<u32>,
    pub events_per_ip_per_5_minutes: Option<u32>,
    /// By rule code.
    pub rules: BTreeMap<String, RuleOverride>,
}

/// Every threshold and limit an admin sets, by the name the API and the settings files use,
/// with what the dashboard calls it, in the order it shows them.
pub const SETTINGS: [(&str, &str); 20] = [
    ("allowMax", "Highest score allowed"),
    ("monitorMax", "Highest score challenged (above: blocked)"),
    ("accountsPerDevice", "Signups per device in 30 days"),
    ("accountsPerIp", "Signups per IP in 30 days"),
    ("signupsPerIpPerHour", "Signups per IP in an hour"),
    ("signupsPerDevicePerHour", "Signups per device in an hour"),
    ("minCompletionMs", "Minimum form completion time (ms)"),
    ("loginUsersPerDevicePerHour", "Users logging in on one device in an hour"),
    ("loginUsersPerIpPerHour", "Users logging in from one IP in an hour"),
    ("failedLoginsPerHour", "Failed logins per device or IP in an hour"),
    ("maxTravelKmh", "Fastest possible travel between logins (km/h)"),
    ("smsPerDevicePerDay", "SMS codes per device in 24 hours"),
    ("smsPerRangePerHour", "SMS codes per number range in an hour"),
    ("resetsPerDevicePerHour", "Password resets per device in an hour"),
    ("resetsPerUserPerHour", "Password resets per user in an hour"),
    ("ipsPerDevicePerHour", "IP addresses per device in an hour"),
    ("countriesPerDevicePerDay", "Countries per device in 24 hours"),
    ("devicesPerIpPerHour", "Devices per IP in an hour"),
    ("devicesPerEmailDomainPerHour", "Devices per email domain in an hour"),
    ("eventsPerIpPer5Minutes", "Events per IP in 5 minutes"),
];

/// An edit of the settings as the dashboard sends it: each setting's value (`null`: the
/// default), and per-rule weight and enabled flag (`null`: the default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SettingsEdit {
    pub values: BTreeMap<String, Option<i64>>,
    pub rules: BTreeMap<String, RuleOverride>,
}

fn object(value: impl Serialize) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn known_values(edit: &SettingsEdit) -> Result<(), EngineError> {
    match edit.values.keys().find(|name| !SETTINGS.iter().any(|(known, _)| known == name)) {
        Some(unknown) => Err(EngineError::invalid("values", format!("unknown setting {unknown:?}"))),
        None => Ok(()),
    }
}

fn parse_edit<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> Result<T, EngineError> {
    serde_json::from_value(json).map_err(|e| EngineError::invalid("values", e.to_string()))
}

impl RuleConfig {
    /// Each setting's value by its name in [`SETTINGS`].
    pub fn setting_values(&self) -> BTreeMap<String, i64> {
        let mut values = object(self.thresholds);
        values.extend(object(self.limits));
        values.into_iter().filter_map(|(k, v)| v.as_i64().map(|v| (k, v))).collect()
    }

    /// The global settings an edit makes: values not given are the built-in defaults.
    pub fn from_edit(edit: &SettingsEdit) -> Result<RuleConfig, EngineError> {
        known_values(edit)?;
        let given = |names: &[&str]| -> serde_json::Map<String, serde_json::Value> {
            edit.values
                .iter()
                .filter(|(name, value)| names.contains(&name.as_str()) && value.is_some())
                .map(|(name, value)| (name.clone(), serde_json::json!(value)))
                .collect()
        };
        let config: RuleConfig = parse_edit(serde_json::json!({
            "thresholds": given(&["allowMax", "monitorMax"]),
            "limits": given(&SETTINGS.map(|(name, _)| name)[2..]),
            "overrides": edit.rules,
        }))?;
        config.validate()?;
        Ok(config)
    }
}

impl ConfigOverrides {
    /// Each setting's override by its name in [`SETTINGS`]; `None` follows the global value.
    pub fn setting_values(&self) -> BTreeMap<String, Option<i64>> {
        let mut values = object(self);
        values.remove("rules");
        values.into_iter().map(|(k, v)| (k, v.as_i64())).collect()
    }

    /// A tenant's overrides from an edit, checked against the global settings they apply to.
    pub fn from_edit(edit: &SettingsEdit, global: &RuleConfig) -> Result<ConfigOverrides, EngineError> {
        known_values(edit)?;
        let mut json: serde_json::Map<String, serde_json::Value> = edit
            .values
            .iter()
            .filter(|(_, value)| value.is_some())
            .map(|(name, value)| (name.clone(), serde_json::json!(value)))
            .collect();
        json.insert("rules".into(), serde_json::json!(edit.rules));
        let overrides: ConfigOverrides = parse_edit(serde_json::Value::Object(json))?;
        global.with_overrides(&overrides).validate()?;
        Ok(overrides)
    }
}

/// The largest count limit: counting stops one past the largest limit, so this bounds what
/// one request may read.
pub const MAX_COUNT_LIMIT: u32 = 10_000;

/// The largest weight a rule may be given; beyond it one rule would dwarf every threshold.
pub const MAX_WEIGHT: i32 = 1000;

impl RuleConfig {
    /// This configuration with a tenant's overrides applied on top.
    pub fn with_overrides(&self, o: &ConfigOverrides) -> RuleConfig {
        let mut merged = self.clone();
        let t = &mut merged.thresholds;
        t.allow_max = o.allow_max.unwrap_or(t.allow_max);
        t.monitor_max = o.monitor_max.unwrap_or(t.monitor_max);
        let l = &mut merged.limits;
        l.accounts_per_device = o.accounts_per_device.unwrap_or(l.accounts_per_device);
        l.accounts_per_ip = o.accounts_per_ip.unwrap_or(l.accounts_per_ip);
        l.signups_per_ip_per_hour = o.signups_per_ip_per_hour.unwrap_or(l.signups_per_ip_per_hour);
        l.signups_per_device_per_hour =
            o.signups_per_device_per_hour.unwrap_or(l.signups_per_device_per_hour);
        l.min_completion_ms = o.min_completion_ms.unwrap_or(l.min_completion_ms);
        for (limit, tenant) in [
            (&mut l.login_users_per_device_per_hour, o.login_users_per_device_per_hour),
            (&mut l.login_users_per_ip_per_hour, o.login_users_per_ip_per_hour),
            (&mut l.failed_logins_per_hour, o.failed_logins_per_hour),
            (&mut l.max_travel_kmh, o.max_travel_kmh),
            (&mut l.sms_per_device_per_day, o.sms_per_device_per_day),
            (&mut l.sms_per_range_per_hour, o.sms_per_range_per_hour),
            (&mut l.resets_per_device_per_hour, o.resets_per_device_per_hour),
            (&mut l.resets_per_user_per_hour, o.resets_per_user_per_hour),
            (&mut l.ips_per_device_per_hour, o.ips_per_device_per_hour),
            (&mut l.countries_per_device_per_day, o.countries_per_device_per_day),
            (&mut l.devices_per_ip_per_hour, o.devices_per_ip_per_hour),
            (&mut l.devices_per_email_domain_per_hour, o.devices_per_email_domain_per_hour),
            (&mut l.events_per_ip_per_5_minutes, o.events_per_ip_per_5_minutes),
        ] {
            *limit = tenant.unwrap_or(*limit);
        }
        for (code, tenant) in &o.rules {
            let global = merged.overrides.entry(code.clone()).or_default();
            global.weight = tenant.weight.or(global.weight);
            global.enabled = tenant.enabled.or(global.enabled);
            global.shadow = tenant.shadow.or(global.shadow);
        }
        merged
    }

    /// Checks what an admin may set: ordered thresholds, sane limits, known rule codes.
    pub fn validate(&self) -> Result<(), EngineError> {
        let t = &self.thresholds;
        if t.allow_max < 0 || t.monitor_max < t.allow_max {
            return Err(EngineError::invalid("thresholds", "need 0 <= allowMax <= monitorMax"));
        }
        let l = &self.limits;
        if let Some((name, _)) = l.counts().into_iter().find(|&(_, limit)| limit == 0) {
            return Err(EngineError::invalid(
                &format!("limits.{name}"),
                "every count limit must be at least 1",
            ));
        }
        if let Some((name, _)) = l.counts().into_iter().find(|&(_, limit)| limit > MAX_COUNT_LIMIT) {
            return Err(EngineError::invalid(
                &format!("limits.{name}"),
                format!("must be at most {MAX_COUNT_LIMIT}"),
            ));
        }
        if !(100..=100_000).contains(&l.max_travel_kmh) {
            return Err(EngineError::invalid("limits.maxTravelKmh", "must be between 100 and 100000"));
        }
        if !(0..=10 * 60 * 1000).contains(&l.min_completion_ms) {
            return Err(EngineError::invalid("limits.minCompletionMs", "must be between 0 and 600000"));
        }
        for (code, o) in &self.overrides {
            if !crate::rules::catalog().iter().any(|r| r.code == code) {
                return Err(EngineError::invalid("rules", format!("unknown rule {code:?}")));
            }
            if o.weight.is_some_and(|w| !(0..=MAX_WEIGHT).contains(&w)) {
                return Err(EngineError::invalid(
                    "rules",
                    format!("{code}: weight must be between 0 and {MAX_WEIGHT}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_overrides_apply_over_global_settings() {
        let mut global = RuleConfig::default();
        global.limits.accounts_per_ip = 9;
        global
            .overrides
            .insert("RANDOM_EMAIL".into(), RuleOverride { weight: Some(20), enabled: None, shadow: None });
        let tenant = ConfigOverrides {
            allow_max: Some(60),
            min_completion_ms: Some(5000),
            rules: [
                (
                    "RANDOM_EMAIL".to_string(),
                    RuleOverride { weight: None, enabled: Some(false), shadow: None },
                ),
                (
                    "DISPOSABLE_EMAIL".to_string(),
                    RuleOverride { weight: Some(5), enabled: None, shadow: None },
                ),
            ]
            .into(),
            ..Default::default()
        };
        let merged = global.with_overrides(&tenant);
        assert_eq!(merged.thresholds, Thresholds { allow_max: 60, monitor_max: 119 });
        assert_eq!((merged.limits.accounts_per_ip, merged.limits.min_completion_ms), (9, 5000));
        assert_eq!(
            merged.overrides["RANDOM_EMAIL"],
            RuleOverride { weight: Some(20), enabled: Some(false), shadow: None }
        );
        assert_eq!(merged.overrides["DISPOSABLE_EMAIL"].weight, Some(5));
        assert!(merged.validate().is_ok());
        assert_eq!(global.with_overrides(&ConfigOverrides::default()), global);
    }

    #[test]
    fn validation_rejects_what_an_admin_must_not_set() {
        let bad = |f: fn(&mut RuleConfig)| {
            let mut c = RuleConfig::default();
            f(&mut c);
            c.validate().is_err()
        };
        assert!(bad(|c| c.thresholds.monitor_max = 10));
        assert!(bad(|c| c.limits.accounts_per_device = 0));
        assert!(bad(|c| c.limits.events_per_ip_per_5_minutes = 0));
        assert!(bad(|c| c.limits.devices_per_email_domain_per_hour = MAX_COUNT_LIMIT + 1));
        assert!(bad(|c| c.limits.min_completion_ms = -1));
        assert!(bad(|c| {
            c.overrides.insert("NOPE".into(), RuleOverride::default());
        }));
        assert!(bad(|c| {
            c.overrides
                .insert("TOR_EXIT".into(), RuleOverride { weight: Some(5000), enabled: None, shadow: None });
        }));
        assert!(RuleConfig::default().validate().is_ok());
        assert!(serde_json::from_str::<ConfigOverrides>(r#"{"allowMax": 1, "typo": 2}"#).is_err());
    }

    #[test]
    fn settings_names_are_exactly_the_fields() {
        let names: Vec<&str> = SETTINGS.iter().map(|(name, _)| *name).collect();
        let mut config_names: Vec<String> = RuleConfig::default().setting_values().into_keys().collect();
        let mut override_names: Vec<String> =
            ConfigOverrides::default().setting_values().into_keys().collect();
        let mut sorted = names.clone();
        sorted.sort();
        config_names.sort();
        override_names.sort();
        assert_eq!(config_names, sorted);
        assert_eq!(override_names, sorted);
    }

    #[test]
    fn edits_become_global_settings_or_tenant_overrides() {
        let edit: SettingsEdit = serde_json::from_str(
            r#"{"values": {"allowMax": 60, "smsPerDevicePerDay": 3, "accountsPerIp": null},
                "rules": {"TOR_EXIT": {"weight": 90, "enabled": null}}}"#,
        )
        .unwrap();
        let global = RuleConfig::from_edit(&edit).unwrap();
        assert_eq!(global.thresholds.allow_max, 60);
        assert_eq!(global.limits.sms_per_device_per_day, 3);
        assert_eq!(global.limits.accounts_per_ip, Limits::default().accounts_per_ip);
        assert_eq!(global.overrides["TOR_EXIT"].weight, Some(90));

        let tenant = ConfigOverrides::from_edit(&edit, &RuleConfig::default()).unwrap();
        assert_eq!(
            (tenant.allow_max, tenant.accounts_per_ip, tenant.sms_per_device_per_day),
            (Some(60), None, Some(3))
        );
        assert_eq!(tenant.setting_values()["allowMax"], Some(60));

        let bad = |json: &str| {
            let edit: SettingsEdit = serde_json::from_str(json).unwrap();
            RuleConfig::from_edit(&edit).is_err()
                && ConfigOverrides::from_edit(&edit, &RuleConfig::default()).is_err()
        };
        assert!(bad(r#"{"values": {"nope": 1}}"#));
        assert!(bad(r#"{"values": {"allowMax": 200}}"#), "allowMax above monitorMax");
        assert!(bad(r#"{"values": {"accountsPerDevice": 0}}"#));
        assert!(bad(r#"{"rules": {"NOT_A_RULE": {"weight": 1}}}"#));
        assert!(bad(r#"{"values": {"accountsPerDevice": -1}}"#));
    }

    #[test]
    fn partial_json_keeps_the_other_defaults() {
        let config: RuleConfig = serde_json::from_str(
            r#"{"thresholds":{"allowMax":50},"overrides":{"DISPOSABLE_EMAIL":{"weight":5}}}"#,
        )
        .unwrap();
        assert_eq!(config.thresholds, Thresholds { allow_max: 50, monitor_max: 119 });
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.overrides["DISPOSABLE_EMAIL"].weight, Some(5));
    }
}
