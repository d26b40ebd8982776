//! Dashboard sessions on the server: the cookie, and who is asking. Server functions call
//! `api::guard`; the HTTP layer calls [`admin_from_headers`] to redirect page requests.

use doorman_store::admins::{Admin, SessionLifetimes};
use doorman_store::{Store, StoreError};
use http::header::COOKIE;
use http::HeaderMap;
use leptos::prelude::*;

pub const SESSION_COOKIE: &str = "doorman_session";

/// What server functions need from the server, provided as context on every request.
#[derive(Clone)]
pub struct DashboardContext {
    pub store: Store,
    pub secure_cookies: bool,
    pub sessions: SessionLifetimes,
    /// Where changes to review queues are announced to open pages.
    pub live: crate::live::LiveFeed,
}

/// The address a request comes from, as the HTTP layer resolved it (the TCP peer, or what a
/// trusted proxy forwarded); in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

pub fn context() -> Result<DashboardContext, ServerFnError> {
    use_context::<DashboardContext>().ok_or_else(|| ServerFnError::new("dashboard context missing"))
}

/// The session token from the request's cookies, if present.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

pub async fn admin_from_headers(
    store: &Store,
    sessions: SessionLifetimes,
    headers: &HeaderMap,
) -> Result<Option<Admin>, StoreError> {
    match session_token(headers) {
        Some(token) => store.session_admin(&token, sessions).await,
        None => Ok(None),
    }
}

/// `Set-Cookie` value of a new session: HttpOnly so page scripts cannot read it, SameSite=Lax
/// so other sites cannot post forms with it.
pub fn session_cookie(token: &str, secure: bool, sessions: SessionLifetimes) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        sessions.max_ms / 1000
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; doorman_session=abc; b=2"));
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        headers.insert(COOKIE, HeaderValue::from_static("doorman_session_x=1"));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("t", true, SessionLifetimes { idle_ms: 60_000, max_ms: 7_200_000 });
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(c.contains("Max-Age=7200"), "the cookie lasts as long as the session may: {c}");
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }
}
