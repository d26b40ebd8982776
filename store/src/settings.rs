//! Rule settings: global defaults and per-tenant overrides, merged into the configuration an
//! event of the tenant is scored with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use doorman_engine::config::{ConfigOverrides, RuleConfig};

use crate::db::{execute, with_pool};
use crate::{now_ms, Result, Store, StoreError};

/// When the global settings and a tenant's overrides last changed, as the API key lookup
/// reads them along with the key: equal versions mean the cached configuration is current,
/// so an event is scored with settings saved a moment before on this server, or a second
/// before on another (the key's cache, `principals`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsVersion {
    pub global: Option<i64>,
    pub tenant: Option<i64>,
}

/// A tenant's effective settings and the version they were read at.
type Versioned = (SettingsVersion, Arc<RuleConfig>);

/// Effective settings by tenant.
#[derive(Clone, Default)]
pub(crate) struct SettingsCache(Arc<Mutex<HashMap<String, Versioned>>>);

/// A save's version: the time, or one past the previous version when the clock has not
/// moved on, so that two saves never share one and a cache never misses the second.
const NEXT_VERSION: &str = "CASE WHEN excluded.updated_at > {table}.updated_at THEN excluded.updated_at ELSE {table}.updated_at + 1 END";

fn parse<T: serde::de::DeserializeOwned>(json: Option<String>, what: &str) -> Result<Option<T>> {
    json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("{what}: {e}"))))
        .transpose()
}

fn to_json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn invalid(err: doorman_engine::EngineError) -> StoreError {
    StoreError::Invalid(err.to_string())
}

impl Store {
    /// The global defaults, or the engine's built-in ones when none were saved.
    pub async fn global_rule_config(&self) -> Result<RuleConfig> {
        let sql = "SELECT config_json FROM global_settings WHERE id = 1";
        let json: Option<String> =
            with_pool!(self, pool => sqlx::query_scalar(sql).fetch_optional(pool).await)?;
        Ok(parse(json, "global settings")?.unwrap_or_default())
    }

    pub async fn set_global_rule_config(&self, config: &RuleConfig) -> Result<()> {
        config.validate().map_err(invalid)?;
        let sql = format!(
            "INSERT INTO global_settings (id, config_json, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, updated_at = {}",
            NEXT_VERSION.replace("{table}", "global_settings")
        );
        execute!(self, pool => sqlx::query(&sql).bind(to_json(config)?).bind(now_ms()).execute(pool).await)?;
        // The settings' version comes with the API key: the next event reads it again.
        self.principals.clear();
        Ok(())
    }

    pub async fn tenant_overrides(&self, tenant_id: &str) -> Result<ConfigOverrides> {
        let sql = "SELECT overrides_json FROM tenant_settings WHERE tenant_id = $1";
        let json: Option<String> =
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant_id).fetch_optional(pool).await)?;
        Ok(parse(json, "tenant settings")?.unwrap_or_default())
    }

    /// Saves a tenant's overrides after checking that, merged with the global defaults, they
    /// make a valid configuration.
    pub async fn set_tenant_overrides(&self, tenant_id: &str, overrides: &ConfigOverrides) -> Result<()> {
        self.global_rule_config().await?.with_overrides(overrides).validate().map_err(invalid)?;
        let sql = format!(
            "INSERT INTO tenant_settings (tenant_id, overrides_json, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET overrides_json = excluded.overrides_json, updated_at = {}",
            NEXT_VERSION.replace("{table}", "tenant_settings")
        );
        execute!(self, pool => sqlx::query(&sql).bind(tenant_id).bind(to_json(overrides)?).bind(now_ms()).execute(pool).await)?;
        // The settings' version comes with the API key: the next event reads it again.
        self.principals.clear();
        Ok(())
    }

    /// What the tenant's events are scored with when the settings are at `version`: from
    /// memory when they were read at that version already, else read and kept.
    pub async fn rule_config_at(&self, tenant_id: &str, version: SettingsVersion) -> Result<Arc<RuleConfig>> {
        let cached = self.settings.0.lock().ok().and_then(|cache| {
            cache.get(tenant_id).filter(|(at, _)| *at == version).map(|(_, config)| config.clone())
        });
        if let Some(config) = cached {
            return Ok(config);
        }
        // Read after the version was: a save in between is picked up by the next event.
        let config = Arc::new(self.effective_rule_config(tenant_id).await?);
        if let Ok(mut cache) = self.settings.0.lock() {
            cache.insert(tenant_id.to_string(), (version, config.clone()));
        }
        Ok(config)
    }

    /// What the tenant's events are scored with, read in one query.
    pub async fn effective_rule_config(&self, tenant_id: &str) -> Result<RuleConfig> {
        let sql = "SELECT (SELECT config_json FROM global_settings WHERE id = 1), \
                   (SELECT overrides_json FROM tenant_settings WHERE tenant_id = $1)";
        let (global, tenant): (Option<String>, Option<String>) =
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).fetch_one(pool).await)?;
        let global: RuleConfig = parse(global, "global settings")?.unwrap_or_default();
        Ok(match parse::<ConfigOverrides>(tenant, "tenant settings")? {
            Some(overrides) => global.with_overrides(&overrides),
            None => global,
        })
    }
}
