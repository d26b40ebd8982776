//! The audit log: everything for a super admin, the own tenant's entries for a client admin.

use leptos::prelude::*;

use crate::model::AuditRow;

/// One page of entries, newest first, older than `before` (epoch ms) when given.
#[server(prefix = "/rpc", endpoint = "audit-log")]
pub async fn audit_log(before: Option<i64>) -> Result<Vec<AuditRow>, ServerFnError> {
    use super::guard::{context, refuse, require_admin, store_error};
    use doorman_store::admins::Role;
    use doorman_store::audit::AuditScope;
    use std::collections::HashMap;

    let admin = require_admin().await?;
    let scope = match (&admin.role, &admin.tenant_id) {
        (Role::SuperAdmin, _) => AuditScope::Everything,
        (Role::ClientAdmin, Some(tenant_id)) => AuditScope::Tenant(tenant_id),
        (Role::ClientAdmin, None) => {
            return Err(refuse(http::StatusCode::FORBIDDEN, "account has no tenant"))
        }
    };
    let store = context()?.store;
    let entries = store.audit_entries(scope, before, 100).await.map_err(store_error)?;
    let slugs: HashMap<String, String> =
        store.list_tenants().await.map_err(store_error)?.into_iter().map(|t| (t.id, t.slug)).collect();
    Ok(entries
        .into_iter()
        .map(|e| AuditRow {
            tenant_slug: e.tenant_id.as_ref().and_then(|id| slugs.get(id).cloned()),
            at: e.at,
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        })
        .collect())
}
