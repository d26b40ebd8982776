//! Scoring a tenant's stored events again under other settings, for the preview of a rule
//! change: each event's request, signals and linkage as they were stored, run through the
//! engine with the edited configuration.

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::Signals;
use doorman_engine::input::{EventType, IngestRequest};
use doorman_engine::linkage::Linkage;
use doorman_engine::lists::ListMatch;
use doorman_engine::score::assess;
use serde::{Deserialize, Serialize};

use crate::db::with_pool;
use crate::packed_json::StoredJson;
use crate::stored_signals::{self, Columns};
use crate::{Result, Store};

/// Most events one preview scores again.
pub const MAX_RESCORE: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rescored {
    pub id: String,
    pub created_at: i64,
    pub event_type: String,
    pub user: Option<String>,
    pub before_score: i32,
    pub before_decision: String,
    pub after_score: i32,
    pub after_decision: String,
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: String,
    created_at: i64,
    event_type: String,
    email: Option<String>,
    external_user_id: Option<String>,
    ip: Option<String>,
    phone: Option<String>,
    referrer_user_id: Option<String>,
    promo_code: Option<String>,
    visitor_id: String,
    email_normalized: Option<String>,
    payload_id: Option<String>,
    device_json: StoredJson,
    signals_json: StoredJson,
    risk_score: i32,
    decision: String,
}

/// The event scored again, or `None` when its stored form cannot be read.
fn rescore(row: StoredRow, config: &RuleConfig) -> Option<Rescored> {
    let event_type = EventType::ALL.into_iter().find(|t| t.as_str() == row.event_type)?;
    // Its type is the request's: the collector's device payload.
    let columns = Columns {
        visitor_id: &row.visitor_id,
        email_normalized: row.email_normalized.as_deref(),
        ip: row.ip.as_deref(),
        payload_id: row.payload_id.as_deref(),
    };
    let mut device = serde_json::from_str(&row.device_json.text().ok()?).ok()?;
    let mut stored: serde_json::Value = serde_json::from_str(&row.signals_json.text().ok()?).ok()?;
    stored_signals::restore(&mut device, &mut stored, columns);
    let device = serde_json::from_value(device).ok()?;
    let signals: Signals = serde_json::from_value(stored.clone()).ok()?;
    let mut linkage: Linkage = serde_json::from_value(stored["linkage"].clone()).unwrap_or_default();
    linkage.velocity = serde_json::from_value(stored["velocity"].clone()).unwrap_or_default();
    let list: Option<ListMatch> = serde_json::from_value(stored["listMatch"].clone()).ok();
    // The behaviour itself is not stored, only what was derived from it; rules read that.
    let req = IngestRequest {
        event_type,
        email: row.email.clone(),
        external_user_id: row.external_user_id.clone(),
        ip: row.ip,
        device,
        behavior: None,
        phone: row.phone,
        referrer_user_id: row.referrer_user_id,
        promo_code: row.promo_code,
    };
    let mut assessment = assess(&req, &signals, &linkage, config);
    if let Some(list) = list {
        assessment.apply_list(list);
    }
    Some(Rescored {
        id: row.id,
        created_at: row.created_at,
        event_type: row.event_type,
        user: row.external_user_id.or(row.email),
        before_score: row.risk_score,
        before_decision: row.decision,
        after_score: assessment.risk_score,
        after_decision: assessment.decision.as_str().to_string(),
    })
}

impl Store {
    /// The tenant's newest `limit` events (at most [`MAX_RESCORE`]) scored again under
    /// `config`, newest first, and how many could not be read back.
    pub async fn rescore_recent(
        &self,
        tenant_id: &str,
        config: &RuleConfig,
        limit: i64,
    ) -> Result<(Vec<Rescored>, usize)> {
        let sql = "SELECT id, created_at, event_type, COALESCE(email, email_normalized) AS email, external_user_id, ip, phone, referrer_user_id, promo_code, \
            visitor_id, email_normalized, payload_id, device_json, signals_json, risk_score, decision FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) \
            ORDER BY created_at DESC, id DESC LIMIT $2";
        let rows: Vec<StoredRow> = with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id)
            .bind(limit.clamp(1, MAX_RESCORE)).fetch_all(pool).await)?;
        let total = rows.len();
        let rescored: Vec<Rescored> = rows.into_iter().filter_map(|row| rescore(row, config)).collect();
        let unreadable = total - rescored.len();
        Ok((rescored, unreadable))
    }
}
