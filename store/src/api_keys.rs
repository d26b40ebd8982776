//! Tenant API keys. The full key is returned once at creation; only its SHA-256 is stored,
//! and requests are matched by that hash.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::db::{execute, with_pool, Pool};
use crate::event_writer::query_row;
use crate::read_connections::on_read_connection;
use crate::settings::SettingsVersion;
use crate::{ids, now_ms, Result, Store, StoreError};
use doorman_engine::score::Decision;

/// Every key starts with this, so that leaked keys are easy to recognise in code and logs.
pub const KEY_PREFIX: &str = "dm_live_";
/// Characters of the key kept in clear for the dashboard to tell keys apart.
const SHOWN_PREFIX_LEN: usize = KEY_PREFIX.len() + 6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApiKey {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When the key stopped or stops working: a time ahead is the end of a rotation's grace.
    pub revoked_at: Option<i64>,
}

/// The longest grace period a rotated key may keep working: a week.
pub const MAX_ROTATION_GRACE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Who a valid key speaks for.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPrincipal {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub key_id: String,
    pub tenant_active: bool,
    pub last_used_at: Option<i64>,
    /// The version of the settings the tenant's events are scored with.
    pub settings: SettingsVersion,
    pub deadline: IngestDeadline,
}

/// How long a tenant's backends wait for a decision, and what they get when scoring cannot
/// finish in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestDeadline {
    pub deadline_ms: u32,
    /// ALLOW (fail open) or CHALLENGE.
    pub fail_decision: Decision,
}

/// The shortest and longest deadline a tenant or a request may set.
pub const DEADLINE_RANGE_MS: std::ops::RangeInclusive<u32> = 50..=30_000;

impl Default for IngestDeadline {
    fn default() -> Self {
        Self { deadline_ms: 800, fail_decision: Decision::Allow }
    }
}

impl IngestDeadline {
    fn from_columns(deadline_ms: Option<i32>, fail_decision: Option<&str>) -> Self {
        let default = Self::default();
        Self {
            deadline_ms: deadline_ms.and_then(|ms| u32::try_from(ms).ok()).unwrap_or(default.deadline_ms),
            fail_decision: match fail_decision {
                Some("CHALLENGE") => Decision::Challenge,
                _ => default.fail_decision,
            },
        }
    }
}

/// `last_used_at` of an API key is written at most this often, to keep ingest writes small.
pub const KEY_TOUCH_INTERVAL_MS: i64 = 60_000;

impl KeyPrincipal {
    /// Whether this use should be written as the key's last use.
    pub fn needs_touch(&self, now: i64) -> bool {
        self.last_used_at.is_none_or(|at| now - at >= KEY_TOUCH_INTERVAL_MS)
    }
}

/// The key with this hash (`$1`) that works at `$2`, its tenant's status and its settings'
/// versions, which come along so that ingest knows without another query whether its
/// cached settings are current.
const PRINCIPAL: &str =
    "SELECT k.tenant_id, k.id, k.key_hash, k.last_used_at, k.revoked_at, t.status, t.deadline_ms, t.fail_decision, t.slug, \
    (SELECT g.updated_at FROM global_settings g WHERE g.id = 1) AS global_settings_at, \
    (SELECT s.updated_at FROM tenant_settings s WHERE s.tenant_id = k.tenant_id) AS tenant_settings_at \
    FROM api_keys k JOIN tenants t ON t.id = k.tenant_id \
    WHERE k.key_hash = $1 AND (k.revoked_at IS NULL OR k.revoked_at > $2)";

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    tenant_id: String,
    id: String,
    key_hash: String,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    status: String,
    deadline_ms: Option<i32>,
    fail_decision: Option<String>,
    slug: String,
    global_settings_at: Option<i64>,
    tenant_settings_at: Option<i64>,
}

impl PrincipalRow {
    /// The row of [`PRINCIPAL`] as the SQLite event writer's connection reads it.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> Result<Self> {
        Ok(Self {
            tenant_id: row.get(0)?,
            id: row.get(1)?,
            key_hash: row.get(2)?,
            last_used_at: row.get(3)?,
            revoked_at: row.get(4)?,
            status: row.get(5)?,
            deadline_ms: row.get(6)?,
            fail_decision: row.get(7)?,
            slug: row.get(8)?,
            global_settings_at: row.get(9)?,
            tenant_settings_at: row.get(10)?,
        })
    }
}

/// A key is at most this long; anything longer is rejected without touching the database.
const MAX_KEY_LEN: usize = 128;

impl Store {
    /// Creates a key for the tenant and returns it with the full secret, which is not kept.
    pub async fn create_api_key(&self, tenant_id: &str, name: &str) -> Result<(ApiKey, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid("key name must have 1 to 100 characters".into()));
        }
        let secret = format!("{KEY_PREFIX}{}", ids::random_hex(24));
        let key = ApiKey {
            tenant_id: tenant_id.to_string(),
            id: ids::new_id("key"),
            name: name.to_string(),
            prefix: secret[..SHOWN_PREFIX_LEN].to_string(),
            created_at: now_ms(),
            last_used_at: None,
            revoked_at: None,
        };
        let sql = "INSERT INTO api_keys (tenant_id, id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        execute!(self, pool => sqlx::query(sql)
            .bind(&key.tenant_id)
            .bind(&key.id)
            .bind(&key.name)
            .bind(&key.prefix)
            .bind(ids::sha256_hex(&secret))
            .bind(key.created_at)
            .execute(pool)
            .await)?;
        Ok((key, secret))
    }

    /// The tenant a presented key belongs to, if the key exists and is not revoked. A key
    /// is read from the database at most once a second (see `principals`): revocation takes
    /// effect at once on this server and within a second on the others.
    pub async fn authenticate_api_key(&self, presented: &str) -> Result<Option<KeyPrincipal>> {
        if presented.len() > MAX_KEY_LEN || !presented.starts_with(KEY_PREFIX) {
            return Ok(None);
        }
        let hash = ids::sha256_hex(presented);
        let now = now_ms();
        if let Some(cached) = self.principals.get(&hash, now) {
            return Ok(cached.map(|principal| self.touching(&hash, principal, now)));
        }
        let start = self.principals.read_start();
        let row = match &self.pool {
            // Every event asks, so on SQLite the event writer's connection answers, from its
            // warm cache: see `event_writer::sqlite`.
            Pool::Sqlite(_) => {
                let values = [Value::Text(hash.clone()), Value::Integer(now)];
                self.events
                    .read(move |conn| query_row(conn, PRINCIPAL, &values, PrincipalRow::from_sqlite))
                    .await?
            }
            Pool::Postgres(_) => on_read_connection!(self.reads()?, conn => {
                sqlx::query_as::<_, PrincipalRow>(PRINCIPAL).bind(&hash).bind(now).fetch_optional(conn)
            })?,
        };
        // The index lookup already matched the hash; comparing again in constant time keeps
        // the decision itself free of timing differences.
        let Some(r) = row.filter(|r| bool::from(r.key_hash.as_bytes().ct_eq(hash.as_bytes()))) else {
            // A key that does not work never will: a new key is a new hash.
            self.principals.put(start, &hash, now, None, None);
            return Ok(None);
        };
        let principal = KeyPrincipal {
            tenant_id: r.tenant_id,
            tenant_slug: r.slug,
            key_id: r.id,
            tenant_active: r.status == "ACTIVE",
            last_used_at: r.last_used_at,
            settings: SettingsVersion { global: r.global_settings_at, tenant: r.tenant_settings_at },
            deadline: IngestDeadline::from_columns(r.deadline_ms, r.fail_decision.as_deref()),
        };
        self.principals.put(start, &hash, now, r.revoked_at, Some(principal.clone()));
        Ok(Some(self.touching(&hash, principal, now)))
    }

    /// `principal` as authenticated at `now`. The caller records the key's use when it
    /// [needs it](KeyPrincipal::needs_touch); the cache then holds that use, so that the next
    /// requests within the minute do not record it again.
    fn touching(&self, hash: &str, principal: KeyPrincipal, now: i64) -> KeyPrincipal {
        if principal.needs_touch(now) {
            self.principals.touched(hash, now);
        }
        principal
    }

    pub async fn list_api_keys(&self, tenant_id: &str) -> Result<Vec<ApiKey>> {
        let sql = "SELECT tenant_id, id, name, prefix, created_at, last_used_at, revoked_at \
                   FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC";
        Ok(with_pool!(self, pool => sqlx::query_as::<_, ApiKey>(sql).bind(tenant_id).fetch_all(pool).await)?)
    }

    /// Replaces a key: a new one with the same name, returned with its secret, while the old
    /// one keeps working for `grace_ms` (0 stops it at once) so that backends can switch
    /// over without failed requests.
    pub async fn rotate_api_key(
        &self,
        tenant_id: &str,
        key_id: &str,
        grace_ms: i64,
    ) -> Result<(ApiKey, String)> {
        if !(0..=MAX_ROTATION_GRACE_MS).contains(&grace_ms) {
            return Err(StoreError::Invalid("the grace period is between 0 and 7 days".into()));
        }
        let now = now_ms();
        // Only a key with no end yet: rotating one already in its grace would extend it.
        let name = "SELECT name FROM api_keys WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL";
        let name: Option<String> = with_pool!(self, pool => sqlx::query_scalar(name).bind(tenant_id).bind(key_id)
            .fetch_optional(pool).await)?;
        let name = name.ok_or(StoreError::NotFound("api key"))?;
        let (key, secret) = self.create_api_key(tenant_id, &name).await?;
        let expire =
            "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL";
        execute!(self, pool => sqlx::query(expire).bind(tenant_id).bind(key_id).bind(now + grace_ms)
            .execute(pool).await)?;
        self.principals.clear();
        Ok((key, secret))
    }

    /// Revokes one key of the tenant, one in its grace period too; a key of another tenant
    /// is reported as not found.
    pub async fn revoke_api_key(&self, tenant_id: &str, key_id: &str) -> Result<()> {
        let sql = "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 \
                   AND (revoked_at IS NULL OR revoked_at > $3)";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(key_id).bind(now_ms()).execute(pool).await)?;
        self.principals.clear();
        if done == 0 {
            return Err(StoreError::NotFound("api key"));
        }
        Ok(())
    }

    /// Revokes every live key of the tenant with this name; returns how many.
    pub async fn revoke_api_keys_named(&self, tenant_id: &str, name: &str) -> Result<u64> {
        let sql =
            "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND name = $2 AND revoked_at IS NULL";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(name).bind(now_ms()).execute(pool).await)?;
        self.principals.clear();
        Ok(done)
    }
}

impl Store {
    /// The tenant's deadline and fail decision.
    pub async fn ingest_deadline(&self, tenant_id: &str) -> Result<IngestDeadline> {
        let sql = "SELECT deadline_ms, fail_decision FROM tenants WHERE id = $1";
        let row: Option<(Option<i32>, Option<String>)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).fetch_optional(pool).await)?;
        let (ms, decision) = row.ok_or(StoreError::NotFound("tenant"))?;
        Ok(IngestDeadline::from_columns(ms, decision.as_deref()))
    }

    /// Sets the tenant's deadline (50 ms to 30 s) and fail decision (ALLOW or CHALLENGE).
    pub async fn set_ingest_deadline(&self, tenant_id: &str, deadline: IngestDeadline) -> Result<()> {
        if !DEADLINE_RANGE_MS.contains(&deadline.deadline_ms) {
            return Err(StoreError::Invalid("a deadline is 50 to 30,000 ms".into()));
        }
        if deadline.fail_decision == Decision::Block {
            return Err(StoreError::Invalid("past the deadline an event is allowed or challenged".into()));
        }
        let sql = "UPDATE tenants SET deadline_ms = $2, fail_decision = $3 WHERE id = $1";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(deadline.deadline_ms as i32)
            .bind(deadline.fail_decision.as_str()).execute(pool).await)?;
        self.principals.clear();
        if done == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(())
    }
}
