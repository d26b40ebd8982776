//! A client admin's API keys.

use leptos::prelude::*;

use crate::model::{ApiKeyRow, CreatedKey};

/// The tenant's API keys, newest first; client admins only.
#[server(prefix = "/rpc", endpoint = "list-api-keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    let keys = context()?.store.list_api_keys(&tenant_id).await.map_err(store_error)?;
    let now = doorman_store::now_ms();
    Ok(keys
        .into_iter()
        .map(|k| ApiKeyRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            live: k.revoked_at.is_none_or(|at| at > now),
            revoked_at: k.revoked_at,
        })
        .collect())
}

/// Creates a key for the tenant and returns its secret, which is not stored.
#[server(prefix = "/rpc", endpoint = "create-api-key")]
pub async fn create_api_key(name: String) -> Result<CreatedKey, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let (key, secret) = context()?.store.create_api_key(&tenant_id, &name).await.map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "api_key.create", &key.prefix, &format!("name {:?}", key.name)).await;
    Ok(CreatedKey { name: key.name, secret })
}

/// Revokes one of the tenant's keys; the next request with it is refused.
#[server(prefix = "/rpc", endpoint = "revoke-api-key")]
pub async fn revoke_api_key(id: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    context()?.store.revoke_api_key(&tenant_id, &id).await.map_err(store_error)?;
    audit(&admin, Some(&tenant_id), "api_key.revoke", &id, "").await;
    Ok(())
}

/// Replaces one of the tenant's keys with a new one of the same name; the old one keeps
/// working for `grace_minutes` (0: stops at once). Returns the new key's secret.
#[server(prefix = "/rpc", endpoint = "rotate-api-key")]
pub async fn rotate_api_key(id: String, grace_minutes: i64) -> Result<CreatedKey, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let grace_ms = grace_minutes.saturating_mul(60_000);
    let (key, secret) =
        context()?.store.rotate_api_key(&tenant_id, &id, grace_ms).await.map_err(store_error)?;
    let detail = format!("replaced by {}; old key works {grace_minutes} more minutes", key.prefix);
    audit(&admin, Some(&tenant_id), "api_key.rotate", &id, &detail).await;
    Ok(CreatedKey { name: key.name, secret })
}
