//! The API's one error type. Every failure of `/api/v1` is answered as
//! `{"error":{"code","message"}}` with a fitting status; internal causes are logged with the
//! request's span and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorman_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("{message}")]
    InvalidField { field: String, message: String },
    #[error("request body is larger than the limit")]
    PayloadTooLarge,
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests for this API key; retry after {} s", retry_after_secs(*.0))]
    RateLimited(std::time::Duration),
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidField { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Invalid(message) => ApiError::InvalidField { field: String::new(), message },
            other => ApiError::internal(other),
        }
    }
}

impl From<doorman_engine::EngineError> for ApiError {
    fn from(err: doorman_engine::EngineError) -> Self {
        match err {
            doorman_engine::EngineError::Invalid { field, message } => {
                ApiError::InvalidField { message: format!("{field}: {message}"), field }
            }
            doorman_engine::EngineError::Malformed(message) => ApiError::InvalidJson(message),
        }
    }
}

/// What every failure of `/api/v1` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `unauthorized`, `forbidden`, `not_found`, `invalid_json`,
    /// `invalid_field`, `payload_too_large`, `conflict`, `rate_limited`,
    /// `method_not_allowed`, `unavailable` or `internal`.
    #[schema(example = "invalid_field")]
    pub code: &'static str,
    /// For people; may change between versions.
    pub message: String,
    /// The offending field, for `invalid_field`, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let field = match &self {
            ApiError::InvalidField { field, .. } if !field.is_empty() => Some(field.clone()),
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code, message: self.to_string(), field } };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited(wait) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs(wait)));
        }
        response
    }
}

/// `Retry-After` counts whole seconds; rounding down would invite an early retry.
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}
