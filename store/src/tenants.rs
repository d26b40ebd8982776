//! Tenants: the client products that use Doorman.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool};
use crate::{ids, now_ms, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
}

/// Tenants' numbers by id, as the events table names them (migration 0020 on SQLite, 0022 on
/// PostgreSQL). A tenant keeps its number and is never deleted, so a number once read stays
/// true; ingest binds it instead of finding it in a subquery of every count, which cost
/// PostgreSQL a subplan each.
#[derive(Clone, Default)]
pub(crate) struct TenantNumbers(Arc<RwLock<HashMap<String, i64>>>);

impl Store {
    /// The number the events table names the tenant `tenant_id` by.
    pub(crate) async fn tenant_number(&self, tenant_id: &str) -> Result<i64> {
        let cached = self.tenant_numbers.0.read().ok().and_then(|numbers| numbers.get(tenant_id).copied());
        if let Some(number) = cached {
            return Ok(number);
        }
        let sql = "SELECT CAST(number AS BIGINT) FROM tenants WHERE id = $1";
        let number: i64 =
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant_id).fetch_optional(pool).await)?
                .ok_or(StoreError::NotFound("tenant"))?;
        if let Ok(mut numbers) = self.tenant_numbers.0.write() {
            numbers.insert(tenant_id.to_string(), number);
        }
        Ok(number)
    }
}

/// Slugs appear in URLs and CLI flags: lowercase letters, digits and inner dashes.
pub fn validate_slug(slug: &str) -> Result<()> {
    let ok_chars = slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(2..=40).contains(&slug.len()) || !ok_chars || slug.starts_with('-') || slug.ends_with('-') {
        return Err(StoreError::Invalid(format!(
            "invalid slug {slug:?}: use 2 to 40 lowercase letters, digits or inner dashes"
        )));
    }
    Ok(())
}

fn validate_name(name: &str) -> Result<()> {
    let len = name.trim().chars().count();
    if len == 0 || len > 100 {
        return Err(StoreError::Invalid("tenant name must have 1 to 100 characters".into()));
    }
    Ok(())
}

const COLUMNS: &str = "id, slug, name, status, created_at";

impl Store {
    pub async fn create_tenant(&self, slug: &str, name: &str) -> Result<Tenant> {
        validate_slug(slug)?;
        validate_name(name)?;
        let mut tenant = Tenant {
            id: String::new(),
            slug: slug.to_string(),
            name: name.trim().to_string(),
            status: "ACTIVE".into(),
            created_at: now_ms(),
        };
        // Tenant ids are short (see `ids::new_tenant_id`): one that is taken is drawn again.
        let sql = "INSERT INTO tenants (id, slug, name, status, created_at) \
            SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM tenants WHERE id = $1)";
        for _ in 0..8 {
            tenant.id = ids::new_tenant_id();
            let inserted = execute!(self, pool => sqlx::query(sql)
                .bind(&tenant.id)
                .bind(&tenant.slug)
                .bind(&tenant.name)
                .bind(&tenant.status)
                .bind(tenant.created_at)
                .execute(pool)
                .await)
            .map_err(|e| {
                StoreError::conflict_on_unique(e, format!("a tenant with slug {slug:?} already exists"))
            })?;
            if inserted == 1 {
                return Ok(tenant);
            }
        }
        Err(StoreError::Conflict("no free tenant id was drawn in 8 tries".into()))
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants WHERE slug = $1");
        Ok(with_pool!(self, pool => sqlx::query_as::<_, Tenant>(&sql).bind(slug).fetch_optional(pool).await)?)
    }

    pub async fn tenant_by_id(&self, id: &str) -> Result<Option<Tenant>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as::<_, Tenant>(&sql).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn rename_tenant(&self, id: &str, name: &str) -> Result<()> {
        validate_name(name)?;
        let sql = "UPDATE tenants SET name = $2 WHERE id = $1";
        let done = execute!(self, pool => sqlx::query(sql).bind(id).bind(name.trim()).execute(pool).await)?;
        if done == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(())
    }

    /// Suspends (`active = false`) or reactivates a tenant. A suspended tenant's API keys are
    /// refused with 403 and its client admins cannot sign in; nothing is deleted.
    pub async fn set_tenant_active(&self, id: &str, active: bool) -> Result<()> {
        let status = if active { "ACTIVE" } else { "SUSPENDED" };
        let sql = "UPDATE tenants SET status = $2 WHERE id = $1";
        let done = execute!(self, pool => sqlx::query(sql).bind(id).bind(status).execute(pool).await)?;
        self.principals.clear();
        if done == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(())
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants ORDER BY slug");
        Ok(with_pool!(self, pool => sqlx::query_as::<_, Tenant>(&sql).fetch_all(pool).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::validate_slug;

    #[test]
    fn slugs() {
        for ok in ["acme", "acme-2", "a1"] {
            assert!(validate_slug(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "Acme", "-acme", "acme-", "ac me", "acme_co", &"a".repeat(41)] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }
}
