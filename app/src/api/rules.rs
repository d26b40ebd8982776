//! Rule settings: a client admin's overrides over the global settings, the super admin's
//! global settings over the built-in defaults, and the preview of an edit on stored events.

use leptos::prelude::*;

use crate::model::{PreviewView, RuleSettingsView};

#[cfg(feature = "ssr")]
mod build {
    use std::collections::BTreeMap;

    use doorman_engine::config::{RuleMode, RuleOverride, SettingsEdit, SETTINGS};
    use doorman_engine::rules::catalog;
    use doorman_store::shadow::ShadowStats;
    use leptos::prelude::ServerFnError;

    use crate::model::{RuleRow, RuleSettingsView, SettingRow, ShadowStatsView};

    fn mode_name(mode: RuleMode) -> String {
        match mode {
            RuleMode::Enabled => "on",
            RuleMode::Disabled => "off",
            RuleMode::Shadow => "shadow",
        }
        .to_string()
    }

    /// Rows of every setting and rule: `base` values, and those set here.
    pub fn view(
        base_values: &BTreeMap<String, i64>,
        values: &BTreeMap<String, Option<i64>>,
        base_rules: &BTreeMap<String, RuleOverride>,
        rules: &BTreeMap<String, RuleOverride>,
        shadow: &[ShadowStats],
    ) -> RuleSettingsView {
        RuleSettingsView {
            settings: SETTINGS
                .iter()
                .map(|(name, label)| SettingRow {
                    name: name.to_string(),
                    label: label.to_string(),
                    base: base_values.get(*name).copied().unwrap_or_default(),
                    value: values.get(*name).copied().flatten(),
                })
                .collect(),
            rules: catalog()
                .iter()
                .map(|rule| {
                    let base = base_rules.get(rule.code).copied().unwrap_or_default();
                    let set = rules.get(rule.code).copied().unwrap_or_default();
                    RuleRow {
                        code: rule.code.to_string(),
                        label: rule.label.to_string(),
                        applies_to: rule.applies_to.map_or("all".to_string(), |types| {
                            types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                        }),
                        base_weight: base.weight.unwrap_or(rule.default_weight),
                        base_mode: mode_name(base.mode_over(rule.default_mode)),
                        weight: set.weight,
                        mode: (set.enabled.is_some() || set.shadow.is_some())
                            .then(|| mode_name(set.mode_over(base.mode_over(rule.default_mode)))),
                        shadow: shadow.iter().find(|s| s.rule == rule.code).map(|s| ShadowStatsView {
                            fired_24h: s.fired_24h,
                            fired_7d: s.fired_7d,
                            changes_7d: s.changes_7d.clone(),
                        }),
                    }
                })
                .collect(),
        }
    }

    pub fn parse(edit: &str) -> Result<SettingsEdit, ServerFnError> {
        serde_json::from_str(edit).map_err(|e| {
            super::super::guard::refuse(http::StatusCode::UNPROCESSABLE_ENTITY, format!("settings: {e}"))
        })
    }

    pub fn invalid(err: doorman_engine::EngineError) -> ServerFnError {
        super::super::guard::refuse(http::StatusCode::UNPROCESSABLE_ENTITY, err.to_string())
    }
}

/// The tenant's settings next to the global ones they override.
#[server(prefix = "/rpc", endpoint = "rule-settings")]
pub async fn rule_settings() -> Result<RuleSettingsView, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let global = store.global_rule_config().await.map_err(store_error)?;
    let tenant = store.tenant_overrides(&tenant_id).await.map_err(store_error)?;
    let shadow = store.shadow_stats(&tenant_id, doorman_store::now_ms()).await.map_err(store_error)?;
    Ok(build::view(
        &global.setting_values(),
        &tenant.setting_values(),
        &global.overrides,
        &tenant.rules,
        &shadow,
    ))
}

/// Saves the tenant's overrides; the next event is scored with them.
#[server(prefix = "/rpc", endpoint = "save-rule-settings")]
pub async fn save_rule_settings(edit: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    use doorman_engine::config::ConfigOverrides;
    let (admin, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let global = store.global_rule_config().await.map_err(store_error)?;
    let overrides = ConfigOverrides::from_edit(&build::parse(&edit)?, &global).map_err(build::invalid)?;
    store.set_tenant_overrides(&tenant_id, &overrides).await.map_err(store_error)?;
    let detail = serde_json::to_string(&overrides).unwrap_or_default();
    audit(&admin, Some(&tenant_id), "rules.set", "tenant settings", &detail).await;
    Ok(())
}

/// The tenant's newest `count` events scored again under an edit, without saving it.
#[server(prefix = "/rpc", endpoint = "preview-rule-settings")]
pub async fn preview_rule_settings(edit: String, count: i64) -> Result<PreviewView, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    use crate::model::{ChangedEventView, DecisionCountsView};
    use doorman_engine::config::ConfigOverrides;
    let (_, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let global = store.global_rule_config().await.map_err(store_error)?;
    let overrides = ConfigOverrides::from_edit(&build::parse(&edit)?, &global).map_err(build::invalid)?;
    let config = global.with_overrides(&overrides);
    let (events, unreadable) = store.rescore_recent(&tenant_id, &config, count).await.map_err(store_error)?;
    let tally = |decisions: &mut dyn Iterator<Item = &str>| {
        let mut counts = DecisionCountsView::default();
        for d in decisions {
            match d {
                "ALLOW" => counts.allow += 1,
                "CHALLENGE" => counts.challenge += 1,
                _ => counts.block += 1,
            }
        }
        counts
    };
    let before = tally(&mut events.iter().map(|e| e.before_decision.as_str()));
    let after = tally(&mut events.iter().map(|e| e.after_decision.as_str()));
    let changed: Vec<ChangedEventView> = events
        .into_iter()
        .filter(|e| e.before_decision != e.after_decision)
        .map(|e| ChangedEventView {
            id: e.id,
            created_at: e.created_at,
            event_type: e.event_type,
            user: e.user,
            before_score: e.before_score,
            before_decision: e.before_decision,
            after_score: e.after_score,
            after_decision: e.after_decision,
        })
        .collect();
    let scored = (before.allow + before.challenge + before.block) as usize;
    Ok(PreviewView {
        scored,
        unreadable,
        before,
        after,
        changed_total: changed.len(),
        changed: changed.into_iter().take(50).collect(),
    })
}

/// The global settings next to the built-in defaults.
#[server(prefix = "/rpc", endpoint = "global-rule-settings")]
pub async fn global_rule_settings() -> Result<RuleSettingsView, ServerFnError> {
    use super::guard::{context, require_super_admin, store_error};
    use doorman_engine::config::RuleConfig;
    require_super_admin().await?;
    let global = context()?.store.global_rule_config().await.map_err(store_error)?;
    let defaults = RuleConfig::default().setting_values();
    // A value equal to the built-in default is shown as following it.
    let values = global
        .setting_values()
        .into_iter()
        .map(|(name, value)| {
            let set = (defaults.get(&name) != Some(&value)).then_some(value);
            (name, set)
        })
        .collect();
    Ok(build::view(&defaults, &values, &Default::default(), &global.overrides, &[]))
}

/// Saves the global settings; every tenant that does not override a value follows it.
#[server(prefix = "/rpc", endpoint = "save-global-rule-settings")]
pub async fn save_global_rule_settings(edit: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error};
    use doorman_engine::config::RuleConfig;
    let admin = require_super_admin().await?;
    let config = RuleConfig::from_edit(&build::parse(&edit)?).map_err(build::invalid)?;
    context()?.store.set_global_rule_config(&config).await.map_err(store_error)?;
    let detail = serde_json::to_string(&config).unwrap_or_default();
    audit(&admin, None, "rules.set", "global settings", &detail).await;
    Ok(())
}

/// Puts a rule the tenant tries in shadow mode to work: its checks count from the next event.
#[server(prefix = "/rpc", endpoint = "promote-rule")]
pub async fn promote_rule(code: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_engine::config::RuleMode;
    let (admin, tenant_id) = require_client_admin().await?;
    if !doorman_engine::rules::catalog().iter().any(|r| r.code == code) {
        return Err(refuse(http::StatusCode::NOT_FOUND, format!("no rule {code}")));
    }
    let store = &context()?.store;
    let mut overrides = store.tenant_overrides(&tenant_id).await.map_err(store_error)?;
    overrides.rules.entry(code.clone()).or_default().set_mode(RuleMode::Enabled);
    store.set_tenant_overrides(&tenant_id, &overrides).await.map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "rules.promote", &code, "from shadow to enabled").await;
    Ok(())
}
