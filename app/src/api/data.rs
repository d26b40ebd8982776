//! A tenant's stored data: retention (client admins choose, super admins cap) and erasure
//! of one end user on request.

use leptos::prelude::*;

use crate::model::{ErasedRow, RetentionRow};

#[cfg(feature = "ssr")]
fn row(policy: doorman_store::retention::RetentionPolicy) -> RetentionRow {
    RetentionRow {
        retention_days: policy.retention_days,
        max_retention_days: policy.max_retention_days,
        purged_events: policy.purged_events,
        last_purge_at: policy.last_purge_at,
    }
}

/// The signed-in client admin's tenant's retention.
#[server(prefix = "/rpc", endpoint = "retention")]
pub async fn retention() -> Result<RetentionRow, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    context()?.store.retention_policy(&tenant_id).await.map(row).map_err(store_error)
}

#[server(prefix = "/rpc", endpoint = "set-retention")]
pub async fn set_retention(days: i32) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    context()?.store.set_retention_days(&tenant_id, days).await.map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "retention.set", &format!("{days} days"), "").await;
    Ok(())
}

/// Removes everything stored about one end user of the tenant.
#[server(prefix = "/rpc", endpoint = "erase-user")]
pub async fn erase_user(user: String) -> Result<ErasedRow, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let erased = context()?.store.erase_user(&tenant_id, &user).await.map_err(store_error)?;
    let detail = format!(
        "{} events, {} device links, {} visitors removed",
        erased.events, erased.device_links, erased.visitors
    );
    let reference = doorman_store::erasure::erasure_reference(&tenant_id, &user);
    audit(&admin, Some(&tenant_id), "user.erase", &reference, &detail).await;
    Ok(ErasedRow {
        user: user.trim().to_string(),
        events: erased.events,
        device_links: erased.device_links,
        visitors: erased.visitors,
    })
}

/// A tenant's retention, for the super admin.
#[server(prefix = "/rpc", endpoint = "tenant-retention")]
pub async fn tenant_retention(slug: String) -> Result<RetentionRow, ServerFnError> {
    use super::guard::{context, require_super_admin, store_error, tenant_by_slug};
    require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.retention_policy(&tenant.id).await.map(row).map_err(store_error)
}

/// The longest retention a tenant's client admins may choose.
#[server(prefix = "/rpc", endpoint = "set-retention-ceiling")]
pub async fn set_retention_ceiling(slug: String, days: i32) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_super_admin, store_error, tenant_by_slug};
    let admin = require_super_admin().await?;
    let tenant = tenant_by_slug(&slug).await?;
    context()?.store.set_max_retention_days(&tenant.id, days).await.map_err(store_error)?;
    audit(&admin, Some(&tenant.id), "retention.set_ceiling", &slug, &format!("{days} days")).await;
    Ok(())
}
