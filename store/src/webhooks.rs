//! Tenants' webhooks and the outbox of their deliveries. Deliveries are queued in the
//! transaction that records the event (see `events.rs`), claimed by one sender at a time
//! even with several servers on one database, and retried with growing pauses.

use doorman_engine::input::IngestRequest;
use doorman_engine::score::Assessment;
use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool};
use crate::events::Prepared;
use crate::{ids, now_ms, Result, Store, StoreError};

/// Most webhooks one tenant may register.
pub const MAX_WEBHOOKS: i64 = 10;
const MAX_URL: usize = 2048;
/// Decisions a webhook may be sent for.
pub const DECISIONS: [&str; 2] = ["BLOCK", "CHALLENGE"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Comma-separated.
    pub decisions: String,
    pub created_at: i64,
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
    pub last_error: Option<String>,
}

/// A delivery claimed for sending, with what signing it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub tenant_id: String,
    pub id: String,
    pub event_id: String,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
}

/// Checks a webhook URL: absolute http(s), no credentials in it, not too long. Whether its
/// host may be a private address is the sender's decision, made when it connects.
pub fn validate_url(raw: &str) -> Result<String> {
    let url = raw.trim();
    let bad = |why: &str| StoreError::Invalid(format!("webhook URL {why}"));
    if url.len() > MAX_URL {
        return Err(bad(&format!("longer than {MAX_URL} characters")));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with https:// or http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(bad("must name a host, without credentials or spaces"));
    }
    Ok(url.to_string())
}

/// The decisions a webhook is for, in canonical order, from a comma-separated list.
pub fn parse_decisions(raw: &str) -> Result<String> {
    let wanted: Vec<String> =
        raw.split(',').map(|d| d.trim().to_ascii_uppercase()).filter(|d| !d.is_empty()).collect();
    if let Some(unknown) = wanted.iter().find(|d| !DECISIONS.contains(&d.as_str())) {
        return Err(StoreError::Invalid(format!(
            "a webhook is sent for BLOCK or CHALLENGE, not {unknown:?}"
        )));
    }
    let chosen: Vec<&str> = DECISIONS.into_iter().filter(|d| wanted.iter().any(|w| w == d)).collect();
    if chosen.is_empty() {
        return Err(StoreError::Invalid("choose BLOCK, CHALLENGE or both".into()));
    }
    Ok(chosen.join(","))
}

/// Queues a delivery of one event to each of the tenant's webhooks whose decisions match
/// `$6` (`%,BLOCK,%`); run in the transaction that records the event. PostgreSQL's writer
/// queues those of a whole batch at once, in `doorman_write_events` (migrations 0013 to 0022).
pub(crate) const ENQUEUE_DELIVERIES: &str = "INSERT INTO webhook_deliveries \
    (tenant_id, id, webhook_id, event_id, user_key, payload, status, attempts, next_attempt_at, created_at) \
    SELECT w.tenant_id, CAST($2 AS TEXT) || '.' || w.id, w.id, CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), \
    'PENDING', 0, CAST($5 AS BIGINT), CAST($5 AS BIGINT) FROM webhooks w \
    WHERE w.tenant_id = $1 AND (',' || w.decisions || ',') LIKE CAST($6 AS TEXT)";

/// Queues a delivery of a change to an event (`$3`, of user `$4`; a review decision, say) to
/// every webhook of the tenant, under delivery ids `$2.{webhook}`: such a change is news to
/// the tenant's back office whatever decisions its webhooks are for.
pub(crate) const ENQUEUE_TO_EVERY_WEBHOOK: &str = "INSERT INTO webhook_deliveries \
    (tenant_id, id, webhook_id, event_id, user_key, payload, status, attempts, next_attempt_at, created_at) \
    SELECT w.tenant_id, CAST($2 AS TEXT) || '.' || w.id, w.id, CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT), \
    'PENDING', 0, CAST($6 AS BIGINT), CAST($6 AS BIGINT) FROM webhooks w WHERE w.tenant_id = $1";

/// What a webhook receives about one event: enough to act (the decision and why) and to
/// fetch the rest with `GET /api/v1/events/{eventId}`; no email or IP.
pub(crate) fn webhook_payload(
    event_id: &str,
    req: &IngestRequest,
    prepared: &Prepared,
    assessment: &Assessment,
    now: i64,
) -> String {
    let rules: Vec<&str> = assessment.triggered().map(|c| c.code.as_str()).collect();
    serde_json::json!({
        "eventId": event_id,
        "type": req.event_type.as_str(),
        "createdAt": now,
        "decision": assessment.decision.as_str(),
        "riskScore": assessment.risk_score,
        "riskBand": assessment.risk_band.as_str(),
        "visitorId": prepared.visitor.visitor_id,
        "externalUserId": req.external_user_id,
        "triggeredRules": rules,
        "listMatch": assessment.list_match,
    })
    .to_string()
}

impl Store {
    /// Registers a webhook; returns its id and its new signing secret.
    pub async fn create_webhook(
        &self,
        tenant_id: &str,
        url: &str,
        decisions: &str,
    ) -> Result<(String, String)> {
        let url = validate_url(url)?;
        let decisions = parse_decisions(decisions)?;
        let count = "SELECT COUNT(*) FROM webhooks WHERE tenant_id = $1";
        let held: i64 =
            with_pool!(self, pool => sqlx::query_scalar(count).bind(tenant_id).fetch_one(pool).await)?;
        if held >= MAX_WEBHOOKS {
            return Err(StoreError::Invalid(format!("a tenant has at most {MAX_WEBHOOKS} webhooks")));
        }
        let id = ids::new_id("whk");
        let secret = format!("whsec_{}", ids::random_hex(24));
        let sql = "INSERT INTO webhooks (tenant_id, id, url, secret, decisions, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(&id).bind(&url).bind(&secret).bind(&decisions)
            .bind(now_ms()).execute(pool).await)?;
        Ok((id, secret))
    }

    /// Removes a webhook and its queued deliveries; `false` when the tenant has no such one.
    pub async fn delete_webhook(&self, tenant_id: &str, id: &str) -> Result<bool> {
        let deliveries = "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2";
        execute!(self, pool => sqlx::query(deliveries).bind(tenant_id).bind(id).execute(pool).await)?;
        let sql = "DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2";
        Ok(execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(id).execute(pool).await)? > 0)
    }

    /// The tenant's webhooks with their delivery counts and latest error.
    pub async fn list_webhooks(&self, tenant_id: &str) -> Result<Vec<Webhook>> {
        let count = |status: &str| {
            format!(
                "(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id \
                 AND d.status = '{status}') AS {}",
                status.to_ascii_lowercase()
            )
        };
        let sql = format!(
            "SELECT w.id, w.url, w.decisions, w.created_at, {}, {}, {}, \
             (SELECT d.last_error FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id \
              AND d.last_error IS NOT NULL ORDER BY d.created_at DESC LIMIT 1) AS last_error \
             FROM webhooks w WHERE w.tenant_id = $1 ORDER BY w.created_at",
            count("DELIVERED"),
            count("FAILED"),
            count("PENDING"),
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, Webhook>(&sql).bind(tenant_id).fetch_all(pool).await)?,
        )
    }

    /// Claims up to `limit` deliveries due at `now` for `lease_ms`: another sender skips them
    /// until then, and a sender that dies mid-delivery leaves them to be retried after it.
    pub async fn claim_due_deliveries(
        &self,
        now: i64,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<DueDelivery>> {
        let due = "SELECT d.tenant_id, d.id, d.event_id, w.url, w.secret, d.payload, d.attempts, d.next_attempt_at \
            FROM webhook_deliveries d JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id \
            WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT $2";
        let claim = "UPDATE webhook_deliveries SET next_attempt_at = $4 \
            WHERE tenant_id = $1 AND id = $2 AND next_attempt_at = $3 AND status = 'PENDING'";
        let candidates: Vec<DueDelivery> =
            with_pool!(self, pool => sqlx::query_as(due).bind(now).bind(limit).fetch_all(pool).await)?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for delivery in candidates {
            let won = execute!(self, pool => sqlx::query(claim).bind(&delivery.tenant_id).bind(&delivery.id)
                .bind(delivery.next_attempt_at).bind(now + lease_ms).execute(pool).await)?;
            if won == 1 {
                claimed.push(delivery);
            }
        }
        Ok(claimed)
    }

    /// Records a successful delivery.
    pub async fn delivery_succeeded(&self, tenant_id: &str, id: &str, status: u16, now: i64) -> Result<()> {
        let sql =
            "UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = attempts + 1, last_status = $3, \
                   last_error = NULL, delivered_at = $4 WHERE tenant_id = $1 AND id = $2";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(id).bind(i32::from(status)).bind(now)
            .execute(pool).await)?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or given up when `None`.
    pub async fn delivery_failed(
        &self,
        tenant_id: &str,
        id: &str,
        status: Option<u16>,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let sql =
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $3, last_error = $4, \
                   status = CASE WHEN $5 IS NULL THEN 'FAILED' ELSE 'PENDING' END, \
                   next_attempt_at = COALESCE($5, next_attempt_at) WHERE tenant_id = $1 AND id = $2";
        let error: String = error.chars().take(500).collect();
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(id).bind(status.map(i32::from)).bind(&error)
            .bind(retry_at).execute(pool).await)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_decisions_are_checked() {
        assert_eq!(
            validate_url(" https://hooks.example.com/doorman?x=1 ").unwrap(),
            "https://hooks.example.com/doorman?x=1"
        );
        assert!(validate_url("http://127.0.0.1:8080/hook").is_ok());
        for bad in [
            "ftp://example.com",
            "https://",
            "https://user:pw@example.com/",
            "https://exa mple.com",
            "example.com",
        ] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_decisions("challenge, block").unwrap(), "BLOCK,CHALLENGE");
        assert_eq!(parse_decisions("BLOCK").unwrap(), "BLOCK");
        assert!(parse_decisions("ALLOW").is_err());
        assert!(parse_decisions("").is_err());
    }
}
