//! Rules silenced for one user, device or address until a time: an analyst who cleared a
//! customer stops a rule from firing on them again, for a while and for a reason. Ingest
//! reads the live ones within the linkage query (see `linkage.rs`).

use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool};
use crate::{ids, Result, Store, StoreError};

/// A snooze lasts at most this long.
pub const MAX_SNOOZE_MS: i64 = 180 * 24 * 3_600_000;
/// Most live snoozes one tenant may hold.
pub const MAX_SNOOZES: i64 = 10_000;
const MAX_REASON: usize = 200;
const KINDS: [&str; 3] = ["user", "visitor", "ip"];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Snooze {
    pub id: String,
    pub rule: String,
    /// `user`, `visitor` or `ip`.
    pub kind: String,
    pub value: String,
    pub until: i64,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A snooze to make.
#[derive(Debug, Clone)]
pub struct NewSnooze<'a> {
    pub rule: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub until: i64,
    pub reason: &'a str,
}

impl Store {
    /// Silences `rule` for the user, visitor or IP until `until` (at most 180 days ahead).
    pub async fn snooze_rule(
        &self,
        tenant_id: &str,
        new: &NewSnooze<'_>,
        by: &str,
        now: i64,
    ) -> Result<Snooze> {
        let invalid = |m: String| Err(StoreError::Invalid(m));
        if !doorman_engine::rules::catalog().iter().any(|r| r.code == new.rule) {
            return invalid(format!("no rule {:?}", new.rule));
        }
        if !KINDS.contains(&new.kind) {
            return invalid("a snooze is for a user, a visitor or an ip".into());
        }
        let value = new.value.trim();
        if value.is_empty() || value.len() > 256 {
            return invalid("a snooze names a user, visitor or IP of 1 to 256 characters".into());
        }
        if new.until <= now || new.until > now + MAX_SNOOZE_MS {
            return invalid("a snooze ends within 180 days from now".into());
        }
        let reason = new.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            return invalid(format!("a snooze needs a reason of at most {MAX_REASON} characters"));
        }
        let live = "SELECT COUNT(*) FROM rule_snoozes WHERE tenant_id = $1 AND until > $2";
        let held: i64 = with_pool!(self, pool => sqlx::query_scalar(live).bind(tenant_id).bind(now).fetch_one(pool).await)?;
        if held >= MAX_SNOOZES {
            return invalid(format!("a tenant holds at most {MAX_SNOOZES} live snoozes"));
        }
        let snooze = Snooze {
            id: ids::new_id("snz"),
            rule: new.rule.to_string(),
            kind: new.kind.to_string(),
            value: value.to_string(),
            until: new.until,
            reason: reason.to_string(),
            created_by: by.to_string(),
            created_at: now,
        };
        let sql = "INSERT INTO rule_snoozes (tenant_id, id, rule, kind, value, until, reason, created_by, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(&snooze.id).bind(&snooze.rule).bind(&snooze.kind)
            .bind(&snooze.value).bind(snooze.until).bind(&snooze.reason).bind(&snooze.created_by).bind(now)
            .execute(pool).await)?;
        Ok(snooze)
    }

    /// The tenant's snoozes that have not ended, ending soonest first.
    pub async fn live_snoozes(&self, tenant_id: &str, now: i64) -> Result<Vec<Snooze>> {
        let sql = "SELECT id, rule, kind, value, until, reason, created_by, created_at FROM rule_snoozes \
            WHERE tenant_id = $1 AND until > $2 ORDER BY until, id LIMIT 500";
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, Snooze>(sql).bind(tenant_id).bind(now).fetch_all(pool).await)?,
        )
    }

    /// Ends a snooze now; `false` when the tenant has no such one.
    pub async fn end_snooze(&self, tenant_id: &str, id: &str) -> Result<bool> {
        let sql = "DELETE FROM rule_snoozes WHERE tenant_id = $1 AND id = $2";
        Ok(execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(id).execute(pool).await)? == 1)
    }
}
