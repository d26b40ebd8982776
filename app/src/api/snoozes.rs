//! Rules snoozed for one user, visitor or IP: made from an event (its detail or review
//! page), listed and ended on the rules page.

use leptos::prelude::*;

use crate::model::SnoozeView;

/// Snoozes `rule` for the event's user, visitor or IP (`target`) for `days` (1 to 180).
#[server(prefix = "/rpc", endpoint = "snooze-rule")]
pub async fn snooze_rule(
    event_id: String,
    rule: String,
    target: String,
    days: String,
    reason: String,
) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_store::snoozes::NewSnooze;
    let (admin, tenant_id) = require_client_admin().await?;
    let store = &context()?.store;
    let invalid = |m: &str| refuse(http::StatusCode::UNPROCESSABLE_ENTITY, m.to_string());
    let event = store
        .event(&tenant_id, &event_id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| refuse(http::StatusCode::NOT_FOUND, "no such event"))?;
    let value = match target.as_str() {
        "user" => event
            .external_user_id
            .clone()
            .or_else(|| event.email.as_deref().and_then(doorman_engine::derive::normalize_email)),
        "visitor" => Some(event.visitor_id.clone()),
        "ip" => event.ip.clone(),
        _ => return Err(invalid("snooze for the event's user, visitor or ip")),
    }
    .ok_or_else(|| invalid("the event has no such identifier"))?;
    let days: i64 = days.trim().parse().map_err(|_| invalid("the snooze's length is a number of days"))?;
    let now = doorman_store::now_ms();
    let new = NewSnooze {
        rule: &rule,
        kind: &target,
        value: &value,
        until: now + days * 86_400_000,
        reason: &reason,
    };
    store.snooze_rule(&tenant_id, &new, &admin.email, now).await.map_err(store_error)?;
    let detail = format!("{target} {value} for {days} days: {}", reason.trim());
    audit(&admin, Some(&tenant_id), "rule.snooze", &rule, &detail).await;
    Ok(())
}

/// The tenant's snoozes that have not ended.
#[server(prefix = "/rpc", endpoint = "snoozes")]
pub async fn live_snoozes() -> Result<Vec<SnoozeView>, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    let (_, tenant_id) = require_client_admin().await?;
    let snoozes =
        context()?.store.live_snoozes(&tenant_id, doorman_store::now_ms()).await.map_err(store_error)?;
    Ok(snoozes
        .into_iter()
        .map(|s| SnoozeView {
            id: s.id,
            rule: s.rule,
            kind: s.kind,
            value: s.value,
            until: s.until,
            reason: s.reason,
            created_by: s.created_by,
        })
        .collect())
}

/// Ends a snooze now.
#[server(prefix = "/rpc", endpoint = "end-snooze")]
pub async fn end_snooze(id: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    let (admin, tenant_id) = require_client_admin().await?;
    if !context()?.store.end_snooze(&tenant_id, &id).await.map_err(store_error)? {
        return Err(refuse(http::StatusCode::NOT_FOUND, "no such snooze"));
    }
    audit(&admin, Some(&tenant_id), "rule.snooze_end", &id, "").await;
    Ok(())
}
