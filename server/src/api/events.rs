//! `GET /api/v1/events/{eventId}`: a stored event with every check and derived signal, for
//! a client backend that wants to look again at a decision.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use doorman_store::export::StoredEvent;

use super::TenantKey;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn get_event(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<StoredEvent>, ApiError> {
    let Path(event_id) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    state
        .store
        .event(&key.tenant_id, &event_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("no such event".into()))
}
