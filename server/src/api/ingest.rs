//! `POST /api/v1/events/ingest`: derive signals, read linkage, score, store, answer — all
//! within the request.

use app::model::{EventRow, LiveUpdate};
use axum::extract::State;
use axum::Json;
use doorman_engine::derive::derive;
use doorman_engine::input::IngestRequest;
use doorman_engine::lists::ListMatch;
use doorman_engine::score::{assess, Check, Decision, RiskBand};
use doorman_engine::velocity::Counting;
use doorman_store::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::openapi::KeyErrors;
use super::{ApiJson, TenantKey};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngestResponse {
    pub event_id: String,
    pub visitor_id: String,
    pub risk_score: i32,
    pub risk_band: RiskBand,
    pub decision: Decision,
    pub triggered_rules: Vec<TriggeredRule>,
    /// Every rule, fired or not, with its status and a detail for people.
    pub all_checks: Vec<Check>,
    /// What the engine derived from the event: `ip`, `device`, `behavior`, `email`,
    /// `linkage`, `velocity`, `identification` and, when a list decided, `listMatch`.
    #[schema(value_type = Object)]
    pub derived_signals: serde_json::Value,
    /// The tenant's allow or block entry that decided the event, which the score did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_match: Option<ListMatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TriggeredRule {
    pub code: String,
    pub label: String,
    pub weight: i32,
}

/// What ingest answers: the scored event, or at the deadline the fail decision.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum IngestAnswer {
    Scored(IngestResponse),
    Degraded(crate::deadline::DegradedResponse),
}

/// Scores one event of a signup, login or other flow and stores it.
#[utoipa::path(
    post,
    path = "/events/ingest",
    tag = "events",
    request_body = IngestRequest,
    params(
        ("x-doorman-deadline-ms" = Option<u32>, Header, description = "Answer within this many milliseconds (50 to 30000; default the tenant's, 800). Past it the answer is the tenant's fail decision with `degraded: true`"),
    ),
    responses(
        (status = 200, description = "The event's score, band, decision and every check; or, past the deadline, the tenant's fail decision marked degraded", body = IngestAnswer),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is larger than the server's limit", body = ErrorBody),
        (status = 422, description = "A field is missing, of the wrong type or beyond its limit", body = ErrorBody),
        KeyErrors,
    )
)]
pub async fn ingest(
    State(state): State<AppState>,
    key: TenantKey,
    ApiJson(req): ApiJson<IngestRequest>,
) -> Result<Json<IngestResponse>, ApiError> {
    req.validate()?;
    let now = now_ms();
    let reputation = state.reputation.get();
    let signals = derive(&req, &reputation, &state.geo);
    let rules = state.store.rule_config_at(&key.tenant_id, key.settings).await?;
    let mut prepared =
        state.store.prepare_event(&key.tenant_id, &req, &signals, now, &Counting::for_config(&rules)).await?;
    prepared.linkage.measure_travel(&state.geo.places, signals.ip.country.as_deref());
    let mut assessment = assess(&req, &signals, &prepared.linkage, &rules);
    if let Some(list) = prepared.list_match.clone() {
        assessment.apply_list(list);
    }
    state.metrics.record_assessment(&assessment);

    let mut derived = serde_json::to_value(&signals).map_err(ApiError::internal)?;
    derived["linkage"] = serde_json::to_value(&prepared.linkage).map_err(ApiError::internal)?;
    derived["velocity"] = serde_json::to_value(&prepared.linkage.velocity).map_err(ApiError::internal)?;
    derived["identification"] = serde_json::to_value(&prepared.visitor).map_err(ApiError::internal)?;
    if let Some(list) = &assessment.list_match {
        derived["listMatch"] = serde_json::to_value(list).map_err(ApiError::internal)?;
    }

    let recorded = state
        .store
        .record_event(
            &key.tenant_id,
            key.touch.then_some(key.key_id.as_str()),
            &req,
            &signals,
            &prepared,
            &assessment,
            &derived,
            now,
        )
        .await?;
    if !assessment.shadow.is_empty() {
        let hits: Vec<(&str, Option<(&str, &str)>)> = assessment
            .shadow
            .iter()
            .map(|hit| {
                let change = (hit.would_decide != hit.decided)
                    .then(|| (hit.decided.as_str(), hit.would_decide.as_str()));
                (hit.code.as_str(), change)
            })
            .collect();
        // The event is stored and its answer due: a lost count is logged, not an error.
        if let Err(err) = state.store.record_shadow_hits(&key.tenant_id, &hits, now).await {
            tracing::warn!(error = %err, "shadow counts not recorded");
        }
    }
    state.live.publish(&key.tenant_id, || LiveUpdate::Event {
        event: Box::new(EventRow {
            id: recorded.event_id.clone(),
            tenant_slug: key.tenant_slug.clone(),
            event_type: req.event_type.as_str().to_string(),
            created_at: now,
            email: req.email.clone(),
            external_user_id: req.external_user_id.clone(),
            ip: signals.ip.address.clone(),
            visitor_id: recorded.visitor_id.clone(),
            risk_score: assessment.risk_score,
            risk_band: assessment.risk_band.as_str().to_string(),
            decision: assessment.decision.as_str().to_string(),
            triggered_rules: assessment.triggered().map(|c| c.code.clone()).collect(),
        }),
    });
    tracing::info!(
        tenant = %key.tenant_id,
        event = %recorded.event_id,
        score = assessment.risk_score,
        decision = assessment.decision.as_str(),
        "event scored"
    );
    Ok(Json(IngestResponse {
        event_id: recorded.event_id,
        visitor_id: recorded.visitor_id,
        risk_score: assessment.risk_score,
        risk_band: assessment.risk_band,
        decision: assessment.decision,
        triggered_rules: assessment
            .triggered()
            .map(|c| TriggeredRule { code: c.code.clone(), label: c.label.clone(), weight: c.weight })
            .collect(),
        all_checks: assessment.checks,
        list_match: assessment.list_match,
        derived_signals: derived,
    }))
}
