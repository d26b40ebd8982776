//! The review queue for client backends that run their own back office:
//! `GET /api/v1/review` lists what waits, `POST /api/v1/review/{eventId}` decides one item.
//! The same queue the dashboard's analysts work (`store::review`): a decision here becomes
//! the event's label, notifies the webhooks, is audited and updates open dashboard pages.

use app::model::LiveUpdate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use doorman_engine::feedback::Label;
use doorman_store::export::StoredEvent;
use doorman_store::now_ms;
use doorman_store::review::{Assignee, ReviewCounts, ReviewFilter, ReviewItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::openapi::KeyErrors;
use super::visitors::{invalid, parse_cursor};
use super::{audit, ApiJson, TenantKey};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;
const MINUTE_MS: i64 = 60_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewQuery {
    /// Items that entered at least this many minutes ago.
    older_than_minutes: Option<i64>,
    /// Items that entered at most this many minutes ago.
    newer_than_minutes: Option<i64>,
    /// Items on which this rule fired, e.g. `VPN_OR_PROXY`.
    rule: Option<String>,
    /// Items an analyst (email) holds now, or `unassigned` for those nobody holds.
    assignee: Option<String>,
    visitor_id: Option<String>,
    /// Items per page, 1 to 200; 50 when absent.
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// A page of the queue, oldest first, and what waits in all under the same filters.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewPage {
    items: Vec<ReviewItem>,
    counts: ReviewCounts,
    next_cursor: Option<String>,
}

/// The body of `POST /api/v1/review/{eventId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDecision {
    pub decision: Label,
    /// Up to 1,000 characters, kept with the item and sent to the webhooks.
    pub comment: Option<String>,
}

/// The events waiting for review: challenged ones, near misses if the tenant queues them,
/// and those an analyst sent.
#[utoipa::path(
    get,
    path = "/review",
    tag = "review",
    params(ReviewQuery),
    responses(
        (status = 200, description = "A page of the queue", body = ReviewPage),
        (status = 422, description = "A filter, limit or cursor out of range", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn list(
    State(state): State<AppState>,
    key: TenantKey,
    query: Result<Query<ReviewQuery>, QueryRejection>,
) -> Result<Json<ReviewPage>, ApiError> {
    let Query(query) = query.map_err(|e| invalid("query", e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let minutes = |value: Option<i64>, field: &str| match value {
        Some(m) if !(0..=10 * 365 * 24 * 60).contains(&m) => {
            Err(invalid(field, "must be 0 or more minutes".into()))
        }
        other => Ok(other.map(|m| m * MINUTE_MS)),
    };
    let filter = ReviewFilter {
        older_than_ms: minutes(query.older_than_minutes, "olderThanMinutes")?,
        newer_than_ms: minutes(query.newer_than_minutes, "newerThanMinutes")?,
        rule: query.rule.filter(|r| !r.is_empty()),
        assignee: query.assignee.filter(|a| !a.is_empty()).map(|a| match a.as_str() {
            "unassigned" => Assignee::Nobody,
            _ => Assignee::Analyst(a),
        }),
        visitor_id: query.visitor_id.filter(|v| !v.is_empty()),
    };
    let after = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let now = now_ms();
    let mut items = state.store.review_queue(&key.tenant_id, &filter, after, limit + 1, now).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|i| format!("{}.{}", i.created_at, i.event_id))
    } else {
        None
    };
    let counts = state.store.review_counts(&key.tenant_id, &filter, now).await?;
    Ok(Json(ReviewPage { items, counts, next_cursor }))
}

/// Closes a queued item with FRAUD or LEGIT: the event's label (as feedback sets it), with
/// the comment, a `review.decided` webhook delivery and an audit entry. The back office
/// decides over any analyst's claim.
#[utoipa::path(
    post,
    path = "/review/{event_id}",
    tag = "review",
    params(("event_id" = String, Path, description = "`eventId` of a queued event")),
    request_body = ReviewDecision,
    responses(
        (status = 200, description = "The event with its label", body = StoredEvent),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No such event for this tenant", body = ErrorBody),
        (status = 409, description = "The event is not in the queue, or is already labeled", body = ErrorBody),
        (status = 422, description = "A decision other than FRAUD or LEGIT, or a comment too long", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<ReviewDecision>,
) -> Result<Json<StoredEvent>, ApiError> {
    let Path(event_id) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    let comment = body.comment.unwrap_or_default();
    state
        .store
        .decide_review(&key.tenant_id, &event_id, body.decision, &comment, &key.actor(), false, now_ms())
        .await?;
    let detail = format!("{} {}", body.decision.as_str(), comment.trim());
    audit(&state, &key, "review.decide", &event_id, detail.trim()).await;
    state.live.publish(&key.tenant_id, || LiveUpdate::Review);
    let event = state.store.event(&key.tenant_id, &event_id).await?;
    event.map(Json).ok_or_else(|| ApiError::NotFound("no such event".into()))
}
