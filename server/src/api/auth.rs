//! API-key authentication for client backends: the `x-api-key` header.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use doorman_store::settings::SettingsVersion;
use doorman_store::Store;
use std::sync::Arc;

use crate::deadline::Deadlines;
use crate::error::ApiError;
use crate::rate_limit::RateLimiter;

pub const API_KEY_HEADER: &str = "x-api-key";

/// The tenant and key a request is authenticated as, within the key's rate limit.
#[derive(Debug, Clone)]
pub struct TenantKey {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub key_id: String,
    /// Whether this request should record the key's last use (at most once a minute).
    pub touch: bool,
    /// The version of the tenant's rule settings at this request.
    pub settings: SettingsVersion,
}

impl TenantKey {
    /// How the audit log names a change made with this key.
    pub fn actor(&self) -> String {
        format!("api key {}", self.key_id)
    }
}

impl<S> FromRequestParts<S> for TenantKey
where
    S: Send + Sync,
    Store: FromRef<S>,
    Arc<RateLimiter>: FromRef<S>,
    Arc<Deadlines>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(ApiError::Unauthorized("missing x-api-key header"))?;
        let principal = Store::from_ref(state)
            .authenticate_api_key(presented)
            .await?
            .ok_or(ApiError::Unauthorized("invalid or revoked API key"))?;
        if !principal.tenant_active {
            return Err(ApiError::Forbidden("this tenant is suspended"));
        }
        Arc::<Deadlines>::from_ref(state)
            .remember(&doorman_store::ids::sha256_hex(presented), principal.deadline);
        Arc::<RateLimiter>::from_ref(state).check(&principal.key_id).map_err(ApiError::RateLimited)?;
        let touch = principal.needs_touch(doorman_store::now_ms());
        Ok(TenantKey {
            tenant_id: principal.tenant_id,
            tenant_slug: principal.tenant_slug,
            key_id: principal.key_id,
            touch,
            settings: principal.settings,
        })
    }
}
