//! The HTTP API under `/api/v1`, used by client backends with an API key.

mod auth;
pub mod events;
pub mod ingest;
mod json;
pub mod lists;
pub mod openapi;
pub mod review;
pub mod snoozes;
pub mod users;
pub mod visitors;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use auth::{TenantKey, API_KEY_HEADER};
pub use json::ApiJson;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let (v1, paths) = OpenApiRouter::new()
        .routes(
            routes!(ingest::ingest)
                .layer(middleware::from_fn_with_state(state.clone(), crate::deadline::enforce))
                .layer(middleware::from_fn_with_state(state.clone(), measure_ingest)),
        )
        .routes(routes!(events::get_event))
        .routes(routes!(events::feedback))
        .routes(routes!(visitors::get_visitor))
        .routes(routes!(lists::list, lists::add))
        .routes(routes!(lists::remove))
        .routes(routes!(snoozes::list, snoozes::add))
        .routes(routes!(snoozes::end))
        .routes(routes!(review::list))
        .routes(routes!(review::decide))
        .routes(routes!(users::erase))
        .routes(routes!(users::devices))
        .routes(routes!(users::export))
        .split_for_parts();
    let doc = openapi::to_json(&openapi::document(paths));
    let serve_doc = move || {
        let doc = doc.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
    };
    let v1 = v1
        .route("/openapi.json", get(serve_doc))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes));
    Router::new().nest("/api/v1", v1)
}

/// Records a change made with `key` in the audit log. The change is made, so a failure to
/// record it is logged rather than answered as the change failing.
async fn audit(state: &AppState, key: &TenantKey, action: &str, target: &str, detail: &str) {
    if let Err(err) =
        state.store.record_audit(&key.actor(), Some(&key.tenant_id), action, target, detail).await
    {
        tracing::error!(error = %err, action, "audit entry not recorded");
    }
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
