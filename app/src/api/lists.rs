//! A client admin's allow and block lists: entries that decide an event before its score.

use leptos::prelude::*;

use crate::model::ListEntriesPage;

/// Reads an optional filter value with the engine's parser, as a 422 when it is not one.
#[cfg(feature = "ssr")]
fn parse_opt<T>(
    value: Option<String>,
    parse: fn(&str) -> Result<T, doorman_engine::EngineError>,
) -> Result<Option<T>, ServerFnError> {
    value.filter(|v| !v.trim().is_empty()).map(|v| parse(&v).map_err(invalid)).transpose()
}

#[cfg(feature = "ssr")]
fn invalid(err: doorman_engine::EngineError) -> ServerFnError {
    super::guard::refuse(http::StatusCode::UNPROCESSABLE_ENTITY, err.to_string())
}

/// The tenant's entries matching the filters, newest first, a page at a time.
#[server(prefix = "/rpc", endpoint = "list-entries")]
pub async fn list_entries(
    kind: Option<String>,
    action: Option<String>,
    search: Option<String>,
    page: Option<i64>,
) -> Result<ListEntriesPage, ServerFnError> {
    use super::guard::{context, require_client_admin, store_error};
    use crate::model::ListEntryView;
    use doorman_engine::lists::{ListAction, ListKind};
    use doorman_store::tenant_lists::{ListQuery, PAGE_SIZE};
    let (_, tenant_id) = require_client_admin().await?;
    let query = ListQuery {
        kind: parse_opt(kind, ListKind::parse)?,
        action: parse_opt(action, ListAction::parse)?,
        search,
        page: page.unwrap_or(0).max(0),
    };
    let found = context()?.store.list_entries(&tenant_id, &query).await.map_err(store_error)?;
    Ok(ListEntriesPage {
        entries: found
            .entries
            .into_iter()
            .map(|e| ListEntryView {
                kind: e.kind,
                value: e.value,
                action: e.action,
                note: e.note,
                created_at: e.created_at,
                created_by: e.created_by,
                expires_at: e.expires_at,
            })
            .collect(),
        total: found.total,
        page: query.page,
        page_size: PAGE_SIZE,
    })
}

/// Adds an entry to the tenant's allow or block list; the next event that matches gets its
/// decision.
#[server(prefix = "/rpc", endpoint = "add-list-entry")]
pub async fn add_list_entry(
    action: String,
    kind: String,
    value: String,
    note: Option<String>,
    /// For how long: `1h`, `24h`, `7d`, `30d`, `90d`; empty for good.
    expires: Option<String>,
) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_engine::lists::{parse_entry, ListAction, ListKind};
    let (admin, tenant_id) = require_client_admin().await?;
    const HOUR: i64 = 3_600_000;
    let now = doorman_store::now_ms();
    let expires_at = match expires.as_deref().map(str::trim).unwrap_or("") {
        "" => None,
        "1h" => Some(now + HOUR),
        "24h" => Some(now + 24 * HOUR),
        "7d" => Some(now + 7 * 24 * HOUR),
        "30d" => Some(now + 30 * 24 * HOUR),
        "90d" => Some(now + 90 * 24 * HOUR),
        _ => return Err(refuse(http::StatusCode::UNPROCESSABLE_ENTITY, "unknown expiry")),
    };
    let action = ListAction::parse(&action).map_err(invalid)?;
    let entry = parse_entry(ListKind::parse(&kind).map_err(invalid)?, &value).map_err(invalid)?;
    let note = note.unwrap_or_default();
    context()?
        .store
        .add_list_entry(&tenant_id, action, &entry, &note, &admin.email, expires_at, now)
        .await
        .map_err(store_error)?;
    let target = format!("{} {}", entry.kind.as_str(), entry.value);
    let detail = match expires_at {
        Some(at) => format!("{} (until {})", note.trim(), crate::model::format_utc(at)),
        None => note.trim().to_string(),
    };
    audit(&admin, Some(&tenant_id), &format!("list.{}.add", action.as_str()), &target, detail.trim()).await;
    Ok(())
}

/// Removes an entry from the tenant's lists.
#[server(prefix = "/rpc", endpoint = "remove-list-entry")]
pub async fn remove_list_entry(kind: String, value: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_client_admin, store_error};
    use doorman_engine::lists::ListKind;
    let (admin, tenant_id) = require_client_admin().await?;
    let kind = ListKind::parse(&kind).map_err(invalid)?;
    let removed = context()?.store.remove_list_entry(&tenant_id, kind, &value).await.map_err(store_error)?;
    if !removed {
        return Err(refuse(http::StatusCode::NOT_FOUND, "no such entry"));
    }
    audit(&admin, Some(&tenant_id), "list.remove", &format!("{} {value}", kind.as_str()), "").await;
    Ok(())
}
