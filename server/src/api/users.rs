//! End users' data for access and erasure requests: `GET /api/v1/users/{user}/export` and
//! `DELETE /api/v1/users/{user}`, where `user` is the `externalUserId` sent with events (or
//! the normalised email of events sent without one).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use doorman_store::erasure::Erased;
use doorman_store::export::{UserDevice, UserExport};
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::KeyErrors;
use super::TenantKey;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureResponse {
    pub user: String,
    pub removed: Erased,
}

fn user(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(user)| user).map_err(|e| ApiError::InvalidField {
        field: "user".into(),
        message: format!("user: {}", e.body_text()),
    })
}

/// Everything stored about a user, for an access request.
#[utoipa::path(
    get,
    path = "/users/{user}/export",
    tag = "users",
    params(("user" = String, Path, description = "The `externalUserId` sent with events, or the normalised email of events sent without one")),
    responses(
        (status = 200, description = "The user's events and devices", body = UserExport),
        (status = 404, description = "Nothing is stored about this user", body = ErrorBody),
        (status = 422, description = "Not a user id: empty or longer than 256 characters", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn export(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<UserExport>, ApiError> {
    let user = user(path)?;
    state
        .store
        .export_user(&key.tenant_id, &user)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("nothing is stored about this user".into()))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDevices {
    pub user: String,
    /// First seen first.
    pub devices: Vec<UserDevice>,
}

/// The devices a user was seen on, first seen first.
#[utoipa::path(
    get,
    path = "/users/{user}/devices",
    tag = "users",
    params(("user" = String, Path, description = "The `externalUserId` sent with events, or the normalised email of events sent without one")),
    responses(
        (status = 200, description = "The user's devices", body = UserDevices),
        (status = 404, description = "Nothing is stored about this user", body = ErrorBody),
        (status = 422, description = "Not a user id: empty or longer than 256 characters", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn devices(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<UserDevices>, ApiError> {
    let user = user(path)?;
    let devices = state.store.user_devices(&key.tenant_id, &user).await?;
    if devices.is_empty() {
        return Err(ApiError::NotFound("no device is stored for this user".into()));
    }
    Ok(Json(UserDevices { user: user.trim().to_string(), devices }))
}

/// Removes everything stored about a user, for an erasure request; kept in the audit log.
#[utoipa::path(
    delete,
    path = "/users/{user}",
    tag = "users",
    params(("user" = String, Path, description = "The `externalUserId` sent with events, or the normalised email of events sent without one")),
    responses(
        (status = 200, description = "What was removed (all zero when nothing was stored)", body = ErasureResponse),
        (status = 422, description = "Not a user id: empty or longer than 256 characters", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn erase(
    State(state): State<AppState>,
    key: TenantKey,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ErasureResponse>, ApiError> {
    let user = user(path)?;
    let removed = state.store.erase_user(&key.tenant_id, &user).await?;
    // Erasures are answered to regulators: each is kept in the tenant's audit log, by key.
    let detail = format!(
        "{} events, {} device links, {} visitors removed",
        removed.events, removed.device_links, removed.visitors
    );
    let reference = doorman_store::erasure::erasure_reference(&key.tenant_id, &user);
    state.store.record_audit(&key.actor(), Some(&key.tenant_id), "user.erase", &reference, &detail).await?;
    tracing::info!(tenant = %key.tenant_id, events = removed.events, "user erased");
    Ok(Json(ErasureResponse { user: user.trim().to_string(), removed }))
}
