//! The demo client: a signup page at `/demo` that embeds the collector, and a stand-in for
//! the client's own backend at `/demo/api/signup` that forwards to the ingest API with the
//! demo tenant's key, exactly as seed 003 tells a client to. On by default, off with
//! `DOORMAN_DEMO=false`.

use std::net::SocketAddr;
use std::path::Path;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get_service, post};
use axum::{Extension, Json, Router};
use doorman_collector::payload::{BehaviorSignals, DeviceSignals};
use doorman_engine::score::Decision;
use doorman_store::Store;
use serde::Deserialize;
use serde_json::json;
use tower_http::services::ServeFile;

use crate::api::ingest::IngestResponse;
use crate::api::ApiJson;
use crate::error::ApiError;
use crate::state::AppState;

pub const DEMO_TENANT_SLUG: &str = "demo";
const DEMO_KEY_NAME: &str = "demo backend";

/// What the demo backend needs to call the ingest API like a client backend would.
pub struct DemoBackend {
    api_key: String,
    ingest_url: String,
    http: reqwest::Client,
}

impl DemoBackend {
    /// Makes sure the demo tenant exists and gives the demo backend a fresh key. Keys of
    /// earlier starts are revoked, so only the running server holds a working demo key.
    pub async fn setup(store: &Store, addr: SocketAddr) -> Result<Self, doorman_store::StoreError> {
        let tenant = match store.tenant_by_slug(DEMO_TENANT_SLUG).await? {
            Some(tenant) => tenant,
            None => store.create_tenant(DEMO_TENANT_SLUG, "Demo shop").await?,
        };
        store.revoke_api_keys_named(&tenant.id, DEMO_KEY_NAME).await?;
        let (_, api_key) = store.create_api_key(&tenant.id, DEMO_KEY_NAME).await?;
        let host =
            if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        Ok(Self {
            api_key,
            ingest_url: format!("http://{host}/api/v1/events/ingest"),
            http: reqwest::Client::new(),
        })
    }
}

pub fn router(site_root: &Path) -> Router<AppState> {
    Router::new()
        .route_service("/demo", get_service(ServeFile::new(site_root.join("demo/index.html"))))
        .route("/demo/api/signup", post(signup))
}

/// What the demo page posts: seed 003's client payload.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignupForm {
    email: String,
    /// Received like a real signup form sends it, and deliberately never forwarded.
    #[serde(default)]
    #[allow(dead_code)]
    password: Option<String>,
    fraud_signals: FraudSignals,
}

#[derive(Deserialize)]
struct FraudSignals {
    device: Option<DeviceSignals>,
    behavior: Option<BehaviorSignals>,
}

async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(form): ApiJson<SignupForm>,
) -> Result<Response, ApiError> {
    let demo = state.demo.clone().ok_or_else(|| ApiError::NotFound("the demo is disabled".into()))?;
    // The real client IP, as a backend behind a proxy would read it.
    let ip = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .or_else(|| connect.map(|Extension(ConnectInfo(addr))| addr.ip().to_string()));
    let body = json!({
        "type": "SIGNUP",
        "email": form.email,
        "externalUserId": form.email,
        "ip": ip,
        "device": form.fraud_signals.device,
        "behavior": form.fraud_signals.behavior,
    });
    let response = demo
        .http
        .post(&demo.ingest_url)
        .header("x-api-key", &demo.api_key)
        .json(&body)
        .send()
        .await
        .map_err(ApiError::internal)?;
    if !response.status().is_success() {
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let text = response.text().await.unwrap_or_default();
        return Ok((status, [("content-type", "application/json")], text).into_response());
    }
    let fraud: IngestResponse = response.json().await.map_err(ApiError::internal)?;
    // A real backend shows end users nothing of the rules; the demo shows them to the
    // integrator trying it, under `fraud`.
    let (status, outcome) = match fraud.decision {
        Decision::Block => (StatusCode::FORBIDDEN, json!({ "error": "Signup blocked" })),
        Decision::Challenge => (StatusCode::OK, json!({ "challenge": "email_verification" })),
        Decision::Allow => (StatusCode::OK, json!({ "user": { "email": body["email"] } })),
    };
    let mut answer = outcome;
    answer["fraud"] = json!({
        "eventId": fraud.event_id,
        "visitorId": fraud.visitor_id,
        "decision": fraud.decision,
        "riskScore": fraud.risk_score,
        "riskBand": fraud.risk_band,
        "triggeredRules": fraud.triggered_rules,
    });
    Ok((status, Json(answer)).into_response())
}
