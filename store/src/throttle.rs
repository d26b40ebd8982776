//! Login throttling: dashboard sign-in attempts are counted per account and per client address
//! over a sliding window, in the database so that every server instance sees them. An attempt
//! counts as a failure from its start, before its password is checked, and is forgiven if it
//! succeeds.

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

/// A sign-in attempt, counted before its password is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Go on and check the password; `at` identifies the attempt for [`Store::forgive_login`].
    Allowed { at: i64 },
    /// Too many attempts: refuse without checking, for this many milliseconds more.
    Blocked { wait_ms: i64 },
}

impl Store {
    /// Counts an attempt to sign in as `email` from `ip` as a failure before its password is
    /// checked, so that attempts made in parallel all see each other: of any number of them,
    /// at most the limit go on to the check. A successful one is forgiven afterwards.
    pub async fn begin_login(&self, email: &str, ip: Option<&str>) -> Result<Attempt> {
        let now = now_ms();
        let subjects = subjects(email, ip);
        for (subject, _) in &subjects {
            let sql = "INSERT INTO login_failures (subject, at) VALUES ($1, $2)";
            execute!(self, pool => sqlx::query(sql).bind(subject).bind(now).execute(pool).await)?;
        }
        let mut wait = None;
        for (subject, max) in &subjects {
            let sql = "SELECT COUNT(*), MIN(at) FROM login_failures WHERE subject = $1 AND at > $2";
            let (count, oldest): (i64, Option<i64>) = with_pool!(self, pool => sqlx::query_as(sql)
                .bind(subject)
                .bind(now - WINDOW_MS)
                .fetch_one(pool)
                .await)?;
            // This attempt is among those counted.
            if count > *max {
                let until = (oldest.unwrap_or(now) + WINDOW_MS - now).max(1);
                wait = Some(wait.map_or(until, |w: i64| w.max(until)));
            }
        }
        // Old failures no longer count; forget them as we go.
        let sql = "DELETE FROM login_failures WHERE at < $1";
        execute!(self, pool => sqlx::query(sql).bind(now - WINDOW_MS).execute(pool).await)?;
        Ok(match wait {
            Some(wait_ms) => Attempt::Blocked { wait_ms },
            None => Attempt::Allowed { at: now },
        })
    }

    /// The attempt begun at `at` succeeded: the account's failures are forgiven, and this
    /// attempt no longer counts against the address.
    pub async fn forgive_login(&self, email: &str, ip: Option<&str>, at: i64) -> Result<()> {
        self.clear_login_failures(email).await?;
        if let Some(ip) = ip {
            let sql = "DELETE FROM login_failures WHERE subject = $1 AND at = $2";
            execute!(self, pool => sqlx::query(sql).bind(format!("ip:{ip}")).bind(at).execute(pool).await)?;
        }
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
