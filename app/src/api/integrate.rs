//! What the integrate page needs to write copy-ready examples for the tenant.

use leptos::prelude::*;

use crate::model::IntegrationView;

#[server(prefix = "/rpc", endpoint = "integration")]
pub async fn integration() -> Result<IntegrationView, ServerFnError> {
    use super::guard::{context, request_parts, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    let ctx = context()?;
    let parts = request_parts()?;
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost:3000");
    let scheme = if ctx.secure_cookies { "https" } else { "http" };
    let tenant = ctx.store.tenant_by_id(&tenant_id).await.map_err(store_error)?;
    let now = doorman_store::now_ms();
    let keys = ctx.store.list_api_keys(&tenant_id).await.map_err(store_error)?;
    Ok(IntegrationView {
        base_url: format!("{scheme}://{host}"),
        tenant_name: tenant.map(|t| t.name).unwrap_or_default(),
        key_prefixes: keys
            .into_iter()
            .filter(|k| k.revoked_at.is_none_or(|at| at > now))
            .map(|k| k.prefix)
            .collect(),
    })
}
