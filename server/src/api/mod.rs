//! The HTTP API under `/api/v1`, used by client backends with an API key.

mod auth;
pub mod ingest;
mod json;

use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;

pub use auth::TenantKey;
pub use json::ApiJson;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(max_body_bytes: usize) -> Router<AppState> {
    let v1 = Router::new()
        .route("/events/ingest", post(ingest::ingest))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes));
    Router::new().nest("/api/v1", v1)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such API route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
