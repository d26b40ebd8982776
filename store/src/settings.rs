//! Rule settings: global defaults and per-tenant overrides, merged into the configuration an
//! event of the tenant is scored with.

use doorman_engine::config::{ConfigOverrides, RuleConfig};

use crate::db::{execute, with_pool};
use crate::{now_ms, Result, Store, StoreError};

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
        let sql = "INSERT INTO global_settings (id, config_json, updated_at) VALUES (1, $1, $2) \
                   ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, updated_at = excluded.updated_at";
        execute!(self, pool => sqlx::query(sql).bind(to_json(config)?).bind(now_ms()).execute(pool).await)?;
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
        let sql = "INSERT INTO tenant_settings (tenant_id, overrides_json, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (tenant_id) DO UPDATE SET overrides_json = excluded.overrides_json, updated_at = excluded.updated_at";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(to_json(overrides)?).bind(now_ms()).execute(pool).await)?;
        Ok(())
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
