//! Events as the dashboard lists them.

use leptos::prelude::*;

use crate::model::EventRow;

/// Newest events the account may see: every tenant's for a super admin, its own tenant's for
/// a client admin.
#[server(prefix = "/rpc", endpoint = "recent-events")]
pub async fn recent_events() -> Result<Vec<EventRow>, ServerFnError> {
    use super::guard::{context, refuse, require_admin, store_error};
    use doorman_store::admins::Role;
    use doorman_store::events::Scope;

    let admin = require_admin().await?;
    let scope = match (&admin.role, &admin.tenant_id) {
        (Role::SuperAdmin, _) => Scope::AllTenants,
        (Role::ClientAdmin, Some(tenant_id)) => Scope::Tenant(tenant_id),
        (Role::ClientAdmin, None) => {
            return Err(refuse(http::StatusCode::FORBIDDEN, "account has no tenant"))
        }
    };
    let events = context()?.store.recent_events(scope, 50).await.map_err(store_error)?;
    Ok(events
        .into_iter()
        .map(|e| EventRow {
            triggered_rules: e
                .triggered_rules
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            id: e.id,
            tenant_slug: e.tenant_slug,
            event_type: e.event_type,
            created_at: e.created_at,
            email: e.email,
            external_user_id: e.external_user_id,
            ip: e.ip,
            visitor_id: e.visitor_id,
            risk_score: e.risk_score,
            risk_band: e.risk_band,
            decision: e.decision,
        })
        .collect())
}
