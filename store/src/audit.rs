//! The audit log: one entry per change an operator makes, in the dashboard or the CLI.

use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool};
use crate::{ids, now_ms, Result, Store};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    /// The account's email, or `cli` for the operator's command line.
    pub actor: String,
    pub tenant_id: Option<String>,
    /// A dotted verb such as `tenant.suspend` or `api_key.revoke`.
    pub action: String,
    /// What was changed: a slug, an email, a key prefix, a list name.
    pub target: String,
    pub detail: String,
}

/// What the caller is allowed to read of the log.
#[derive(Debug, Clone, Copy)]
pub enum AuditScope<'a> {
    Everything,
    Tenant(&'a str),
}

/// Most entries returned at once.
pub const MAX_AUDIT_PAGE: i64 = 200;

impl Store {
    pub async fn record_audit(
        &self,
        actor: &str,
        tenant_id: Option<&str>,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        let sql = "INSERT INTO audit_log (id, at, actor, tenant_id, action, target, detail) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        execute!(self, pool => sqlx::query(sql)
            .bind(ids::new_id("aud"))
            .bind(now_ms())
            .bind(actor)
            .bind(tenant_id)
            .bind(action)
            .bind(target)
            .bind(detail)
            .execute(pool)
            .await)?;
        Ok(())
    }

    /// Newest entries first, older than `before` (epoch ms) when given.
    pub async fn audit_entries(
        &self,
        scope: AuditScope<'_>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let limit = limit.clamp(1, MAX_AUDIT_PAGE);
        let before = before.unwrap_or(i64::MAX);
        let columns = "id, at, actor, tenant_id, action, target, detail";
        Ok(match scope {
            AuditScope::Everything => {
                let sql = format!(
                    "SELECT {columns} FROM audit_log WHERE at < $1 ORDER BY at DESC, id DESC LIMIT $2"
                );
                with_pool!(self, pool => sqlx::query_as::<_, AuditEntry>(&sql).bind(before).bind(limit).fetch_all(pool).await)?
            }
            AuditScope::Tenant(tenant_id) => {
                let sql = format!(
                    "SELECT {columns} FROM audit_log WHERE tenant_id = $1 AND at < $2 \
                     ORDER BY at DESC, id DESC LIMIT $3"
                );
                with_pool!(self, pool => sqlx::query_as::<_, AuditEntry>(&sql)
                    .bind(tenant_id).bind(before).bind(limit).fetch_all(pool).await)?
            }
        })
    }
}
