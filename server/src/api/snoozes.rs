//! Rules snoozed for one user, visitor or IP, for a tenant's back office:
//! `GET /api/v1/snoozes`, `POST /api/v1/snoozes` and `DELETE /api/v1/snoozes/{id}`. The same
//! snoozes analysts make from an event's page; each change is audited.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use doorman_store::now_ms;
use doorman_store::snoozes::{NewSnooze, Snooze};
use serde::Deserialize;
use utoipa::ToSchema;

use super::openapi::KeyErrors;
use super::visitors::invalid;
use super::{audit, ApiJson, TenantKey};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The body of `POST /api/v1/snoozes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnoozeRequest {
    /// A rule code, e.g. `HIGH_RISK_ASN`.
    pub rule: String,
    /// `user` (an `externalUserId`, or the normalised email of events sent without one),
    /// `visitor` or `ip`.
    pub kind: String,
    pub value: String,
    /// Why, for the team (1 to 200 characters).
    pub reason: String,
    /// When the snooze ends (epoch ms, within 180 days)…
    pub until: Option<i64>,
    /// …or after how many seconds.
    pub duration_seconds: Option<i64>,
}

/// The tenant's snoozes that have not ended, ending soonest first.
#[utoipa::path(
    get,
    path = "/snoozes",
    tag = "rules",
    responses((status = 200, description = "Live snoozes", body = Vec<Snooze>), KeyErrors)
)]
pub async fn list(State(state): State<AppState>, key: TenantKey) -> Result<Json<Vec<Snooze>>, ApiError> {
    Ok(Json(state.store.live_snoozes(&key.tenant_id, now_ms()).await?))
}

/// Silences a rule for one user, visitor or IP until a time: its check reads SNOOZED.
#[utoipa::path(
    post,
    path = "/snoozes",
    tag = "rules",
    request_body = SnoozeRequest,
    responses(
        (status = 201, description = "The snooze", body = Snooze),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "An unknown rule or kind, no reason, or an end not within 180 days", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn add(
    State(state): State<AppState>,
    key: TenantKey,
    ApiJson(body): ApiJson<SnoozeRequest>,
) -> Result<(StatusCode, Json<Snooze>), ApiError> {
    let now = now_ms();
    let until = match (body.until, body.duration_seconds) {
        (Some(at), None) => at,
        (None, Some(secs)) => now.saturating_add(secs.saturating_mul(1000)),
        _ => return Err(invalid("until", "give until or durationSeconds".into())),
    };
    let new =
        NewSnooze { rule: &body.rule, kind: &body.kind, value: &body.value, until, reason: &body.reason };
    let snooze = state.store.snooze_rule(&key.tenant_id, &new, &key.actor(), now).await?;
    let detail = format!("{} {} until {until}: {}", snooze.kind, snooze.value, snooze.reason);
    audit(&state, &key, "rule.snooze", &snooze.rule, &detail).await;
    Ok((StatusCode::CREATED, Json(snooze)))
}

/// Ends a snooze now.
#[utoipa::path(
    delete,
    path = "/snoozes/{id}",
    tag = "rules",
    params(("id" = String, Path, description = "The snooze's id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such snooze for this tenant", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn end(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    if !state.store.end_snooze(&key.tenant_id, &id).await? {
        return Err(ApiError::NotFound("no such snooze".into()));
    }
    audit(&state, &key, "rule.snooze_end", &id, "").await;
    Ok(StatusCode::NO_CONTENT)
}
