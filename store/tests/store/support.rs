//! Events for the store tests, recorded the way the ingest endpoint records them.

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::derive;
use doorman_engine::input::IngestRequest;
use doorman_engine::reputation::Reputation;
use doorman_engine::score::assess;
use doorman_engine::velocity::Counting;
use doorman_store::events::Prepared;
use doorman_store::{now_ms, Store};
use serde_json::json;

pub fn signup(email: &str, fingerprint: &str, payload_id: &str) -> IngestRequest {
    serde_json::from_value(json!({
        "type": "SIGNUP",
        "email": email,
        "ip": "203.0.113.7",
        "device": { "userAgent": "Mozilla/5.0 Chrome/131.0", "fingerprint": fingerprint, "payloadId": payload_id },
        "behavior": { "formStartedAt": 0, "formSubmittedAt": 9000 }
    }))
    .unwrap()
}

/// Prepares, scores and records one event now.
pub async fn ingest(store: &Store, tenant_id: &str, req: &IngestRequest) -> Prepared {
    ingest_at(store, tenant_id, req, now_ms()).await.0
}

/// Prepares, scores and records one event as if it arrived at `now`; gives its id too.
pub async fn ingest_at(store: &Store, tenant_id: &str, req: &IngestRequest, now: i64) -> (Prepared, String) {
    ingest_with_key(store, tenant_id, None, req, now).await
}

/// Like [`ingest_at`], recording the use of the API key `touch_key` as ingest does.
pub async fn ingest_with_key(
    store: &Store,
    tenant_id: &str,
    touch_key: Option<&str>,
    req: &IngestRequest,
    now: i64,
) -> (Prepared, String) {
    let signals = derive(req, &Reputation::default(), &Default::default());
    let prepared = store
        .prepare_event(tenant_id, req, &signals, now, &Counting::for_config(&RuleConfig::default()))
        .await
        .unwrap();
    let assessment = assess(req, &signals, &prepared.linkage, &RuleConfig::default());
    // As ingest stores them: the signals and the visitor's identification.
    let mut derived = serde_json::to_value(&signals).unwrap();
    derived["identification"] = serde_json::to_value(&prepared.visitor).unwrap();
    let id = store
        .record_event(tenant_id, touch_key, req, &signals, &prepared, &assessment, &derived, now)
        .await
        .unwrap();
    (prepared, id.event_id)
}
