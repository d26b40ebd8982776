//! The whole HTTP surface: API, health checks, demo, and the Leptos dashboard behind a
//! session check.

use app::auth::{admin_from_headers, DashboardContext};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use doorman_store::admins::Role;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use subtle::ConstantTimeEq;

use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::browser_security;
use crate::client_ip;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let dashboard_ctx = DashboardContext {
        store: state.store.clone(),
        secure_cookies: state.config.secure_cookies,
        sessions: state.config.session_lifetimes(),
        live: state.live.clone(),
    };
    let context = move || {
        provide_context(dashboard_ctx.clone());
        browser_security::provide_page_policy();
    };
    let mut router = Router::new()
        .merge(crate::api::router(&state))
        .route("/live", get(crate::live::follow))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.demo.is_some() {
        router = router.merge(crate::demo::router(&state.config.site_root));
    }
    let leptos_options = state.leptos_options.clone();
    router
        .leptos_routes_with_context(&state, generate_route_list(app::App), context.clone(), move || {
            app::shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .layer(middleware::from_fn_with_state(state.clone(), guard_dashboard))
        .layer(middleware::from_fn_with_state(state.clone(), browser_security::same_origin))
        .layer(middleware::from_fn(browser_security::headers))
        .layer(middleware::from_fn_with_state(state.clone(), client_ip::layer))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(state.config.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.as_bytes()))) {
            return ApiError::Unauthorized("/metrics needs its bearer token").into_response();
        }
    }
    let text = format!(
        "{}# HELP doorman_live_subscribers Dashboard pages following the live feed.\n\
         # TYPE doorman_live_subscribers gauge\ndoorman_live_subscribers {}\n",
        state.metrics.render(),
        state.live.subscribers()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable").into_response()
        }
    }
}

/// Sends page requests for the signed-in areas to `/login` without a session, and each
/// role to its own area. Server functions check again on their own.
async fn guard_dashboard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let area = if path == "/admin" || path.starts_with("/admin/") {
        Role::SuperAdmin
    } else if path == "/client-admin" || path.starts_with("/client-admin/") {
        Role::ClientAdmin
    } else {
        return next.run(req).await;
    };
    match admin_from_headers(&state.store, state.config.session_lifetimes(), req.headers()).await {
        Ok(Some(admin)) if admin.role == area => next.run(req).await,
        Ok(Some(admin)) => Redirect::to(match admin.role {
            Role::SuperAdmin => "/admin",
            Role::ClientAdmin => "/client-admin",
        })
        .into_response(),
        Ok(None) => Redirect::to("/login").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "session lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
