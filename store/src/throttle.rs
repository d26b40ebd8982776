//! Login throttling: failed dashboard logins are counted per account and per client address
//! over a sliding window, in the database so that every server instance sees them.

use crate::db::{execute, with_pool};
use crate::{now_ms, Result, Store};

/// Failures within this window count.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// An account is locked after this many failures in the window…
pub const MAX_PER_ACCOUNT: i64 = 5;
/// …and a client address after this many, over all accounts it tried.
pub const MAX_PER_ADDRESS: i64 = 20;

fn subjects(email: &str, ip: Option<&str>) -> Vec<(String, i64)> {
    let mut subjects = vec![(format!("email:{}", email.trim().to_lowercase()), MAX_PER_ACCOUNT)];
    if let Some(ip) = ip {
        subjects.push((format!("ip:{ip}"), MAX_PER_ADDRESS));
    }
    subjects
}

impl Store {
    /// Whether another login attempt for `email` from `ip` must wait; if so, for how many
    /// milliseconds (until the oldest counted failure leaves the window).
    pub async fn login_blocked_for(&self, email: &str, ip: Option<&str>) -> Result<Option<i64>> {
        let now = now_ms();
        let mut wait = None;
        for (subject, max) in subjects(email, ip) {
            let sql = "SELECT COUNT(*), MIN(at) FROM login_failures WHERE subject = $1 AND at > $2";
            let (count, oldest): (i64, Option<i64>) = with_pool!(self, pool => sqlx::query_as(sql)
                .bind(&subject)
                .bind(now - WINDOW_MS)
                .fetch_one(pool)
                .await)?;
            if count >= max {
                let until = oldest.unwrap_or(now) + WINDOW_MS - now;
                wait = Some(wait.map_or(until, |w: i64| w.max(until)));
            }
        }
        Ok(wait)
    }

    pub async fn record_login_failure(&self, email: &str, ip: Option<&str>) -> Result<()> {
        let now = now_ms();
        for (subject, _) in subjects(email, ip) {
            let sql = "INSERT INTO login_failures (subject, at) VALUES ($1, $2)";
            execute!(self, pool => sqlx::query(sql).bind(&subject).bind(now).execute(pool).await)?;
        }
        // Old failures no longer count; forget them as we go.
        let sql = "DELETE FROM login_failures WHERE at < $1";
        execute!(self, pool => sqlx::query(sql).bind(now - WINDOW_MS).execute(pool).await)?;
        Ok(())
    }

    /// A successful login forgives the account's failures (not the address's).
    pub async fn clear_login_failures(&self, email: &str) -> Result<()> {
        let sql = "DELETE FROM login_failures WHERE subject = $1";
        let subject = format!("email:{}", email.trim().to_lowercase());
        execute!(self, pool => sqlx::query(sql).bind(&subject).execute(pool).await)?;
        Ok(())
    }
}
