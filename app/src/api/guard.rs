//! Who is asking, and how refusals reach the browser: with the HTTP status that fits (401,
//! 403, 404, 409, 422, 429, 500) and a message that reveals nothing internal. Also the
//! audit trail every change leaves.

use doorman_store::admins::{Admin, Role};
use doorman_store::StoreError;
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

pub use crate::auth::context;

/// An error answered with `status`.
pub fn refuse(status: StatusCode, message: impl Into<String>) -> ServerFnError {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
    }
    ServerFnError::new(message.into())
}

/// A store failure as the browser should see it; internal causes are logged, not sent.
pub fn store_error(err: StoreError) -> ServerFnError {
    match err {
        StoreError::Invalid(message) => refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
        StoreError::Conflict(message) => refuse(StatusCode::CONFLICT, message),
        StoreError::NotFound(what) => refuse(StatusCode::NOT_FOUND, format!("{what} not found")),
        other => {
            tracing::error!(error = %other, "dashboard request failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// The signed-in account making this call.
pub async fn require_admin() -> Result<Admin, ServerFnError> {
    let ctx = context()?;
    let parts = request_parts()?;
    crate::auth::admin_from_headers(&ctx.store, ctx.sessions, &parts.headers)
        .await
        .map_err(store_error)?
        .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "not signed in"))
}

pub async fn require_super_admin() -> Result<Admin, ServerFnError> {
    let admin = require_admin().await?;
    if admin.role != Role::SuperAdmin {
        return Err(refuse(StatusCode::FORBIDDEN, "super admins only"));
    }
    Ok(admin)
}

/// A client admin and the one tenant it may see; anyone else is refused.
pub async fn require_client_admin() -> Result<(Admin, String), ServerFnError> {
    let admin = require_admin().await?;
    match (admin.role, admin.tenant_id.clone()) {
        (Role::ClientAdmin, Some(tenant_id)) => Ok((admin, tenant_id)),
        _ => Err(refuse(StatusCode::FORBIDDEN, "client admins only")),
    }
}

pub fn request_parts() -> Result<http::request::Parts, ServerFnError> {
    use_context::<http::request::Parts>().ok_or_else(|| ServerFnError::new("request missing"))
}

/// The address the request came from (the TCP peer; Doorman does not trust forwarded headers
/// it cannot verify).
pub fn client_ip() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts.extensions.get::<crate::auth::ClientIp>().map(|ip| ip.0.to_string())
}

/// Records a change in the audit log. The change is already made, so a failure to record it
/// is logged rather than reported as the change failing.
pub async fn audit(admin: &Admin, tenant_id: Option<&str>, action: &str, target: &str, detail: &str) {
    let Ok(ctx) = context() else { return };
    if let Err(err) = ctx.store.record_audit(&admin.email, tenant_id, action, target, detail).await {
        tracing::error!(error = %err, action, "audit entry not recorded");
    }
}

/// A tenant by slug for a super admin's action, or 404.
pub async fn tenant_by_slug(slug: &str) -> Result<doorman_store::tenants::Tenant, ServerFnError> {
    context()?
        .store
        .tenant_by_slug(slug)
        .await
        .map_err(store_error)?
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, format!("no tenant {slug:?}")))
}
