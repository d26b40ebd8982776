//! Dashboard accounts (super admins and client admins) and their sessions.

use serde::{Deserialize, Serialize};

use crate::credentials::{check_password_policy, decoy_hash, hash_password, needs_rehash, verify_password};
use crate::db::{execute, with_pool};
use crate::{ids, now_ms, Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    SuperAdmin,
    ClientAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "SUPER_ADMIN",
            Role::ClientAdmin => "CLIENT_ADMIN",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "SUPER_ADMIN" => Ok(Role::SuperAdmin),
            "CLIENT_ADMIN" => Ok(Role::ClientAdmin),
            other => Err(StoreError::Corrupt(format!("unknown role {other:?}"))),
        }
    }
}

/// A dashboard account as the rest of the system sees it: never with its password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Admin {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Set for client admins: the one tenant they may see.
    pub tenant_id: Option<String>,
}

/// A client admin as the super admin's account list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AdminAccount {
    pub id: String,
    pub email: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    id: String,
    email: String,
    role: String,
    tenant_id: Option<String>,
    password_hash: String,
    disabled: bool,
    /// The client admin's tenant's status; a suspended tenant's admins are kept out.
    tenant_status: Option<String>,
}

impl AdminRow {
    fn may_sign_in(&self) -> bool {
        !self.disabled && self.tenant_status.as_deref() != Some("SUSPENDED")
    }

    fn into_admin(self) -> Result<Admin> {
        Ok(Admin {
            id: self.id,
            email: self.email,
            role: Role::parse(&self.role)?,
            tenant_id: self.tenant_id,
        })
    }
}

/// How long a dashboard session lasts without a new login.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// How long a dashboard session lives: `idle_ms` after its last use, and never more than
/// `max_ms` after it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle_ms: i64,
    pub max_ms: i64,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self { idle_ms: 2 * 60 * 60 * 1000, max_ms: SESSION_TTL_MS }
    }
}

/// A session's end is moved on at most once a minute (a tenth of its idle time if shorter),
/// so that a busy dashboard does not write on every request.
fn extend_step_ms(lifetimes: SessionLifetimes) -> i64 {
    (lifetimes.idle_ms / 10).min(60 * 1000)
}

fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !valid {
        return Err(StoreError::Invalid(format!("invalid email address {email:?}")));
    }
    Ok(email)
}

impl Store {
    /// Creates a dashboard account. A client admin needs `tenant_id`; a super admin must not
    /// have one.
    pub async fn create_admin(
        &self,
        email: &str,
        password: &str,
        role: Role,
        tenant_id: Option<&str>,
    ) -> Result<Admin> {
        let email = normalize_email(email)?;
        check_password_policy(password)?;
        if (role == Role::ClientAdmin) != tenant_id.is_some() {
            return Err(StoreError::Invalid(
                "a client admin belongs to exactly one tenant; a super admin to none".into(),
            ));
        }
        let hash = hash_password(password.to_string()).await?;
        let admin = Admin { id: ids::new_id("usr"), email, role, tenant_id: tenant_id.map(str::to_string) };
        let sql =
            "INSERT INTO admin_users (id, email, password_hash, role, tenant_id, disabled, created_at) \
                   VALUES ($1, $2, $3, $4, $5, FALSE, $6)";
        execute!(self, pool => sqlx::query(sql)
            .bind(&admin.id)
            .bind(&admin.email)
            .bind(&hash)
            .bind(role.as_str())
            .bind(&admin.tenant_id)
            .bind(now_ms())
            .execute(pool)
            .await)
        .map_err(|e| {
            StoreError::conflict_on_unique(e, format!("an account for {} already exists", admin.email))
        })?;
        Ok(admin)
    }

    /// The account whose email and password match, unless it is disabled. Takes the time of
    /// one argon2 verification whether or not the email exists.
    pub async fn authenticate_admin(&self, email: &str, password: &str) -> Result<Option<Admin>> {
        let email = email.trim().to_lowercase();
        let sql = "SELECT u.id, u.email, u.role, u.tenant_id, u.password_hash, u.disabled, \
                   t.status AS tenant_status FROM admin_users u LEFT JOIN tenants t ON t.id = u.tenant_id \
                   WHERE u.email = $1";
        let row = with_pool!(self, pool => sqlx::query_as::<_, AdminRow>(sql).bind(&email).fetch_optional(pool).await)?;
        let stored = row.as_ref().map_or_else(|| decoy_hash().to_string(), |r| r.password_hash.clone());
        let matches = verify_password(password.to_string(), stored).await;
        match row {
            Some(row) if matches && row.may_sign_in() => {
                if needs_rehash(&row.password_hash) {
                    // The password is known only now: the stored hash takes today's cost.
                    let hash = hash_password(password.to_string()).await?;
                    let sql = "UPDATE admin_users SET password_hash = $1 WHERE id = $2";
                    execute!(self, pool => sqlx::query(sql).bind(&hash).bind(&row.id).execute(pool).await)?;
                }
                Ok(Some(row.into_admin()?))
            }
            _ => Ok(None),
        }
    }

    /// Starts a session and returns its token; only the token's hash is stored.
    pub async fn create_session(&self, admin_id: &str, lifetimes: SessionLifetimes) -> Result<String> {
        let token = ids::random_hex(32);
        let now = now_ms();
        let sql =
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        execute!(self, pool => sqlx::query(sql)
            .bind(ids::sha256_hex(&token))
            .bind(admin_id)
            .bind(now)
            .bind(now + lifetimes.idle_ms.min(lifetimes.max_ms))
            .execute(pool)
            .await)?;
        Ok(token)
    }

    /// The account behind a live session token, if any. Its use moves the session's end on
    /// to `idle_ms` from now, never past `max_ms` from its start.
    pub async fn session_admin(&self, token: &str, lifetimes: SessionLifetimes) -> Result<Option<Admin>> {
        let (hash, now) = (ids::sha256_hex(token), now_ms());
        let extend = "UPDATE sessions SET expires_at = CASE WHEN created_at + $3 < $2 + $4 \
                      THEN created_at + $3 ELSE $2 + $4 END \
                      WHERE token_hash = $1 AND expires_at > $2 AND expires_at < $2 + $4 - $5";
        execute!(self, pool => sqlx::query(extend)
            .bind(&hash)
            .bind(now)
            .bind(lifetimes.max_ms)
            .bind(lifetimes.idle_ms)
            .bind(extend_step_ms(lifetimes))
            .execute(pool)
            .await)?;
        self.admin_of_session(&hash, now).await
    }

    /// The account of a live session, without counting this as the session's use (a page
    /// left open on the live feed is not someone at work).
    pub async fn peek_session_admin(&self, token: &str) -> Result<Option<Admin>> {
        self.admin_of_session(&ids::sha256_hex(token), now_ms()).await
    }

    async fn admin_of_session(&self, hash: &str, now: i64) -> Result<Option<Admin>> {
        let sql = "SELECT u.id, u.email, u.role, u.tenant_id, u.password_hash, u.disabled, \
                   t.status AS tenant_status FROM sessions s JOIN admin_users u ON u.id = s.user_id \
                   LEFT JOIN tenants t ON t.id = u.tenant_id \
                   WHERE s.token_hash = $1 AND s.expires_at > $2";
        let row = with_pool!(self, pool => sqlx::query_as::<_, AdminRow>(sql)
            .bind(hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        match row {
            Some(row) if row.may_sign_in() => Ok(Some(row.into_admin()?)),
            _ => Ok(None),
        }
    }

    /// Deletes the sessions that have ended by `now`; gives how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let sql = "DELETE FROM sessions WHERE expires_at <= $1";
        execute!(self, pool => sqlx::query(sql).bind(now).execute(pool).await).map_err(Into::into)
    }

    /// The client admins of one tenant, by email.
    pub async fn list_tenant_admins(&self, tenant_id: &str) -> Result<Vec<AdminAccount>> {
        let sql = "SELECT id, email, disabled, created_at FROM admin_users \
                   WHERE tenant_id = $1 AND role = 'CLIENT_ADMIN' ORDER BY email";
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, AdminAccount>(sql).bind(tenant_id).fetch_all(pool).await)?,
        )
    }

    /// Disables or re-enables a client admin of `tenant_id`. Disabling ends its sessions.
    pub async fn set_client_admin_disabled(
        &self,
        tenant_id: &str,
        admin_id: &str,
        disabled: bool,
    ) -> Result<()> {
        let sql = "UPDATE admin_users SET disabled = $3 \
                   WHERE tenant_id = $1 AND id = $2 AND role = 'CLIENT_ADMIN'";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(admin_id).bind(disabled).execute(pool).await)?;
        if done == 0 {
            return Err(StoreError::NotFound("client admin"));
        }
        if disabled {
            self.end_sessions(admin_id).await?;
        }
        Ok(())
    }

    /// Sets a new password for a client admin of `tenant_id` and ends its sessions.
    pub async fn reset_client_admin_password(
        &self,
        tenant_id: &str,
        admin_id: &str,
        password: &str,
    ) -> Result<()> {
        check_password_policy(password)?;
        let hash = hash_password(password.to_string()).await?;
        let sql = "UPDATE admin_users SET password_hash = $3 \
                   WHERE tenant_id = $1 AND id = $2 AND role = 'CLIENT_ADMIN'";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(admin_id).bind(&hash).execute(pool).await)?;
        if done == 0 {
            return Err(StoreError::NotFound("client admin"));
        }
        self.end_sessions(admin_id).await
    }

    /// Signs an account out everywhere.
    pub async fn end_sessions(&self, admin_id: &str) -> Result<()> {
        let sql = "DELETE FROM sessions WHERE user_id = $1";
        execute!(self, pool => sqlx::query(sql).bind(admin_id).execute(pool).await)?;
        Ok(())
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        execute!(self, pool => sqlx::query(sql).bind(ids::sha256_hex(token)).execute(pool).await)?;
        Ok(())
    }
}
