//! `GET /api/v1/visitors/{visitorId}`: one device's history a page at a time, with the
//! users and addresses seen with it.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use doorman_store::events::{EventSummary, Scope};
use doorman_store::search::{DeviceIp, DeviceUser, EventFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::openapi::KeyErrors;
use super::TenantKey;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Events per page, 1 to 100; 20 when absent.
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorEvent {
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    created_at: i64,
    external_user_id: Option<String>,
    email: Option<String>,
    ip: Option<String>,
    risk_score: i32,
    risk_band: String,
    decision: String,
    triggered_rules: Vec<String>,
}

impl From<EventSummary> for VisitorEvent {
    fn from(e: EventSummary) -> Self {
        VisitorEvent {
            triggered_rules: doorman_store::events::rule_codes(&e.triggered_rules)
                .map(str::to_string)
                .collect(),
            event_id: e.id,
            event_type: e.event_type,
            created_at: e.created_at,
            external_user_id: e.external_user_id,
            email: e.email,
            ip: e.ip,
            risk_score: e.risk_score,
            risk_band: e.risk_band,
            decision: e.decision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedUser {
    user: String,
    first_seen_at: i64,
    last_seen_at: i64,
}

impl From<DeviceUser> for LinkedUser {
    fn from(u: DeviceUser) -> Self {
        LinkedUser { user: u.user_key, first_seen_at: u.first_seen_at, last_seen_at: u.last_seen_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedIp {
    ip: String,
    events: i64,
    last_seen_at: i64,
}

impl From<DeviceIp> for LinkedIp {
    fn from(i: DeviceIp) -> Self {
        LinkedIp { ip: i.ip, events: i.events, last_seen_at: i.last_seen_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorHistory {
    visitor_id: String,
    first_seen_at: i64,
    last_seen_at: i64,
    /// Users seen on the device, most recent first.
    users: Vec<LinkedUser>,
    /// Addresses the device came from, most recent first.
    ips: Vec<LinkedIp>,
    /// Newest first.
    events: Vec<VisitorEvent>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

pub(super) fn invalid(field: &str, message: String) -> ApiError {
    ApiError::InvalidField { field: field.into(), message: format!("{field}: {message}") }
}

/// A cursor is the time and id of the last event of a page: `1700000000000.evt_…`.
pub(super) fn parse_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    let bad = || invalid("cursor", "not a cursor this API gave out".into());
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    let at = at.parse().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 64 {
        return Err(bad());
    }
    Ok((at, id.to_string()))
}

/// One device's events, newest first, a page at a time, with the users and addresses seen
/// with it.
#[utoipa::path(
    get,
    path = "/visitors/{visitor_id}",
    tag = "visitors",
    params(("visitor_id" = String, Path, description = "`visitorId` of an ingest answer"), PageQuery),
    responses(
        (status = 200, description = "A page of the device's history", body = VisitorHistory),
        (status = 404, description = "No such visitor for this tenant", body = ErrorBody),
        (status = 422, description = "A limit out of range or a cursor this API did not give out", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn get_visitor(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<VisitorHistory>, ApiError> {
    let Path(visitor_id) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    let Query(page) = query.map_err(|e| invalid("query", e.body_text()))?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let after = page.cursor.as_deref().map(parse_cursor).transpose()?;
    let tenant = key.tenant_id.as_str();
    let visitor = state
        .store
        .visitor(tenant, &visitor_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such visitor".into()))?;
    let filter = EventFilter { visitor_id: Some(visitor.id.clone()), after, ..EventFilter::default() };
    // One more than the page shows tells whether another page follows.
    let mut events = state.store.search_events(Scope::Tenant(tenant), &filter, limit + 1).await?;
    let next_cursor = if events.len() as i64 > limit {
        events.truncate(limit as usize);
        events.last().map(|e| format!("{}.{}", e.created_at, e.id))
    } else {
        None
    };
    let (users, ips) = state.store.device_links(tenant, &visitor.id).await?;
    Ok(Json(VisitorHistory {
        visitor_id: visitor.id,
        first_seen_at: visitor.first_seen_at,
        last_seen_at: visitor.last_seen_at,
        users: users.into_iter().map(LinkedUser::from).collect(),
        ips: ips.into_iter().map(LinkedIp::from).collect(),
        events: events.into_iter().map(VisitorEvent::from).collect(),
        next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        assert_eq!(parse_cursor("1700000000000.evt_0190").unwrap(), (1_700_000_000_000, "evt_0190".into()));
        for junk in ["", "evt_1", "x.evt_1", "17.", "-"] {
            assert!(parse_cursor(junk).is_err(), "{junk}");
        }
    }
}
