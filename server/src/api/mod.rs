//! The HTTP API under `/api/v1`, used by client backends with an API key.

mod auth;
pub mod events;
pub mod ingest;
mod json;
pub mod users;
pub mod visitors;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;

pub use auth::TenantKey;
pub use json::ApiJson;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let ingest_route =
        post(ingest::ingest).layer(middleware::from_fn_with_state(state.clone(), measure_ingest));
    let v1 = Router::new()
        .route("/events/ingest", ingest_route)
        .route("/events/{event_id}", get(events::get_event))
        .route("/events/{event_id}/feedback", post(events::feedback))
        .route("/visitors/{visitor_id}", get(visitors::get_visitor))
        .route("/users/{user}", delete(users::erase))
        .route("/users/{user}/devices", get(users::devices))
        .route("/users/{user}/export", get(users::export))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes));
    Router::new().nest("/api/v1", v1)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such API route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Times every ingest request, rejected ones included, for `/metrics`.
async fn measure_ingest(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = next.run(req).await;
    state.metrics.record_latency(start.elapsed());
    if !response.status().is_success() {
        state.metrics.record_rejection(response.status());
    }
    response
}
