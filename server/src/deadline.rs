//! The ingest deadline and fail policy. A backend waits for a decision at most the tenant's
//! deadline (or its request's `x-doorman-deadline-ms`); when scoring cannot finish by then
//! (the database stalled, the server overloaded), it gets the tenant's fail decision marked
//! `"degraded": true` at the deadline. The work goes on: the event is stored when the
//! database lets it, or counted as lost.
//!
//! A stalled database cannot be asked for the tenant's policy, so each server keeps the
//! policy it last read with each API key, by the key's hash; a key not seen yet gets the
//! default (800 ms, ALLOW).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorman_engine::score::Decision;
use doorman_store::api_keys::{IngestDeadline, DEADLINE_RANGE_MS};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

pub const DEADLINE_HEADER: &str = "x-doorman-deadline-ms";
/// Requests still finishing after their answer went out; past this, more are given up and
/// counted as lost rather than pile up.
const MAX_LATE: usize = 10_000;

/// What a backend gets when scoring did not finish in time.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DegradedResponse {
    /// The tenant's fail decision: ALLOW or CHALLENGE.
    pub decision: Decision,
    /// Always true: no score stands behind this decision.
    pub degraded: bool,
    pub reason: String,
}

/// The policies read with each API key (by its SHA-256), and the requests still finishing.
#[derive(Default)]
pub struct Deadlines {
    by_key: RwLock<HashMap<String, IngestDeadline>>,
    late: AtomicUsize,
}

impl Deadlines {
    pub fn remember(&self, key_hash: &str, policy: IngestDeadline) {
        let known = self.by_key.read().map(|m| m.get(key_hash) == Some(&policy)).unwrap_or(false);
        if !known {
            if let Ok(mut map) = self.by_key.write() {
                map.insert(key_hash.to_string(), policy);
            }
        }
    }

    fn policy(&self, key_hash: Option<&str>) -> IngestDeadline {
        key_hash
            .and_then(|hash| self.by_key.read().ok().and_then(|m| m.get(hash).copied()))
            .unwrap_or_default()
    }
}

pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let key_hash = req
        .headers()
        .get(crate::api::API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|key| doorman_store::ids::sha256_hex(key.trim()));
    let policy = state.deadlines.policy(key_hash.as_deref());
    let requested = match req.headers().get(DEADLINE_HEADER) {
        None => None,
        Some(value) => match value.to_str().ok().and_then(|v| v.trim().parse::<u32>().ok()) {
            Some(ms) if DEADLINE_RANGE_MS.contains(&ms) => Some(ms),
            _ => {
                return ApiError::InvalidField {
                    field: DEADLINE_HEADER.into(),
                    message: format!("{DEADLINE_HEADER}: a whole number of milliseconds from 50 to 30000"),
                }
                .into_response()
            }
        },
    };
    let deadline = requested.unwrap_or(policy.deadline_ms);
    // Spawned, so that the work goes on when the answer goes out without it.
    let mut work = tokio::spawn(next.run(req));
    match tokio::time::timeout(Duration::from_millis(u64::from(deadline)), &mut work).await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => ApiError::internal(err).into_response(),
        Err(_) => {
            state.metrics.record_degraded(Degraded::Answered);
            if state.deadlines.late.fetch_add(1, Ordering::SeqCst) >= MAX_LATE {
                work.abort();
                state.deadlines.late.fetch_sub(1, Ordering::SeqCst);
                state.metrics.record_degraded(Degraded::Lost);
            } else {
                let (metrics, deadlines) = (state.metrics.clone(), Arc::clone(&state.deadlines));
                tokio::spawn(async move {
                    let stored = matches!(work.await, Ok(response) if response.status().is_success());
                    deadlines.late.fetch_sub(1, Ordering::SeqCst);
                    metrics.record_degraded(if stored { Degraded::StoredLate } else { Degraded::Lost });
                    if !stored {
                        tracing::warn!("an event answered at its deadline could not be stored");
                    }
                });
            }
            Json(DegradedResponse {
                decision: policy.fail_decision,
                degraded: true,
                reason: format!("scoring did not finish within {deadline} ms"),
            })
            .into_response()
        }
    }
}

/// What became of an event answered at its deadline.
#[derive(Debug, Clone, Copy)]
pub enum Degraded {
    /// Answered with the fail decision.
    Answered,
    /// Stored after its answer.
    StoredLate,
    /// Never stored.
    Lost,
}
