//! `GET /api/v1/events/{eventId}`: a stored event with every check and derived signal, for
//! a client backend that wants to look again at a decision; and
//! `POST /api/v1/events/{eventId}/feedback`: what became of it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use doorman_engine::feedback::Feedback;
use doorman_store::export::StoredEvent;
use doorman_store::now_ms;

use super::openapi::KeyErrors;
use super::{ApiJson, TenantKey};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

fn no_such_event() -> ApiError {
    ApiError::NotFound("no such event".into())
}

fn event_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|e| ApiError::NotFound(e.body_text()))
}

/// A stored event as it was scored, with its feedback.
#[utoipa::path(
    get,
    path = "/events/{event_id}",
    tag = "events",
    params(("event_id" = String, Path, description = "`eventId` of the ingest answer")),
    responses(
        (status = 200, description = "The event", body = StoredEvent),
        (status = 404, description = "No such event for this tenant", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn get_event(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<StoredEvent>, ApiError> {
    let event_id = event_id(path)?;
    state.store.event(&key.tenant_id, &event_id).await?.map(Json).ok_or_else(no_such_event)
}

/// What became of an event: a fraud or legitimate label, or a login's outcome. Labels
/// measure each rule's precision; failed logins feed the credential-stuffing rule.
#[utoipa::path(
    post,
    path = "/events/{event_id}/feedback",
    tag = "events",
    params(("event_id" = String, Path, description = "`eventId` of the ingest answer")),
    request_body = Feedback,
    responses(
        (status = 200, description = "The event with its feedback", body = StoredEvent),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No such event for this tenant", body = ErrorBody),
        (status = 422, description = "Neither label nor outcome, or an outcome that does not fit the event", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
    ApiJson(feedback): ApiJson<Feedback>,
) -> Result<Json<StoredEvent>, ApiError> {
    let event_id = event_id(path)?;
    let event_type = state.store.event_type(&key.tenant_id, &event_id).await?.ok_or_else(no_such_event)?;
    feedback.validate_for(event_type)?;
    let event = state
        .store
        .record_feedback(&key.tenant_id, &event_id, &feedback, now_ms())
        .await?
        .ok_or_else(no_such_event)?;
    tracing::info!(tenant = %key.tenant_id, event = %event_id, label = ?feedback.label, outcome = ?feedback.outcome, "feedback recorded");
    Ok(Json(event))
}
