//! Events as the dashboard lists, searches and details them.

use leptos::prelude::*;

use crate::model::{EventDetail, EventPage, EventRow};

/// Events on one page of a search.
pub const PAGE_SIZE: i64 = 50;

#[cfg(feature = "ssr")]
pub(super) fn row(e: doorman_store::events::EventSummary) -> EventRow {
    EventRow {
        triggered_rules: doorman_store::events::rule_codes(&e.triggered_rules).map(str::to_string).collect(),
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

/// Every tenant for a super admin, its own tenant for a client admin.
#[cfg(feature = "ssr")]
fn scope_of(admin: &doorman_store::admins::Admin) -> Result<doorman_store::events::Scope<'_>, ServerFnError> {
    use doorman_store::admins::Role;
    use doorman_store::events::Scope;
    match (&admin.role, &admin.tenant_id) {
        (Role::SuperAdmin, _) => Ok(Scope::AllTenants),
        (Role::ClientAdmin, Some(tenant_id)) => Ok(Scope::Tenant(tenant_id)),
        (Role::ClientAdmin, None) => {
            Err(super::guard::refuse(http::StatusCode::FORBIDDEN, "account has no tenant"))
        }
    }
}

/// Newest events the account may see.
#[server(prefix = "/rpc", endpoint = "recent-events")]
pub async fn recent_events() -> Result<Vec<EventRow>, ServerFnError> {
    use super::guard::{context, require_admin, store_error};
    let admin = require_admin().await?;
    let events = context()?.store.recent_events(scope_of(&admin)?, 50).await.map_err(store_error)?;
    Ok(events.into_iter().map(row).collect())
}

/// Events matching the filters the account may see, newest first, a page at a time. Dates
/// are `YYYY-MM-DD` in UTC, both inclusive; `after` is the `next` of the previous page.
#[server(prefix = "/rpc", endpoint = "search-events")]
#[allow(clippy::too_many_arguments)]
pub async fn search_events(
    event_type: Option<String>,
    decision: Option<String>,
    user: Option<String>,
    visitor: Option<String>,
    ip: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
) -> Result<EventPage, ServerFnError> {
    use super::guard::{context, refuse, require_admin, store_error};
    use crate::model::parse_utc_date;
    use doorman_store::search::EventFilter;
    use http::StatusCode;

    let admin = require_admin().await?;
    let date = |value: Option<String>, what: &str| -> Result<Option<i64>, ServerFnError> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_utc_date(v).map(Some).ok_or_else(|| {
                refuse(StatusCode::UNPROCESSABLE_ENTITY, format!("{what} must be a date YYYY-MM-DD"))
            }),
        }
    };
    let after = match after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(cursor) => {
            let parsed =
                cursor.split_once(':').and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_string())));
            Some(parsed.ok_or_else(|| refuse(StatusCode::UNPROCESSABLE_ENTITY, "invalid page cursor"))?)
        }
    };
    let filter = EventFilter {
        event_type,
        decision,
        user,
        visitor_id: visitor,
        ip,
        since: date(from, "from")?,
        until: date(to, "to")?.map(|day| day + 86_400_000),
        after,
    };
    let events =
        context()?.store.search_events(scope_of(&admin)?, &filter, PAGE_SIZE).await.map_err(store_error)?;
    let next = (events.len() as i64 == PAGE_SIZE)
        .then(|| events.last().map(|e| format!("{}:{}", e.created_at, e.id)))
        .flatten();
    Ok(EventPage { events: events.into_iter().map(row).collect(), next })
}

/// One event of the client admin's tenant with its checks, signals and device links.
#[server(prefix = "/rpc", endpoint = "load-event")]
pub async fn load_event(id: String) -> Result<EventDetail, ServerFnError> {
    use super::guard::{context, require_client_admin};
    let (_, tenant_id) = require_client_admin().await?;
    event_detail(&context()?.store, &tenant_id, &id).await
}

/// One event of `tenant_id` as its detail page shows it.
#[cfg(feature = "ssr")]
pub(super) async fn event_detail(
    store: &doorman_store::Store,
    tenant_id: &str,
    id: &str,
) -> Result<EventDetail, ServerFnError> {
    use super::guard::{refuse, store_error};
    use crate::model::CheckRow;
    let stored = store
        .event(tenant_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| refuse(http::StatusCode::NOT_FOUND, "no such event"))?;
    let checks: Vec<CheckRow> = stored
        .checks
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| CheckRow {
                    code: c["code"].as_str().unwrap_or_default().to_string(),
                    label: c["label"].as_str().unwrap_or_default().to_string(),
                    weight: c["weight"].as_i64().unwrap_or_default() as i32,
                    status: c["status"].as_str().unwrap_or_default().to_string(),
                    detail: c["detail"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let (users, ips) = store.device_links(tenant_id, &stored.visitor_id).await.map_err(store_error)?;
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Ok(EventDetail {
        event: EventRow {
            triggered_rules: checks.iter().filter(|c| c.status == "FIRED").map(|c| c.code.clone()).collect(),
            id: stored.event_id.clone(),
            tenant_slug: String::new(),
            event_type: stored.event_type.clone(),
            created_at: stored.created_at,
            email: stored.email.clone(),
            external_user_id: stored.external_user_id.clone(),
            ip: stored.ip.clone(),
            visitor_id: stored.visitor_id.clone(),
            risk_score: stored.risk_score,
            risk_band: stored.risk_band.clone(),
            decision: stored.decision.clone(),
        },
        checks,
        signals_json: pretty(&stored.derived_signals),
        device_json: pretty(&stored.device),
        device_users: users.into_iter().map(|u| (u.user_key, u.first_seen_at, u.last_seen_at)).collect(),
        device_ips: ips.into_iter().map(|i| (i.ip, i.events, i.last_seen_at)).collect(),
    })
}
