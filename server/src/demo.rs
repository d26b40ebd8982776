//! The demo client: signup (`/demo`), login (`/demo/login`) and SMS-code (`/demo/sms`)
//! pages that embed the collector, and a stand-in for the client's own backend under
//! `/demo/api/` that forwards each to the ingest API with the demo tenant's key, exactly as
//! seed 003 tells a client to, acts on the decision, and reports login outcomes as feedback.
//! Off by default, on with `DOORMAN_DEMO=true` (as `scripts/run.sh` sets it).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use app::auth::ClientIp;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get_service, post};
use axum::{Extension, Json, Router};
use doorman_collector::payload::{BehaviorSignals, DeviceSignals};
use doorman_engine::score::Decision;
use doorman_store::credentials::{check_password_policy, hash_password, verify_password};
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

/// What the demo backend needs to call the ingest API like a client backend would, and the
/// shop's own accounts (email → password hash).
pub struct DemoBackend {
    api_key: String,
    api_base: String,
    http: reqwest::Client,
    accounts: Mutex<HashMap<String, String>>,
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
            api_base: format!("http://{host}/api/v1"),
            http: reqwest::Client::new(),
            accounts: Mutex::new(HashMap::new()),
        })
    }
}

pub fn router(site_root: &Path) -> Router<AppState> {
    let page = |name: &str| get_service(ServeFile::new(site_root.join("demo").join(name)));
    Router::new()
        .route_service("/demo", page("index.html"))
        .route_service("/demo/login", page("login.html"))
        .route_service("/demo/sms", page("sms.html"))
        .route_service("/demo/demo.js", page("demo.js"))
        .route("/demo/api/signup", post(signup))
        .route("/demo/api/login", post(login))
        .route("/demo/api/sms", post(sms))
}

/// What the collector's `collect()` gives the page, posted along with the form.
#[derive(Deserialize)]
struct FraudSignals {
    device: Option<DeviceSignals>,
    behavior: Option<BehaviorSignals>,
}

/// The signup and login forms: seed 003's client payload.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountForm {
    email: String,
    password: String,
    fraud_signals: FraudSignals,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsForm {
    phone: String,
    fraud_signals: FraudSignals,
}

/// The end user's IP, as the HTTP layer resolved it (behind a trusted proxy, the address it
/// forwards).
fn client_ip(client: Option<Extension<ClientIp>>) -> Option<String> {
    client.map(|Extension(ClientIp(ip))| ip.to_string())
}

/// Doorman's answer, or the response to pass on when it refused the event (a 422 for a
/// number that is not one, say).
enum Scored {
    Event(IngestResponse),
    Refused(Response),
}

impl DemoBackend {
    async fn ingest(&self, body: &serde_json::Value) -> Result<Scored, ApiError> {
        let response = self
            .http
            .post(format!("{}/events/ingest", self.api_base))
            .header("x-api-key", &self.api_key)
            .json(body)
            .send()
            .await
            .map_err(ApiError::internal)?;
        if !response.status().is_success() {
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let text = response.text().await.unwrap_or_default();
            return Ok(Scored::Refused(
                (status, [("content-type", "application/json")], text).into_response(),
            ));
        }
        Ok(Scored::Event(response.json().await.map_err(ApiError::internal)?))
    }

    /// Tells Doorman how the login went, as a client backend should after every login.
    async fn report(&self, event_id: &str, outcome: &str) {
        let sent = self
            .http
            .post(format!("{}/events/{event_id}/feedback", self.api_base))
            .header("x-api-key", &self.api_key)
            .json(&json!({ "outcome": outcome }))
            .send()
            .await;
        if let Err(err) = sent.and_then(|r| r.error_for_status()) {
            tracing::warn!(error = %err, "demo: feedback not recorded");
        }
    }

    fn account_password(&self, email: &str) -> Option<String> {
        self.accounts.lock().ok()?.get(&account_key(email)).cloned()
    }

    fn open_account(&self, email: &str, password_hash: String) -> Result<(), ApiError> {
        let mut accounts = self.accounts.lock().map_err(|_| ApiError::internal(PoisonedAccounts))?;
        if accounts.len() >= MAX_DEMO_ACCOUNTS {
            return Err(ApiError::Conflict("the demo shop is full: restart the server to empty it".into()));
        }
        accounts.insert(account_key(email), password_hash);
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("demo accounts lock poisoned")]
struct PoisonedAccounts;

/// The demo shop keeps its accounts in memory: enough for trying logins, and bounded.
const MAX_DEMO_ACCOUNTS: usize = 10_000;

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn demo(state: &AppState) -> Result<Arc<DemoBackend>, ApiError> {
    state.demo.clone().ok_or_else(|| ApiError::NotFound("the demo is disabled".into()))
}

/// The page's answer: what a real backend tells its user, and under `fraud` what Doorman
/// said, which a real backend never shows but the integrator trying the demo wants to see.
fn answer(status: StatusCode, outcome: serde_json::Value, fraud: &IngestResponse) -> Response {
    let mut answer = outcome;
    answer["fraud"] = json!({
        "eventId": fraud.event_id,
        "visitorId": fraud.visitor_id,
        "decision": fraud.decision,
        "riskScore": fraud.risk_score,
        "riskBand": fraud.risk_band,
        "triggeredRules": fraud.triggered_rules,
    });
    (status, Json(answer)).into_response()
}

fn event(
    event_type: &str,
    email: Option<&str>,
    ip: Option<String>,
    signals: FraudSignals,
) -> serde_json::Value {
    json!({
        "type": event_type,
        "email": email,
        "externalUserId": email.map(account_key),
        "ip": ip,
        "device": signals.device,
        "behavior": signals.behavior,
    })
}

async fn signup(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    ApiJson(form): ApiJson<AccountForm>,
) -> Result<Response, ApiError> {
    let demo = demo(&state)?;
    // The password stays with the shop: only its hash, never sent to Doorman.
    check_password_policy(&form.password)?;
    let body = event("SIGNUP", Some(&form.email), client_ip(client), form.fraud_signals);
    let fraud = match demo.ingest(&body).await? {
        Scored::Event(fraud) => fraud,
        Scored::Refused(response) => return Ok(response),
    };
    let (status, outcome) = match fraud.decision {
        Decision::Block => (StatusCode::FORBIDDEN, json!({ "error": "Signup blocked" })),
        decision => {
            let hash = hash_password(form.password).await?;
            demo.open_account(&form.email, hash)?;
            if decision == Decision::Challenge {
                (StatusCode::OK, json!({ "challenge": "email_verification" }))
            } else {
                (StatusCode::OK, json!({ "user": { "email": body["email"] } }))
            }
        }
    };
    Ok(answer(status, outcome, &fraud))
}

async fn login(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    ApiJson(form): ApiJson<AccountForm>,
) -> Result<Response, ApiError> {
    let demo = demo(&state)?;
    let body = event("LOGIN", Some(&form.email), client_ip(client), form.fraud_signals);
    let fraud = match demo.ingest(&body).await? {
        Scored::Event(fraud) => fraud,
        Scored::Refused(response) => return Ok(response),
    };
    // A blocked login is refused before the password is even checked: a credential-stuffing
    // bot learns nothing about which passwords are right.
    if fraud.decision == Decision::Block {
        return Ok(answer(StatusCode::FORBIDDEN, json!({ "error": "Login blocked" }), &fraud));
    }
    let right = match demo.account_password(&form.email) {
        Some(hash) => verify_password(form.password, hash).await,
        None => false,
    };
    if !right {
        demo.report(&fraud.event_id, "LOGIN_FAILED").await;
        return Ok(answer(StatusCode::UNAUTHORIZED, json!({ "error": "Wrong email or password" }), &fraud));
    }
    demo.report(&fraud.event_id, "LOGIN_SUCCEEDED").await;
    let outcome = match fraud.decision {
        Decision::Challenge => json!({ "challenge": "email_code" }),
        _ => json!({ "user": { "email": body["email"] } }),
    };
    Ok(answer(StatusCode::OK, outcome, &fraud))
}

async fn sms(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    ApiJson(form): ApiJson<SmsForm>,
) -> Result<Response, ApiError> {
    let demo = demo(&state)?;
    let mut body = event("SMS_OTP", None, client_ip(client), form.fraud_signals);
    body["phone"] = json!(form.phone);
    let fraud = match demo.ingest(&body).await? {
        Scored::Event(fraud) => fraud,
        Scored::Refused(response) => return Ok(response),
    };
    // The demo sends no SMS: a real backend would hand the code to its SMS provider here,
    // and only when Doorman allows it.
    let (status, outcome) = match fraud.decision {
        Decision::Block => (StatusCode::FORBIDDEN, json!({ "error": "No code can be sent to this number" })),
        Decision::Challenge => (StatusCode::OK, json!({ "challenge": "captcha" })),
        Decision::Allow => (StatusCode::OK, json!({ "sent": true })),
    };
    Ok(answer(status, outcome, &fraud))
}
