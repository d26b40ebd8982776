//! What browser-facing routes promise: pages that cannot be framed, sniffed or made to run
//! injected script (a Content-Security-Policy with a fresh nonce for Leptos's own scripts),
//! and state-changing requests refused when a browser sends them from another origin
//! (CSRF), beyond what SameSite=Lax cookies already stop.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::error::ApiError;
use crate::state::AppState;

/// The dashboard's policy: its own scripts (by nonce) and wasm, nothing from elsewhere, and
/// no framing. Styles may be inline: Leptos sets `style` attributes.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For responses that set no policy of their own (the demo's pages, files, errors).
const FRAMING_POLICY: &str = "frame-ancestors 'none'";

/// Called in every dashboard render's context: gives Leptos a fresh nonce for its inline
/// scripts and sends the policy that allows exactly those.
pub fn provide_page_policy() {
    provide_nonce();
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Headers every response carries.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FRAMING_POLICY));
    }
    res
}

/// Refuses (403) a state-changing request that a browser sent from another origin. The API
/// for client backends (`/api/…`, authenticated by key, not cookie) is not concerned.
/// Requests without `Origin` or `Sec-Fetch-Site` come from programs, not from a browser
/// page an attacker controls, and pass.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    match cross_origin(req.headers(), state.config.public_origin.as_deref()) {
        None => next.run(req).await,
        Some(from) => {
            tracing::warn!(path = req.uri().path(), from, "cross-origin request refused");
            ApiError::Forbidden("cross-origin requests are not accepted").into_response()
        }
    }
}

/// Where the request came from, if that is another origin than ours: the configured public
/// origin, else the one the request's `Host` names.
fn cross_origin(headers: &HeaderMap, public_origin: Option<&str>) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = text("origin") {
        let ours = match public_origin {
            Some(configured) => configured.trim_end_matches('/') == origin,
            None => {
                let host = text("host").unwrap_or_default();
                !host.is_empty()
                    && [format!("http://{host}"), format!("https://{host}")].iter().any(|o| o == origin)
            }
        };
        return (!ours).then(|| origin.to_string());
    }
    // No Origin (some browsers omit it on same-origin requests): the fetch metadata decides.
    match text("sec-fetch-site") {
        Some(site @ ("cross-site" | "same-site")) => Some(format!("a {site} page")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn the_origin_must_be_ours() {
        let same = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]);
        assert_eq!(cross_origin(&same, None), None);
        let other = headers(&[("host", "127.0.0.1:3000"), ("origin", "https://evil.example")]);
        assert_eq!(cross_origin(&other, None).as_deref(), Some("https://evil.example"));
        // Behind a proxy the Host may be the backend's: the configured origin decides.
        let proxied = headers(&[("host", "10.0.0.5:3000"), ("origin", "https://doorman.example.com")]);
        assert_eq!(cross_origin(&proxied, Some("https://doorman.example.com/")), None);
        assert!(cross_origin(&same, Some("https://doorman.example.com")).is_some());
    }

    #[test]
    fn without_origin_the_fetch_metadata_decides() {
        assert_eq!(cross_origin(&headers(&[("sec-fetch-site", "same-origin")]), None), None);
        assert!(cross_origin(&headers(&[("sec-fetch-site", "cross-site")]), None).is_some());
        // A program (curl, a client's backend) sends neither.
        assert_eq!(cross_origin(&headers(&[("host", "127.0.0.1:3000")]), None), None);
    }

    #[test]
    fn the_page_policy_names_its_nonce_and_forbids_framing() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'") && !policy.contains(" 'unsafe-eval'"));
    }
}
