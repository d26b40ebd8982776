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
    let deadline = ctx.store.ingest_deadline(&tenant_id).await.map_err(store_error)?;
    Ok(IntegrationView {
        base_url: format!("{scheme}://{host}"),
        tenant_name: tenant.map(|t| t.name).unwrap_or_default(),
        key_prefixes: keys
            .into_iter()
            .filter(|k| k.revoked_at.is_none_or(|at| at > now))
            .map(|k| k.prefix)
            .collect(),
        deadline_ms: deadline.deadline_ms,
        fail_decision: deadline.fail_decision.as_str().to_string(),
    })
}

/// Sets how long the tenant's backends wait for a decision, and the decision they get past
/// it: ALLOW (fail open) or CHALLENGE.
#[server(prefix = "/rpc", endpoint = "set-deadline")]
pub async fn set_deadline(deadline_ms: String, fail_decision: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_engine::score::Decision;
    use doorman_store::api_keys::IngestDeadline;
    let (admin, tenant_id) = require_client_admin().await?;
    let invalid = |m: &str| refuse(http::StatusCode::UNPROCESSABLE_ENTITY, m.to_string());
    let deadline = IngestDeadline {
        deadline_ms: deadline_ms
            .trim()
            .parse()
            .map_err(|_| invalid("the deadline is a whole number of milliseconds"))?,
        fail_decision: match fail_decision.as_str() {
            "ALLOW" => Decision::Allow,
            "CHALLENGE" => Decision::Challenge,
            _ => return Err(invalid("past the deadline an event is allowed or challenged")),
        },
    };
    context()?.store.set_ingest_deadline(&tenant_id, deadline).await.map_err(store_error)?;
    let detail = format!("{} ms, then {}", deadline.deadline_ms, deadline.fail_decision.as_str());
    audit(&admin, Some(&tenant_id), "ingest.deadline", "deadline", &detail).await;
    Ok(())
}
