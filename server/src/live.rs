//! `GET /live`: the live feed (`app::live`) as server-sent events for signed-in dashboard
//! pages: a client admin's page gets its tenant's updates only, a super admin's every
//! tenant's. The session cookie authenticates the stream, and is looked at again every half
//! minute, so that signing out or a disabled account ends it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use app::auth::{admin_from_headers, session_token};
use app::live::Subscription;
use app::model::LiveUpdate;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use doorman_store::admins::Role;
use doorman_store::Store;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::state::AppState;

const SESSION_CHECK: Duration = Duration::from_secs(30);

pub async fn follow(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let admin = admin_from_headers(&state.store, state.config.session_lifetimes(), &headers)
        .await?
        .ok_or(ApiError::Unauthorized("sign in to follow the live feed"))?;
    let tenant = match (admin.role, admin.tenant_id) {
        (Role::SuperAdmin, _) => None,
        (Role::ClientAdmin, Some(tenant_id)) => Some(tenant_id),
        (Role::ClientAdmin, None) => return Err(ApiError::Forbidden("account has no tenant")),
    };
    let subscription = state
        .live
        .subscribe()
        .ok_or(ApiError::Unavailable("too many pages follow the live feed; try again later"))?;
    let follower = Follower {
        subscription,
        tenant,
        store: state.store.clone(),
        token: session_token(&headers).unwrap_or_default(),
        slugs: HashMap::new(),
        check_at: Instant::now() + SESSION_CHECK,
    };
    let stream = futures::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok::<_, Infallible>(event), follower))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

/// One page's stream.
struct Follower {
    subscription: Subscription,
    /// The one tenant it sees; `None` for a super admin.
    tenant: Option<String>,
    store: Store,
    token: String,
    /// Tenants' slugs for a super admin's rows, looked up once each.
    slugs: HashMap<String, String>,
    check_at: Instant,
}

impl Follower {
    /// The next update for this page; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            tokio::select! {
                received = self.subscription.receiver.recv() => match received {
                    Ok(published) => {
                        if self.tenant.as_ref().is_some_and(|t| *t != published.tenant_id) {
                            continue;
                        }
                        let mut update = published.update.clone();
                        if let LiveUpdate::Event { event } = &mut update {
                            event.tenant_slug = self.slug(&published.tenant_id).await;
                        }
                        return Some(message(&update));
                    }
                    Err(RecvError::Lagged(count)) => return Some(message(&LiveUpdate::Missed { count })),
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep_until(self.check_at) => {
                    match self.store.peek_session_admin(&self.token).await {
                        Ok(Some(_)) => self.check_at = Instant::now() + SESSION_CHECK,
                        Ok(None) => return None,
                        Err(err) => {
                            tracing::warn!(error = %err, "live feed: session check failed");
                            self.check_at = Instant::now() + SESSION_CHECK;
                        }
                    }
                }
            }
        }
    }

    async fn slug(&mut self, tenant_id: &str) -> String {
        if self.tenant.is_some() {
            return String::new();
        }
        if let Some(slug) = self.slugs.get(tenant_id) {
            return slug.clone();
        }
        let slug = match self.store.tenant_by_id(tenant_id).await {
            Ok(Some(tenant)) => tenant.slug,
            _ => String::new(),
        };
        self.slugs.insert(tenant_id.to_string(), slug.clone());
        slug
    }
}

fn message(update: &LiveUpdate) -> Event {
    Event::default().data(serde_json::to_string(update).unwrap_or_default())
}
