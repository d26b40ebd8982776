//! The super admin's tenants and their client admins.

use leptos::prelude::*;

use crate::model::{AdminAccountRow, TenantRow};

#[cfg(feature = "ssr")]
fn tenant_row(t: doorman_store::tenants::Tenant) -> TenantRow {
    TenantRow { slug: t.slug, name: t.name, status: t.status, created_at: t.created_at }
}

/// Every tenant; super admins only.
#[server(prefix = "/rpc", endpoint = "list-tenants")]
pub async fn list_tenants() -> Result<Vec<TenantRow>, ServerFnError> {
    use super::guard::{context, require_super_admin, store_error};
    require_super_admin().await?;
    let tenants = context()?.store.list_tenants().await.map_err(store_error)?;
    Ok(tenants.into_iter().map(tenant_row).collect())
}

/// One tenant with its client admins.
#[server(prefix = "/rpc", endpoint = "tenant-detail")]
pub async fn tenant_detail(slug: String) -> Result<(TenantRow, Vec<AdminAccountRow>), ServerFnError> {
    use super::guard::{context, require_super_admin, store_error, tenant_by_slug};
    require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    let admins = context()?.store.list_tenant_admins(&tenant.id).await.map_err(store_error)?;
    let admins = admins
        .into_iter()
        .map(|a| AdminAccountRow { id: a.id, email: a.email, disabled: a.disabled, created_at: a.created_at })
        .collect();
    Ok((tenant_row(tenant), admins))
}

#[server(prefix = "/rpc", endpoint = "create-tenant")]
pub async fn create_tenant(slug: String, name: String) -> Result<TenantRow, ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error};
    let admin = require_super_admin().await?;
    let tenant = context()?.store.create_tenant(slug.trim(), &name).await.map_err(store_error)?;
    audit(&admin, Some(&tenant.id), "tenant.create", &tenant.slug, &format!("name {:?}", tenant.name)).await;
    Ok(tenant_row(tenant))
}

#[server(prefix = "/rpc", endpoint = "rename-tenant")]
pub async fn rename_tenant(slug: String, name: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.rename_tenant(&tenant.id, &name).await.map_err(store_error)?;
    let detail = format!("{:?} → {:?}", tenant.name, name.trim());
    audit(&admin, Some(&tenant.id), "tenant.rename", &slug, &detail).await;
    Ok(())
}

/// Suspends (`active=false`) or reactivates a tenant. Suspended, its API keys get 403 and its
/// client admins are signed out.
#[server(prefix = "/rpc", endpoint = "set-tenant-active")]
pub async fn set_tenant_active(slug: String, active: bool) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.set_tenant_active(&tenant.id, active).await.map_err(store_error)?;
    let action = if active { "tenant.reactivate" } else { "tenant.suspend" };
    audit(&admin, Some(&tenant.id), action, &slug, "").await;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "create-client-admin")]
pub async fn create_client_admin(slug: String, email: String, password: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    use doorman_store::admins::Role;
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    let created = context()?
        .store
        .create_admin(&email, &password, Role::ClientAdmin, Some(&tenant.id))
        .await
        .map_err(store_error)?;
    audit(&admin, Some(&tenant.id), "client_admin.create", &created.email, "").await;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "set-client-admin-disabled")]
pub async fn set_client_admin_disabled(
    slug: String,
    id: String,
    disabled: bool,
) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.set_client_admin_disabled(&tenant.id, &id, disabled).await.map_err(store_error)?;
    let action = if disabled { "client_admin.disable" } else { "client_admin.enable" };
    audit(&admin, Some(&tenant.id), action, &id, "").await;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "reset-client-admin-password")]
pub async fn reset_client_admin_password(
    slug: String,
    id: String,
    password: String,
) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.reset_client_admin_password(&tenant.id, &id, &password).await.map_err(store_error)?;
    audit(&admin, Some(&tenant.id), "client_admin.reset_password", &id, "").await;
    Ok(())
}
