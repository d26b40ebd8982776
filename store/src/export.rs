//! Export of everything stored about one end user of a tenant, for access requests.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use doorman_engine::feedback::{Feedback, Label, Outcome};
use doorman_engine::input::EventType;
use doorman_engine::score::stored::decode;

use crate::db::{execute, with_pool};
use crate::erasure::validate_user;
use crate::packed_json::StoredJson;
use crate::stored_signals::{self, Columns};
use crate::{Result, Store, StoreError};

/// Most devices listed for one user: far more than a person owns, and a bound on an
/// account that attackers share.
pub const MAX_USER_DEVICES: i64 = 1000;

/// Most events one export carries; a user with more is told so by `truncated`.
pub const MAX_EXPORT_EVENTS: i64 = 10_000;

/// One stored event as the store keeps it, with its JSON columns parsed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: String,
    pub created_at: i64,
    pub external_user_id: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub visitor_id: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub decision: String,
    pub phone: Option<String>,
    pub referrer_user_id: Option<String>,
    pub promo_code: Option<String>,
    /// Feedback the client backend reported: FRAUD or LEGIT.
    pub label: Option<String>,
    /// Feedback the client backend reported: how the login or challenge turned out.
    pub outcome: Option<String>,
    pub feedback_at: Option<i64>,
    /// The `device` the event was sent with; null when it had none.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<doorman_engine::input::DeviceSignals>))]
    pub device: Value,
    /// Every check as it was when the event was scored.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<doorman_engine::score::Check>))]
    pub checks: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub derived_signals: Value,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    event_type: String,
    created_at: i64,
    external_user_id: Option<String>,
    email: Option<String>,
    ip: Option<String>,
    visitor_id: String,
    risk_score: i32,
    risk_band: String,
    decision: String,
    phone: Option<String>,
    referrer_user_id: Option<String>,
    promo_code: Option<String>,
    label: Option<String>,
    outcome: Option<String>,
    feedback_at: Option<i64>,
    email_normalized: Option<String>,
    payload_id: Option<String>,
    device_json: StoredJson,
    checks_json: StoredJson,
    signals_json: StoredJson,
}

const EVENT_COLUMNS: &str = "id, event_type, created_at, external_user_id, COALESCE(email, email_normalized) AS email, ip, visitor_id, \
    risk_score, risk_band, decision, phone, referrer_user_id, promo_code, label, outcome, feedback_at, \
    email_normalized, payload_id, device_json, checks_json, signals_json";

impl EventRow {
    fn columns(&self) -> Columns<'_> {
        Columns {
            visitor_id: &self.visitor_id,
            email_normalized: self.email_normalized.as_deref(),
            ip: self.ip.as_deref(),
            payload_id: self.payload_id.as_deref(),
        }
    }
}

/// The event's checks, every rule of the catalog, from the form events store them in.
fn stored_checks(row: &EventRow) -> Result<Value> {
    let corrupt = |what: String| StoreError::Corrupt(format!("event {} checks: {what}", row.id));
    let event_type = EventType::ALL
        .into_iter()
        .find(|t| t.as_str() == row.event_type)
        .ok_or_else(|| corrupt(format!("unknown event type {}", row.event_type)))?;
    let checks = decode(event_type, &row.checks_json.text()?).map_err(|e| corrupt(e.to_string()))?;
    serde_json::to_value(checks).map_err(|e| corrupt(e.to_string()))
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self> {
        let parse = |json: &StoredJson, what: &str| {
            serde_json::from_str::<Value>(&json.text()?)
                .map_err(|e| StoreError::Corrupt(format!("event {} {what}: {e}", row.id)))
        };
        let mut device = parse(&row.device_json, "device")?;
        let mut derived_signals = parse(&row.signals_json, "signals")?;
        stored_signals::restore(&mut device, &mut derived_signals, row.columns());
        Ok(StoredEvent {
            device,
            checks: stored_checks(&row)?,
            derived_signals,
            event_id: row.id,
            event_type: row.event_type,
            created_at: row.created_at,
            external_user_id: row.external_user_id,
            email: row.email,
            ip: row.ip,
            visitor_id: row.visitor_id,
            risk_score: row.risk_score,
            risk_band: row.risk_band,
            decision: row.decision,
            phone: row.phone,
            referrer_user_id: row.referrer_user_id,
            promo_code: row.promo_code,
            label: row.label,
            outcome: row.outcome,
            feedback_at: row.feedback_at,
        })
    }
}

/// A device the user was seen on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct UserDevice {
    pub visitor_id: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserExport {
    pub user: String,
    pub devices: Vec<UserDevice>,
    /// Oldest first.
    pub events: Vec<StoredEvent>,
    pub truncated: bool,
}

impl Store {
    /// One event of the tenant by id.
    pub async fn event(&self, tenant_id: &str, event_id: &str) -> Result<Option<StoredEvent>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id = $2");
        let row = with_pool!(self, pool => sqlx::query_as::<_, EventRow>(&sql).bind(tenant_id).bind(event_id)
            .fetch_optional(pool).await)?;
        row.map(StoredEvent::try_from).transpose()
    }

    /// Records a client backend's feedback on one of the tenant's events (validate it with
    /// [`Feedback::validate_for`] first); a field not given keeps what was reported before.
    /// `None` when the tenant has no such event.
    pub async fn record_feedback(
        &self,
        tenant_id: &str,
        event_id: &str,
        feedback: &Feedback,
        now: i64,
    ) -> Result<Option<StoredEvent>> {
        let sql = "UPDATE events SET label = COALESCE($3, label), outcome = COALESCE($4, outcome), feedback_at = $5 \
                   WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id = $2";
        execute!(self, pool => sqlx::query(sql)
            .bind(tenant_id)
            .bind(event_id)
            .bind(feedback.label.map(Label::as_str))
            .bind(feedback.outcome.map(Outcome::as_str))
            .bind(now)
            .execute(pool)
            .await)?;
        self.event(tenant_id, event_id).await
    }

    /// The type of one of the tenant's events, or `None` when it has no such event.
    pub async fn event_type(&self, tenant_id: &str, event_id: &str) -> Result<Option<EventType>> {
        let sql = "SELECT event_type FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id = $2";
        let name: Option<String> = with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant_id).bind(event_id)
            .fetch_optional(pool).await)?;
        name.map(|name| {
            EventType::ALL
                .into_iter()
                .find(|t| t.as_str() == name)
                .ok_or_else(|| StoreError::Corrupt(format!("event {event_id} has type {name:?}")))
        })
        .transpose()
    }

    /// The devices `user` was seen on in the tenant, first seen first.
    pub async fn user_devices(&self, tenant_id: &str, user: &str) -> Result<Vec<UserDevice>> {
        let user = validate_user(user)?;
        let sql = "SELECT visitor_id, first_seen_at, last_seen_at FROM device_users \
            WHERE tenant_id = $1 AND user_key = $2 ORDER BY first_seen_at, visitor_id LIMIT $3";
        Ok(with_pool!(self, pool => sqlx::query_as::<_, UserDevice>(sql).bind(tenant_id).bind(user)
            .bind(MAX_USER_DEVICES).fetch_all(pool).await)?)
    }

    /// Everything stored about `user` in the tenant, or `None` when nothing is.
    pub async fn export_user(&self, tenant_id: &str, user: &str) -> Result<Option<UserExport>> {
        let user = validate_user(user)?;
        let events = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND (user_key = $2 OR external_user_id = $2) \
             ORDER BY created_at, id LIMIT $3"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, EventRow>(&events).bind(tenant_id).bind(user)
            .bind(MAX_EXPORT_EVENTS + 1).fetch_all(pool).await)?;
        let devices = self.user_devices(tenant_id, user).await?;
        if rows.is_empty() && devices.is_empty() {
            return Ok(None);
        }
        let truncated = rows.len() as i64 > MAX_EXPORT_EVENTS;
        let events = rows
            .into_iter()
            .take(MAX_EXPORT_EVENTS as usize)
            .map(StoredEvent::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(UserExport { user: user.to_string(), devices, events, truncated }))
    }
}
