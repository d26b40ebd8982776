//! Server functions of the dashboard. Each one checks who is asking and scopes what it
//! reads to that account's role and tenant.

use leptos::prelude::*;

use crate::model::{AdminView, ApiKeyRow, CreatedKey, EventRow, TenantRow};

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::auth::{
        clear_session_cookie, context, internal, require_admin, session_cookie, session_token,
    };
    pub use doorman_store::admins::{Admin, Role};
    pub use doorman_store::events::{EventSummary, Scope};
    pub use http::header::SET_COOKIE;
    pub use http::HeaderValue;
    pub use leptos_axum::ResponseOptions;

    use crate::model::{AdminView, EventRow, RoleView};

    pub fn event_row(e: EventSummary) -> EventRow {
        EventRow {
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
        }
    }

    pub async fn admin_view(admin: Admin) -> Result<AdminView, leptos::prelude::ServerFnError> {
        let tenant = match &admin.tenant_id {
            Some(id) => context()?.store.tenant_by_id(id).await.map_err(internal)?,
            None => None,
        };
        Ok(AdminView {
            email: admin.email,
            role: match admin.role {
                Role::SuperAdmin => RoleView::SuperAdmin,
                Role::ClientAdmin => RoleView::ClientAdmin,
            },
            tenant_slug: tenant.as_ref().map(|t| t.slug.clone()),
            tenant_name: tenant.map(|t| t.name),
        })
    }

    /// The tenant of the signed-in client admin; anyone else is refused.
    pub async fn require_client_admin() -> Result<String, leptos::prelude::ServerFnError> {
        let admin = require_admin().await?;
        match (admin.role, admin.tenant_id) {
            (Role::ClientAdmin, Some(tenant_id)) => Ok(tenant_id),
            _ => Err(leptos::prelude::ServerFnError::new("forbidden")),
        }
    }

    pub fn set_cookie(value: &str) -> Result<(), leptos::prelude::ServerFnError> {
        let value =
            HeaderValue::from_str(value).map_err(|_| leptos::prelude::ServerFnError::new("bad cookie"))?;
        leptos::prelude::expect_context::<ResponseOptions>().append_header(SET_COOKIE, value);
        Ok(())
    }
}

/// Signs in and redirects to the account's home.
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), ServerFnError> {
    use ssr::*;
    let ctx = context()?;
    let admin = ctx
        .store
        .authenticate_admin(&email, &password)
        .await
        .map_err(internal)?
        .ok_or_else(|| ServerFnError::new("Wrong email or password."))?;
    let token = ctx.store.create_session(&admin.id).await.map_err(internal)?;
    set_cookie(&session_cookie(&token, ctx.secure_cookies))?;
    leptos_axum::redirect(match admin.role {
        Role::SuperAdmin => "/admin",
        Role::ClientAdmin => "/client-admin",
    });
    Ok(())
}

/// Ends the session on the server and in the browser.
#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    use ssr::*;
    let ctx = context()?;
    let parts = use_context::<http::request::Parts>().ok_or_else(|| ServerFnError::new("request missing"))?;
    if let Some(token) = session_token(&parts.headers) {
        ctx.store.delete_session(&token).await.map_err(internal)?;
    }
    set_cookie(&clear_session_cookie(ctx.secure_cookies))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in account, or `None`.
#[server(prefix = "/rpc", endpoint = "current-admin")]
pub async fn current_admin() -> Result<Option<AdminView>, ServerFnError> {
    use ssr::*;
    match require_admin().await {
        Ok(admin) => Ok(Some(admin_view(admin).await?)),
        Err(_) => Ok(None),
    }
}

/// Newest events the account may see: every tenant's for a super admin, its own tenant's for
/// a client admin.
#[server(prefix = "/rpc", endpoint = "recent-events")]
pub async fn recent_events() -> Result<Vec<EventRow>, ServerFnError> {
    use ssr::*;
    let admin = require_admin().await?;
    let scope = match (&admin.role, &admin.tenant_id) {
        (Role::SuperAdmin, _) => Scope::AllTenants,
        (Role::ClientAdmin, Some(tenant_id)) => Scope::Tenant(tenant_id),
        (Role::ClientAdmin, None) => return Err(ServerFnError::new("account has no tenant")),
    };
    let events = context()?.store.recent_events(scope, 50).await.map_err(internal)?;
    Ok(events.into_iter().map(event_row).collect())
}

/// Every tenant; super admins only.
#[server(prefix = "/rpc", endpoint = "list-tenants")]
pub async fn list_tenants() -> Result<Vec<TenantRow>, ServerFnError> {
    use ssr::*;
    let admin = require_admin().await?;
    if admin.role != Role::SuperAdmin {
        return Err(ServerFnError::new("forbidden"));
    }
    let tenants = context()?.store.list_tenants().await.map_err(internal)?;
    Ok(tenants
        .into_iter()
        .map(|t| TenantRow { slug: t.slug, name: t.name, status: t.status, created_at: t.created_at })
        .collect())
}

/// The tenant's API keys, newest first; client admins only.
#[server(prefix = "/rpc", endpoint = "list-api-keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, ServerFnError> {
    use ssr::*;
    let tenant_id = require_client_admin().await?;
    let keys = context()?.store.list_api_keys(&tenant_id).await.map_err(internal)?;
    Ok(keys
        .into_iter()
        .map(|k| ApiKeyRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        })
        .collect())
}

/// Creates a key for the tenant and returns its secret, which is not stored.
#[server(prefix = "/rpc", endpoint = "create-api-key")]
pub async fn create_api_key(name: String) -> Result<CreatedKey, ServerFnError> {
    use ssr::*;
    let tenant_id = require_client_admin().await?;
    let (key, secret) = context()?.store.create_api_key(&tenant_id, &name).await.map_err(|e| match e {
        doorman_store::StoreError::Invalid(message) => ServerFnError::new(message),
        other => internal(other),
    })?;
    tracing::info!(tenant = %tenant_id, key = %key.id, "API key created in the dashboard");
    Ok(CreatedKey { name: key.name, secret })
}

/// Revokes one of the tenant's keys; the next request with it is refused.
#[server(prefix = "/rpc", endpoint = "revoke-api-key")]
pub async fn revoke_api_key(id: String) -> Result<(), ServerFnError> {
    use ssr::*;
    let tenant_id = require_client_admin().await?;
    context()?.store.revoke_api_key(&tenant_id, &id).await.map_err(|e| match e {
        doorman_store::StoreError::NotFound(_) => ServerFnError::new("no such live key"),
        other => internal(other),
    })?;
    tracing::info!(tenant = %tenant_id, key = %id, "API key revoked in the dashboard");
    Ok(())
}
