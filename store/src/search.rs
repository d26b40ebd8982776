//! Event search for the dashboard: filters, newest first, a page at a time; and what else
//! was seen on one device.

use doorman_engine::input::EventType;
use doorman_engine::score::Decision;
use serde::{Deserialize, Serialize};

use crate::db::with_pool;
use crate::events::{EventSummary, Scope};
use crate::{Result, Store, StoreError};

/// Most events on one page.
pub const MAX_PAGE: i64 = 200;

/// What to look for; every field left empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventFilter {
    pub event_type: Option<String>,
    pub decision: Option<String>,
    /// An email (any spelling of the mailbox) or an `externalUserId`.
    pub user: Option<String>,
    pub visitor_id: Option<String>,
    pub ip: Option<String>,
    /// Epoch milliseconds, inclusive.
    pub since: Option<i64>,
    /// Epoch milliseconds, exclusive.
    pub until: Option<i64>,
    /// The page after this one: the `created_at` and id of the last event shown.
    pub after: Option<(i64, String)>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The WHERE clause of a search and what it binds, numbered from `$1`.
struct Conditions {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    fn push(&mut self, template: &str, values: Vec<Bind>) {
        let mut clause = template.to_string();
        for value in values {
            self.binds.push(value);
            clause = clause.replacen('?', &format!("${}", self.binds.len()), 1);
        }
        self.sql.push(clause);
    }
}

fn one_of(value: &str, allowed: &[&str], what: &str) -> Result<String> {
    let value = value.trim().to_ascii_uppercase();
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(StoreError::Invalid(format!("unknown {what} {value:?}: one of {}", allowed.join(", "))))
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn conditions(scope: Scope<'_>, filter: &EventFilter) -> Result<Conditions> {
    let mut c = Conditions { sql: Vec::new(), binds: Vec::new() };
    if let Scope::Tenant(tenant_id) = scope {
        c.push(
            "e.tenant_number = (SELECT number FROM tenants WHERE id = ?)",
            vec![Bind::Text(tenant_id.to_string())],
        );
    }
    if let Some(t) = given(&filter.event_type) {
        c.push(
            "e.event_type = ?",
            vec![Bind::Text(one_of(t, &EventType::ALL.map(EventType::as_str), "event type")?)],
        );
    }
    if let Some(d) = given(&filter.decision) {
        c.push(
            "e.decision = ?",
            vec![Bind::Text(one_of(d, &Decision::ALL.map(Decision::as_str), "decision")?)],
        );
    }
    if let Some(user) = given(&filter.user) {
        let mailbox = doorman_engine::derive::normalize_email(user).unwrap_or_else(|| user.to_string());
        c.push(
            "(e.user_key = ? OR e.external_user_id = ? OR e.email_normalized = ?)",
            vec![Bind::Text(user.to_string()), Bind::Text(user.to_string()), Bind::Text(mailbox)],
        );
    }
    if let Some(v) = given(&filter.visitor_id) {
        c.push("e.visitor_id = ?", vec![Bind::Text(v.to_string())]);
    }
    if let Some(ip) = given(&filter.ip) {
        c.push("e.ip = ?", vec![Bind::Text(ip.to_string())]);
    }
    if let Some(since) = filter.since {
        c.push("e.created_at >= ?", vec![Bind::Int(since)]);
    }
    if let Some(until) = filter.until {
        c.push("e.created_at < ?", vec![Bind::Int(until)]);
    }
    if let Some((at, id)) = &filter.after {
        c.push(
            "(e.created_at < ? OR (e.created_at = ? AND e.id < ?))",
            vec![Bind::Int(*at), Bind::Int(*at), Bind::Text(id.clone())],
        );
    }
    Ok(c)
}

/// A user seen on a device, and when.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeviceUser {
    pub user_key: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// An address a device came from, how often and when last.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeviceIp {
    pub ip: String,
    pub events: i64,
    pub last_seen_at: i64,
}

/// Most linked users or addresses listed for one device.
const MAX_LINKED: i64 = 100;

impl Store {
    /// Events matching `filter` in the scope, newest first, at most `limit`.
    pub async fn search_events(
        &self,
        scope: Scope<'_>,
        filter: &EventFilter,
        limit: i64,
    ) -> Result<Vec<EventSummary>> {
        let c = conditions(scope, filter)?;
        let mut sql =
            "SELECT t.id AS tenant_id, t.slug AS tenant_slug, e.id, e.event_type, e.created_at, COALESCE(e.email, e.email_normalized) AS email, \
            e.external_user_id, e.ip, e.visitor_id, e.risk_score, e.risk_band, e.decision, e.triggered_rules \
            FROM events e JOIN tenants t ON t.number = e.tenant_number"
                .to_string();
        if !c.sql.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&c.sql.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY e.created_at DESC, e.id DESC LIMIT {}", limit.clamp(1, MAX_PAGE)));
        Ok(with_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, EventSummary>(&sql);
            for bind in &c.binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.as_str()),
                    Bind::Int(n) => query.bind(*n),
                };
            }
            query.fetch_all(pool).await
        })?)
    }

    /// The users and addresses seen with one device of the tenant.
    pub async fn device_links(
        &self,
        tenant_id: &str,
        visitor_id: &str,
    ) -> Result<(Vec<DeviceUser>, Vec<DeviceIp>)> {
        let users = "SELECT user_key, first_seen_at, last_seen_at FROM device_users \
            WHERE tenant_id = $1 AND visitor_id = $2 ORDER BY last_seen_at DESC LIMIT $3";
        let ips = "SELECT ip, COUNT(*) AS events, MAX(created_at) AS last_seen_at FROM events \
            WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND visitor_id = $2 AND ip IS NOT NULL GROUP BY ip ORDER BY last_seen_at DESC LIMIT $3";
        Ok(with_pool!(self, pool => {
            let users = sqlx::query_as::<_, DeviceUser>(users).bind(tenant_id).bind(visitor_id).bind(MAX_LINKED).fetch_all(pool).await?;
            let ips = sqlx::query_as::<_, DeviceIp>(ips).bind(tenant_id).bind(visitor_id).bind(MAX_LINKED).fetch_all(pool).await?;
            (users, ips)
        }))
    }
}
