//! Scored events: the linkage read before scoring, and the one transaction that stores an
//! event with its visitor, keys and device-user link.

use doorman_engine::derive::Signals;
use doorman_engine::input::IngestRequest;

use doorman_engine::linkage::{Linkage, PreviousLogin};
use doorman_engine::lists::{self, domain_candidates, ListMatch};
use doorman_engine::score::{Assessment, Decision};
use doorman_engine::velocity::{Counting, Velocity};
use serde::{Deserialize, Serialize};

use rusqlite::types::Value as SqlValue;
use sqlx::Row;

use crate::db::{with_pool, Pool};
use crate::event_writer::{query_row, EventWrite};
use crate::linkage::{self, LinkageRow, Param};
use crate::packed_json::StoredJson;
use crate::read_connections::on_read_connection;
use crate::tenant_lists::parse_match;
use crate::visitors::{DeviceKeys, MatchMethod, VisitorMatch};
use crate::webhooks::webhook_payload;
use crate::{ids, stored_signals, velocity, Result, Store, StoreError};

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
const DAYS_30_MS: i64 = 30 * DAY_MS;

/// A value bound to the linkage query.
enum Bound<'a> {
    Text(Option<&'a str>),
    Int(i64),
}

fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// What the store knows about an event before it is scored.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub visitor: VisitorMatch,
    pub linkage: Linkage,
    /// The user the event is about: `externalUserId`, else the normalised email, else empty.
    pub user_key: String,
    /// The tenant's allow or block entry the event matched.
    pub list_match: Option<ListMatch>,
}

/// What recording an event gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub event_id: String,
    pub visitor_id: String,
}

/// Who may see which events.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    AllTenants,
    Tenant(&'a str),
}

/// The codes of the rules that fired, from an event's `triggered_rules` column.
pub fn rule_codes(triggered: &str) -> impl Iterator<Item = &str> {
    triggered.split(',').filter(|c| !c.is_empty())
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

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Resolves the visitor and reads every linkage count the event's rules need, in one
    /// query, as `counting` says.
    pub async fn prepare_event(
        &self,
        tenant_id: &str,
        req: &IngestRequest,
        signals: &Signals,
        now: i64,
        counting: &Counting,
    ) -> Result<Prepared> {
        let tenant_number = self.tenant_number(tenant_id).await?;
        let keys = device_keys(signals);
        let new_visitor = ids::new_id("vis");
        let user_key = user_key(req, signals);
        let payload_id = req.device.as_ref().and_then(|d| d.payload_id.as_deref());
        let domain = signals.email.domain.as_deref().map(domain_candidates);
        let ip_key = signals.ip.address.as_deref().and_then(|ip| ip.parse().ok()).map(lists::ip_key);
        let asn = signals.ip.asn.map(|asn| asn.to_string());
        // As the `email_domain` column derives it from the stored normalised email.
        let email_domain =
            signals.email.normalized.as_deref().and_then(|e| e.split_once('@')).map(|(_, d)| d);
        let value = |param: Param| match param {
            Param::Tenant => Bound::Text(Some(tenant_id)),
            Param::TenantNumber => Bound::Int(tenant_number),
            Param::Token => Bound::Text(keys.token.filter(|v| !v.is_empty())),
            Param::Fingerprint => Bound::Text(keys.fingerprint.filter(|v| !v.is_empty())),
            Param::Hardware => Bound::Text(keys.hardware.filter(|v| !v.is_empty())),
            Param::NewVisitor => Bound::Text(Some(&new_visitor)),
            Param::User => Bound::Text(Some(&user_key)),
            Param::Ip => Bound::Text(signals.ip.address.as_deref()),
            Param::Payload => Bound::Text(payload_id),
            Param::Email => Bound::Text(signals.email.normalized.as_deref()),
            Param::Cap => Bound::Int(i64::from(counting.cap)),
            Param::Since1h => Bound::Int(now - HOUR_MS),
            Param::Since24h => Bound::Int(now - DAY_MS),
            Param::Since30d => Bound::Int(now - DAYS_30_MS),
            Param::PhoneRange => Bound::Text(signals.phone.range.as_deref()),
            Param::Referrer => Bound::Text(trimmed(req.referrer_user_id.as_deref())),
            Param::Promo => Bound::Text(trimmed(req.promo_code.as_deref())),
            Param::Domain => Bound::Text(domain.as_ref().map(|d| d.0.as_str())),
            Param::ParentDomain => Bound::Text(domain.as_ref().and_then(|d| d.1.as_deref())),
            Param::IpKey => Bound::Text(ip_key.as_deref()),
            Param::Now => Bound::Int(now),
            Param::Asn => Bound::Text(asn.as_deref()),
            Param::Country => Bound::Text(signals.ip.country.as_deref()),
            Param::EmailDomain => Bound::Text(email_domain),
        };
        let q = linkage::query(req.event_type, counting);
        let row = match &self.pool {
            // On SQLite the event writer's connection reads it: see `event_writer::sqlite`.
            Pool::Sqlite(_) => {
                let values = q.params.iter().map(|param| match value(*param) {
                    Bound::Text(text) => text.map_or(SqlValue::Null, |t| SqlValue::Text(t.to_string())),
                    Bound::Int(n) => SqlValue::Integer(n),
                });
                let values: Vec<SqlValue> = values.collect();
                self.events
                    .read(move |conn| {
                        let row = query_row(conn, &q.sql, &values, |row| {
                            Ok(LinkageRow::read(q, |c| row.get(c), |c| row.get(c))?)
                        })?;
                        row.ok_or(StoreError::NotFound("linkage row"))
                    })
                    .await?
            }
            Pool::Postgres(_) => {
                let row = on_read_connection!(self.reads()?, conn => {
                    let mut query = sqlx::query(&q.sql);
                    for param in &q.params {
                        query = match value(*param) {
                            Bound::Text(text) => query.bind(text),
                            Bound::Int(n) => query.bind(n),
                        };
                    }
                    query.fetch_one(conn)
                })?;
                LinkageRow::read(q, |c| row.try_get(c), |c| row.try_get(c))?
            }
        };
        let counts = row.counts;
        let n = |column: &str| count(counts.get(column).copied().unwrap_or(0));
        let mut linkage = Linkage {
            snoozes: Vec::new(),
            velocity: Velocity::default(),
            other_users_on_device: n("other_users_on_device"),
            payload_seen_before: n("payload_uses") > 0,
            other_signup_users_on_device_30d: n("other_signup_users_on_device"),
            other_signup_users_on_ip_30d: n("other_signup_users_on_ip"),
            signups_on_ip_1h: n("signups_on_ip_1h"),
            signups_on_device_1h: n("signups_on_device_1h"),
            other_users_with_email: n("other_users_with_email"),
            other_devices_of_user: n("other_devices_of_user"),
            device_known_for_user: n("device_known_for_user") > 0,
            other_login_users_on_device_1h: n("other_login_users_on_device_1h"),
            other_login_users_on_ip_1h: n("other_login_users_on_ip_1h"),
            failed_logins_on_device_1h: n("failed_logins_on_device_1h"),
            failed_logins_on_ip_1h: n("failed_logins_on_ip_1h"),
            previous_login: row.previous_login_country.map(|country| PreviousLogin {
                country,
                elapsed_ms: now.saturating_sub(counts.get("previous_login_at").copied().unwrap_or(now)),
                min_distance_km: None,
            }),
            sms_on_device_24h: n("sms_on_device_24h"),
            sms_on_range_1h: n("sms_on_range_1h"),
            other_trial_users_on_device: n("other_trial_users_on_device"),
            referrer_seen_on_device: n("referrer_seen_on_device") > 0,
            other_referrals_on_device: n("other_referrals_on_device"),
            other_promo_users_on_device: n("other_promo_users_on_device"),
            resets_on_device_1h: n("resets_on_device_1h"),
            resets_for_user_1h: n("resets_for_user_1h"),
        };
        let list_match = row.list_match.as_deref().and_then(parse_match);
        linkage.snoozes = row
            .snoozed
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.rsplit_once(' '))
            .filter_map(|(rule, until)| Some((rule.to_string(), until.parse().ok()?)))
            .collect();
        let [token, fingerprint, hardware] = row.key_owners;
        let found = [
            (MatchMethod::DeviceToken, token),
            (MatchMethod::Fingerprint, fingerprint),
            (MatchMethod::Hardware, hardware),
        ];
        let visitor = VisitorMatch::from_found(found, new_visitor);
        let this = velocity::ThisEvent {
            ip: signals.ip.address.as_deref(),
            country: signals.ip.country.as_deref(),
            user: &user_key,
            visitor: &visitor.visitor_id,
            email_domain,
            counting,
        };
        linkage.velocity = velocity::count(&row.velocity, &this, now);
        Ok(Prepared { visitor, linkage, user_key, list_match })
    }

    /// Stores a scored event, its visitor and keys, and the device-user link, in one
    /// transaction, and the key's last use when `touch_key` names it. Gives the new event's
    /// id and the visitor it was stored under: another than the prepared one when a
    /// concurrent request of the same new device linked its key first.
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
    ) -> Result<Recorded> {
        let id = ids::new_id("evt");
        let keys = device_keys(signals);
        let visitor = &prepared.visitor;
        let payload_id = req.device.as_ref().and_then(|d| d.payload_id.as_deref());
        let write = EventWrite {
            tenant_id: tenant_id.to_string(),
            visitor_id: visitor.visitor_id.clone(),
            visitor_is_new: visitor.is_new,
            // Only keys seen for the first time: one already linked keeps its first owner.
            key_links: keys
                .kinds_and_values()
                .into_iter()
                .filter(|(kind, _)| !visitor.linked.contains(kind))
                .map(|(kind, value)| (kind, value.to_string()))
                .collect(),
            event_type: req.event_type.as_str(),
            now,
            external_user_id: req.external_user_id.clone(),
            // Most emails arrive as they normalise; the column then stays empty and every
            // read takes `COALESCE(email, email_normalized)`.
            email: req
                .email
                .clone()
                .filter(|email| Some(email.as_str()) != signals.email.normalized.as_deref()),
            user_key: prepared.user_key.clone(),
            ip: signals.ip.address.clone(),
            payload_id: payload_id.map(str::to_string),
            risk_score: assessment.risk_score,
            risk_band: assessment.risk_band.as_str(),
            decision: assessment.decision.as_str(),
            triggered: assessment.triggered().map(|c| c.code.as_str()).collect::<Vec<_>>().join(","),
            // Packed here, on the request's thread, not on the one writer's.
            device_json: StoredJson::pack(&to_json(&stored_signals::slim_device(req.device.as_ref()))?)?,
            checks_json: StoredJson::pack(&doorman_engine::score::stored::encode(
                req.event_type,
                &assessment.checks,
            ))?,
            signals_json: StoredJson::pack(&to_json(&stored_signals::slim(
                derived_signals,
                stored_signals::Columns {
                    visitor_id: &visitor.visitor_id,
                    email_normalized: signals.email.normalized.as_deref(),
                    ip: signals.ip.address.as_deref(),
                    payload_id,
                },
                signals.device.hardware_key.as_deref(),
            ))?)?,
            email_normalized: signals.email.normalized.clone(),
            ip_country: signals.ip.country.clone(),
            phone: signals.phone.number.clone(),
            phone_range: signals.phone.range.clone(),
            referrer_user_id: trimmed(req.referrer_user_id.as_deref()).map(str::to_string),
            promo_code: trimmed(req.promo_code.as_deref()).map(str::to_string),
            touch_key: touch_key.map(str::to_string),
            // Only decisions a webhook may be for, and only the tenant's webhooks that want it.
            notify: (assessment.decision != Decision::Allow).then(|| {
                let payload = webhook_payload(&id, req, prepared, assessment, now);
                (payload, format!("%,{},%", assessment.decision.as_str()))
            }),
            id: id.clone(),
        };
        let visitor_id = self.events.write(write).await?;
        Ok(Recorded { event_id: id, visitor_id })
    }

    /// The newest events in the scope, newest first.
    pub async fn recent_events(&self, scope: Scope<'_>, limit: i64) -> Result<Vec<EventSummary>> {
        let columns = "t.id AS tenant_id, t.slug AS tenant_slug, e.id, e.event_type, e.created_at, COALESCE(e.email, e.email_normalized) AS email, e.external_user_id, \
            e.ip, e.visitor_id, e.risk_score, e.risk_band, e.decision, e.triggered_rules";
        let limit = limit.clamp(1, 500);
        Ok(match scope {
            Scope::AllTenants => {
                let sql = format!("SELECT {columns} FROM events e JOIN tenants t ON t.number = e.tenant_number ORDER BY e.created_at DESC LIMIT $1");
                with_pool!(self, pool => sqlx::query_as::<_, EventSummary>(&sql).bind(limit).fetch_all(pool).await)?
            }
            Scope::Tenant(tenant_id) => {
                let sql = format!(
                    "SELECT {columns} FROM events e JOIN tenants t ON t.number = e.tenant_number \
                    WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) ORDER BY e.created_at DESC LIMIT $2"
                );
                with_pool!(self, pool => sqlx::query_as::<_, EventSummary>(&sql).bind(tenant_id).bind(limit).fetch_all(pool).await)?
            }
        })
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use doorman_engine::input::EventType;

    use crate::db::Pool;

    /// Every count must use an index on its filter: a plan that scans a tenant's events
    /// makes each request as slow as the tenant is large.
    #[tokio::test]
    async fn ingest_queries_search_narrow_indexes() {
        let db = crate::testing::sqlite().await;
        let Pool::Sqlite(pool) = &db.store.pool else { unreachable!() };
        let plan_of = |sql: String| async move {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(pool).await.unwrap();
            plan.into_iter().map(|row| row.3).collect::<Vec<String>>()
        };
        for event_type in EventType::ALL {
            let query =
                crate::linkage::query(event_type, &doorman_engine::velocity::Counting::everything(20));
            let plan = plan_of(query.sql.clone()).await;
            let tables = [" events ", " device_users ", " tenant_lists ", " visitor_keys "];
            let steps: Vec<&String> = plan.iter().filter(|s| tables.iter().any(|t| s.contains(t))).collect();
            // At least one step per column (the list match has one per kind); DISTINCT adds a
            // temporary B-tree step, not a table access.
            assert!(steps.len() >= query.columns.len(), "{event_type:?}: {plan:?}");
            for step in steps {
                assert!(step.starts_with("SEARCH "), "{event_type:?}: {step}");
                assert!(
                    step.contains("=? AND"),
                    "{event_type:?}: only the tenant narrows this search: {step}"
                );
                // Reading an event row (a page read for each, rows lie far apart) per match
                // made every count grow with the history of its IP, device, email or user.
                if step.contains(" events ") {
                    assert!(step.contains("COVERING INDEX"), "{event_type:?}: reads event rows: {step}");
                }
            }
        }
    }
}
