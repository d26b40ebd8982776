//! Scored events: the linkage read before scoring, and the one transaction that stores an
//! event with its visitor, keys and device-user link.

use doorman_engine::derive::Signals;
use doorman_engine::input::IngestRequest;
use doorman_engine::linkage::Linkage;
use doorman_engine::score::Assessment;
use serde::{Deserialize, Serialize};

use crate::db::{with_pool, with_writer};
use crate::visitors::{DeviceKeys, VisitorMatch, INSERT_VISITOR, LINK_KEY, TOUCH_VISITOR};
use crate::{ids, Result, Store, StoreError};

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAYS_30_MS: i64 = 30 * 24 * HOUR_MS;

/// Every linkage count of one event, each stopping at `$9` rows: enough for every rule, and
/// the cost of a request does not grow with the size of an attack on one device or address.
/// `COALESCE(user_key, '')` (never NULL) keeps SQLite from walking the tenant's whole
/// user index to get DISTINCT for free instead of using the filter's index.
const LINKAGE_SQL: &str = "SELECT \
            (SELECT COUNT(*) FROM (SELECT 1 FROM device_users WHERE tenant_id = $1 AND visitor_id = $2 AND user_key <> $3 \
                LIMIT $9) AS d) AS other_users_on_device, \
            (SELECT COUNT(*) FROM (SELECT DISTINCT COALESCE(user_key, '') FROM events WHERE tenant_id = $1 AND visitor_id = $2 \
                AND event_type = 'SIGNUP' AND created_at >= $4 AND user_key <> $3 AND user_key <> '' LIMIT $9) AS dv) AS other_signup_users_on_device, \
            (SELECT COUNT(*) FROM (SELECT DISTINCT COALESCE(user_key, '') FROM events WHERE tenant_id = $1 AND ip = $5 \
                AND event_type = 'SIGNUP' AND created_at >= $4 AND user_key <> $3 AND user_key <> '' LIMIT $9) AS iu) AS other_signup_users_on_ip, \
            (SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND ip = $5 AND event_type = 'SIGNUP' \
                AND created_at >= $6 LIMIT $9) AS ih) AS signups_on_ip_1h, \
            (SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND visitor_id = $2 AND event_type = 'SIGNUP' \
                AND created_at >= $6 LIMIT $9) AS dh) AS signups_on_device_1h, \
            (SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND payload_id = $7 LIMIT 1) AS p) AS payload_uses, \
            (SELECT COUNT(*) FROM (SELECT DISTINCT COALESCE(user_key, '') FROM events WHERE tenant_id = $1 AND email_normalized = $8 \
                AND event_type = 'SIGNUP' AND user_key <> $3 AND user_key <> '' LIMIT $9) AS eu) AS other_users_with_email";

/// What the store knows about an event before it is scored.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub visitor: VisitorMatch,
    pub linkage: Linkage,
    /// The user the event is about: `externalUserId`, else the normalised email, else empty.
    pub user_key: String,
}

/// Who may see which events.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    AllTenants,
    Tenant(&'a str),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EventSummary {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub id: String,
    pub event_type: String,
    pub created_at: i64,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub ip: Option<String>,
    pub visitor_id: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub decision: String,
    /// Codes of the fired rules, comma-separated.
    pub triggered_rules: String,
}

fn device_keys(signals: &Signals) -> DeviceKeys<'_> {
    DeviceKeys {
        token: signals.device.device_token.as_deref(),
        fingerprint: signals.device.fingerprint.as_deref(),
        hardware: signals.device.hardware_key.as_deref(),
    }
}

fn user_key(req: &IngestRequest, signals: &Signals) -> String {
    req.external_user_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| signals.email.normalized.clone())
        .unwrap_or_default()
}

#[derive(sqlx::FromRow)]
struct LinkageRow {
    other_users_on_device: i64,
    other_signup_users_on_device: i64,
    other_signup_users_on_ip: i64,
    signups_on_ip_1h: i64,
    signups_on_device_1h: i64,
    payload_uses: i64,
    other_users_with_email: i64,
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Resolves the visitor and reads every linkage count the rules need, in two queries.
    /// Counts stop at `cap` (see `Limits::count_cap`).
    pub async fn prepare_event(
        &self,
        tenant_id: &str,
        req: &IngestRequest,
        signals: &Signals,
        now: i64,
        cap: u32,
    ) -> Result<Prepared> {
        let visitor = self.resolve_visitor(tenant_id, &device_keys(signals)).await?;
        let user_key = user_key(req, signals);
        let payload_id = req.device.as_ref().and_then(|d| d.payload_id.as_deref());
        let row = with_pool!(self, pool => sqlx::query_as::<_, LinkageRow>(LINKAGE_SQL)
            .bind(tenant_id)
            .bind(&visitor.visitor_id)
            .bind(&user_key)
            .bind(now - DAYS_30_MS)
            .bind(signals.ip.address.as_deref())
            .bind(now - HOUR_MS)
            .bind(payload_id)
            .bind(signals.email.normalized.as_deref())
            .bind(i64::from(cap))
            .fetch_one(pool)
            .await)?;
        let linkage = Linkage {
            other_users_on_device: count(row.other_users_on_device),
            other_signup_users_on_device_30d: count(row.other_signup_users_on_device),
            other_signup_users_on_ip_30d: count(row.other_signup_users_on_ip),
            signups_on_ip_1h: count(row.signups_on_ip_1h),
            signups_on_device_1h: count(row.signups_on_device_1h),
            payload_seen_before: row.payload_uses > 0,
            other_users_with_email: count(row.other_users_with_email),
        };
        Ok(Prepared { visitor, linkage, user_key })
    }

    /// Stores a scored event, its visitor and keys, and the device-user link, in one
    /// transaction, and the key's last use when `touch_key` names it. Returns the new event id.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_event(
        &self,
        tenant_id: &str,
        touch_key: Option<&str>,
        req: &IngestRequest,
        signals: &Signals,
        prepared: &Prepared,
        assessment: &Assessment,
        derived_signals: &serde_json::Value,
        now: i64,
    ) -> Result<String> {
        let id = ids::new_id("evt");
        let keys = device_keys(signals);
        // Only keys seen for the first time: one already linked keeps its first owner anyway.
        let key_links: Vec<(&str, &str)> = keys
            .kinds_and_values()
            .into_iter()
            .filter(|(kind, _)| !prepared.visitor.linked.contains(kind))
            .collect();
        let visitor = &prepared.visitor;
        let device_json =
            serde_json::to_string(&req.device).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let checks_json =
            serde_json::to_string(&assessment.checks).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let signals_json =
            serde_json::to_string(derived_signals).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let triggered: Vec<&str> = assessment.triggered().map(|c| c.code.as_str()).collect();
        let triggered = triggered.join(",");
        let payload_id = req.device.as_ref().and_then(|d| d.payload_id.as_deref());
        let insert_event = "INSERT INTO events (tenant_id, id, event_type, created_at, external_user_id, email, user_key, ip, \
            visitor_id, payload_id, risk_score, risk_band, decision, triggered_rules, device_json, checks_json, signals_json, \
            email_normalized) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
        let link_user = "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at) \
            VALUES ($1, $2, $3, $4, $4) ON CONFLICT (tenant_id, visitor_id, user_key) DO UPDATE SET last_seen_at = excluded.last_seen_at";
        let touch = "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2";
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let upsert = if visitor.is_new { INSERT_VISITOR } else { TOUCH_VISITOR };
            sqlx::query(upsert).bind(tenant_id).bind(&visitor.visitor_id).bind(now).execute(&mut *tx).await?;
            for (kind, value) in &key_links {
                sqlx::query(LINK_KEY).bind(tenant_id).bind(*kind).bind(*value).bind(&visitor.visitor_id).bind(now)
                    .execute(&mut *tx).await?;
            }
            sqlx::query(insert_event)
                .bind(tenant_id)
                .bind(&id)
                .bind(req.event_type.as_str())
                .bind(now)
                .bind(req.external_user_id.as_deref())
                .bind(req.email.as_deref())
                .bind(&prepared.user_key)
                .bind(signals.ip.address.as_deref())
                .bind(&visitor.visitor_id)
                .bind(payload_id)
                .bind(assessment.risk_score)
                .bind(assessment.risk_band.as_str())
                .bind(assessment.decision.as_str())
                .bind(&triggered)
                .bind(&device_json)
                .bind(&checks_json)
                .bind(&signals_json)
                .bind(signals.email.normalized.as_deref())
                .execute(&mut *tx)
                .await?;
            if !prepared.user_key.is_empty() {
                sqlx::query(link_user).bind(tenant_id).bind(&visitor.visitor_id).bind(&prepared.user_key).bind(now)
                    .execute(&mut *tx).await?;
            }
            if let Some(key_id) = touch_key {
                sqlx::query(touch).bind(tenant_id).bind(key_id).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(id)
    }

    /// The newest events in the scope, newest first.
    pub async fn recent_events(&self, scope: Scope<'_>, limit: i64) -> Result<Vec<EventSummary>> {
        let columns = "e.tenant_id, t.slug AS tenant_slug, e.id, e.event_type, e.created_at, e.email, e.external_user_id, \
            e.ip, e.visitor_id, e.risk_score, e.risk_band, e.decision, e.triggered_rules";
        let limit = limit.clamp(1, 500);
        Ok(match scope {
            Scope::AllTenants => {
                let sql = format!("SELECT {columns} FROM events e JOIN tenants t ON t.id = e.tenant_id ORDER BY e.created_at DESC LIMIT $1");
                with_pool!(self, pool => sqlx::query_as::<_, EventSummary>(&sql).bind(limit).fetch_all(pool).await)?
            }
            Scope::Tenant(tenant_id) => {
                let sql = format!(
                    "SELECT {columns} FROM events e JOIN tenants t ON t.id = e.tenant_id \
                    WHERE e.tenant_id = $1 ORDER BY e.created_at DESC LIMIT $2"
                );
                with_pool!(self, pool => sqlx::query_as::<_, EventSummary>(&sql).bind(tenant_id).bind(limit).fetch_all(pool).await)?
            }
        })
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::LINKAGE_SQL;
    use crate::db::Pool;

    /// Every count must use an index on its filter: a plan that scans a tenant's events
    /// makes each request as slow as the tenant is large.
    #[tokio::test]
    async fn ingest_queries_search_narrow_indexes() {
        let db = crate::testing::sqlite().await;
        let Pool::Sqlite(pool) = &db.store.pool else { unreachable!() };
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {LINKAGE_SQL}")).fetch_all(pool).await.unwrap();
        let steps: Vec<&str> =
            plan.iter().map(|row| row.3.as_str()).filter(|s| s.contains(" events ")).collect();
        assert_eq!(steps.len(), 6, "{plan:?}");
        for step in steps {
            assert!(step.starts_with("SEARCH events USING"), "{step}");
            assert!(step.contains("=? AND"), "only the tenant narrows this search: {step}");
        }
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", crate::visitors::RESOLVE_SQL))
                .fetch_all(pool)
                .await
                .unwrap();
        let searches: Vec<&str> =
            plan.iter().map(|row| row.3.as_str()).filter(|s| s.starts_with("SEARCH")).collect();
        assert_eq!(searches.len(), 3, "{plan:?}");
        assert!(searches.iter().all(|s| s.contains("(tenant_id=? AND kind=? AND value=?)")), "{plan:?}");
    }
}
