//! `GET /live`: the live feed (`app::live`) as server-sent events for signed-in dashboard
//! pages: a client admin's page gets its tenant's updates only, a super admin's every
//! tenant's. The session cookie authenticates the stream, and is looked at again every half
//! minute, so that signing out or a disabled account ends it.
//!
//! Each message is a JSON array of updates. A page is sent at most four messages a second,
//! each with the newest events since the last (no more than a page shows) and one review
//! change for any number: however fast events are scored, a page costs the server a few
//! writes a second, and a page that reads nothing costs nothing once its socket is full.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use app::auth::{admin_from_headers, session_token};
use app::live::{Published, Subscription};
use app::model::LiveUpdate;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use doorman_store::admins::Role;
use doorman_store::Store;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

use crate::error::ApiError;
use crate::state::AppState;

const SESSION_CHECK: Duration = Duration::from_secs(30);
/// Updates that arrive within this time of the first go out together.
const BATCH_WINDOW: Duration = Duration::from_millis(250);
/// Most events in one message: the dashboard lists 50.
const MAX_EVENTS: usize = 50;

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
    check_at: Instant,
}

/// What a page is sent in one message.
#[derive(Default)]
struct Batch {
    /// Events, oldest first, the newest [`MAX_EVENTS`] kept: shared with the other pages,
    /// their JSON written once.
    events: std::collections::VecDeque<Arc<Published>>,
    review: Option<Arc<Published>>,
    missed: u64,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.events.is_empty() && self.review.is_none() && self.missed == 0
    }

    fn message(self) -> Event {
        let missed = (self.missed > 0)
            .then(|| serde_json::to_string(&LiveUpdate::Missed { count: self.missed }).unwrap_or_default());
        let published = self.events.iter().chain(&self.review).map(|p| p.json.as_str());
        let parts: Vec<&str> = missed.as_deref().into_iter().chain(published).collect();
        Event::default().data(format!("[{}]", parts.join(",")))
    }
}

impl Follower {
    fn add(&self, batch: &mut Batch, published: Arc<Published>) {
        if self.tenant.as_ref().is_some_and(|t| *t != published.tenant_id) {
            return;
        }
        if published.review {
            batch.review = Some(published);
        } else {
            if batch.events.len() == MAX_EVENTS {
                batch.events.pop_front();
            }
            batch.events.push_back(published);
        }
    }

    /// The next message for this page; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            let mut batch = Batch::default();
            tokio::select! {
                received = self.subscription.receiver.recv() => match received {
                    Ok(published) => self.add(&mut batch, published),
                    Err(RecvError::Lagged(count)) => batch.missed += count,
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep_until(self.check_at) => {
                    if !self.session_lives().await {
                        return None;
                    }
                    continue;
                }
            }
            // Let what follows within the window join the first.
            tokio::time::sleep(BATCH_WINDOW).await;
            loop {
                match self.subscription.receiver.try_recv() {
                    Ok(published) => self.add(&mut batch, published),
                    Err(TryRecvError::Lagged(count)) => batch.missed += count,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => return None,
                }
            }
            if !batch.is_empty() {
                return Some(batch.message());
            }
        }
    }

    async fn session_lives(&mut self) -> bool {
        self.check_at = Instant::now() + SESSION_CHECK;
        match self.store.peek_session_admin(&self.token).await {
            Ok(found) => found.is_some(),
            Err(err) => {
                tracing::warn!(error = %err, "live feed: session check failed");
                true
            }
        }
    }
}
