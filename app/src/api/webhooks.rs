//! A client admin's webhooks: where Doorman posts BLOCK and CHALLENGE decisions.

use leptos::prelude::*;

use crate::model::{CreatedWebhook, WebhookView};

/// The tenant's webhooks with how their deliveries went.
#[server(prefix = "/rpc", endpoint = "list-webhooks")]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    let hooks = context()?.store.list_webhooks(&tenant_id).await.map_err(store_error)?;
    Ok(hooks
        .into_iter()
        .map(|w| WebhookView {
            id: w.id,
            url: w.url,
            decisions: w.decisions,
            created_at: w.created_at,
            delivered: w.delivered,
            failed: w.failed,
            pending: w.pending,
            last_error: w.last_error,
        })
        .collect())
}

/// Registers a webhook for the chosen decisions (`block`, `challenge`: checkbox values) and
/// returns its signing secret, which is shown this once.
#[server(prefix = "/rpc", endpoint = "create-webhook")]
pub async fn create_webhook(
    url: String,
    block: Option<String>,
    challenge: Option<String>,
) -> Result<CreatedWebhook, ServerFnError> {
    use super::guard::{audit, context, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    let decisions: Vec<&str> = [(block, "BLOCK"), (challenge, "CHALLENGE")]
        .iter()
        .filter(|(on, _)| on.is_some())
        .map(|(_, d)| *d)
        .collect();
    let (id, secret) =
        context()?.store.create_webhook(&tenant_id, &url, &decisions.join(",")).await.map_err(store_error)?;
    audit(
        &admin,
        Some(&tenant_id),
        "webhook.create",
        &id,
        &format!("{} for {}", url.trim(), decisions.join(", ")),
    )
    .await;
    Ok(CreatedWebhook { url: url.trim().to_string(), secret })
}

/// Removes a webhook and the deliveries still queued for it.
#[server(prefix = "/rpc", endpoint = "delete-webhook")]
pub async fn delete_webhook(id: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    if !context()?.store.delete_webhook(&tenant_id, &id).await.map_err(store_error)? {
        return Err(refuse(http::StatusCode::NOT_FOUND, "no such webhook"));
    }
    audit(&admin, Some(&tenant_id), "webhook.delete", &id, "").await;
    Ok(())
}
