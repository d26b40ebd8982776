//! A tenant's allow and block lists for its back office and its scripts:
//! `GET /api/v1/lists`, `POST /api/v1/lists` and `DELETE /api/v1/lists/{kind}/{value}`. The
//! same entries the dashboard's lists page manages; each change is audited.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use doorman_engine::lists::{parse_entry, ListAction, ListKind};
use doorman_store::now_ms;
use doorman_store::tenant_lists::{ListEntryRow, ListPage, ListQuery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::openapi::KeyErrors;
use super::visitors::invalid;
use super::{audit, ApiJson, TenantKey};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListsQuery {
    /// `email`, `email_domain`, `visitor`, `ip`, `cidr`, `asn` or `country`.
    kind: Option<String>,
    /// `allow` or `block`.
    action: Option<String>,
    /// Part of the value.
    search: Option<String>,
    /// Zero-based page of 50 entries, newest first.
    page: Option<i64>,
}

/// The body of `POST /api/v1/lists`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewListEntry {
    /// `allow` or `block`.
    pub action: String,
    /// `email`, `email_domain`, `visitor`, `ip`, `cidr`, `asn` or `country`.
    pub kind: String,
    /// An email, a domain, a `vis_…` id, an IP, a CIDR range, `AS13335`, or `FR`.
    pub value: String,
    /// Why, for the team (up to 200 characters).
    pub reason: Option<String>,
    /// When the entry stops matching (epoch milliseconds, within a year)…
    pub expires_at: Option<i64>,
    /// …or after how many seconds. Neither: for good.
    pub expires_in_seconds: Option<i64>,
}

fn parsed<T>(value: &str, parse: fn(&str) -> Result<T, doorman_engine::EngineError>) -> Result<T, ApiError> {
    parse(value).map_err(ApiError::from)
}

/// The tenant's entries, newest first, 50 a page.
#[utoipa::path(
    get,
    path = "/lists",
    tag = "lists",
    params(ListsQuery),
    responses(
        (status = 200, description = "A page of entries and how many match", body = ListPage),
        (status = 422, description = "An unknown kind or action", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn list(
    State(state): State<AppState>,
    key: TenantKey,
    query: Result<Query<ListsQuery>, QueryRejection>,
) -> Result<Json<ListPage>, ApiError> {
    let Query(q) = query.map_err(|e| invalid("query", e.body_text()))?;
    let query = ListQuery {
        kind: q.kind.as_deref().filter(|k| !k.is_empty()).map(|k| parsed(k, ListKind::parse)).transpose()?,
        action: q
            .action
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(|a| parsed(a, ListAction::parse))
            .transpose()?,
        search: q.search,
        page: q.page.unwrap_or(0).max(0),
    };
    Ok(Json(state.store.list_entries(&key.tenant_id, &query).await?))
}

/// Adds an entry: the next event that matches it gets its decision, until it expires.
#[utoipa::path(
    post,
    path = "/lists",
    tag = "lists",
    request_body = NewListEntry,
    responses(
        (status = 201, description = "The entry as stored", body = ListEntryRow),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 409, description = "The value is already listed", body = ErrorBody),
        (status = 422, description = "An unknown kind or action, a value that is not of its kind, or an expiry not within a year", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn add(
    State(state): State<AppState>,
    key: TenantKey,
    ApiJson(body): ApiJson<NewListEntry>,
) -> Result<(StatusCode, Json<ListEntryRow>), ApiError> {
    let action = parsed(&body.action, ListAction::parse)?;
    let entry = parse_entry(parsed(&body.kind, ListKind::parse)?, &body.value)?;
    let now = now_ms();
    let expires_at = match (body.expires_at, body.expires_in_seconds) {
        (Some(_), Some(_)) => {
            return Err(invalid("expiresAt", "give expiresAt or expiresInSeconds, not both".into()))
        }
        (Some(at), None) => Some(at),
        (None, Some(secs)) => Some(now.saturating_add(secs.saturating_mul(1000))),
        (None, None) => None,
    };
    let reason = body.reason.unwrap_or_default();
    let actor = key.actor();
    state.store.add_list_entry(&key.tenant_id, action, &entry, &reason, &actor, expires_at, now).await?;
    let target = format!("{} {}", entry.kind.as_str(), entry.value);
    let detail = match expires_at {
        Some(at) => format!("{} (until {at})", reason.trim()),
        None => reason.trim().to_string(),
    };
    audit(&state, &key, &format!("list.{}.add", action.as_str()), &target, detail.trim()).await;
    Ok((
        StatusCode::CREATED,
        Json(ListEntryRow {
            kind: entry.kind.as_str().to_string(),
            value: entry.value,
            action: action.as_str().to_string(),
            note: reason.trim().to_string(),
            created_at: now,
            created_by: actor,
            expires_at,
        }),
    ))
}

/// Removes an entry.
#[utoipa::path(
    delete,
    path = "/lists/{kind}/{value}",
    tag = "lists",
    params(
        ("kind" = String, Path, description = "The entry's kind"),
        ("value" = String, Path, description = "The entry's value as stored (a CIDR's `/` as `%2F`)"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such entry", body = ErrorBody),
        (status = 422, description = "An unknown kind", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((kind, value)) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    let kind = parsed(&kind, ListKind::parse)?;
    let value = parse_entry(kind, &value).map(|e| e.value).unwrap_or(value);
    if !state.store.remove_list_entry(&key.tenant_id, kind, &value).await? {
        return Err(ApiError::NotFound("no such entry".into()));
    }
    audit(&state, &key, "list.remove", &format!("{} {value}", kind.as_str()), "").await;
    Ok(StatusCode::NO_CONTENT)
}
