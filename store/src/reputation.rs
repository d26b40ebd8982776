//! The global reputation lists: disposable email domains, high-risk ASNs, TOR exit IPs and
//! the calling-code prefixes of high-risk SMS destinations.
//! Stored in the database so super admins can edit them; loaded into the engine's in-memory
//! [`Reputation`] for scoring.

use std::net::IpAddr;

use doorman_engine::reputation::{Reputation, MAX_PREFIX_DIGITS};
use serde::{Deserialize, Serialize};

use crate::db::{contains_pattern, with_pool, with_writer};
use crate::{now_ms, Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    DisposableDomains,
    HighRiskAsns,
    TorExits,
    SmsHighRiskPrefixes,
}

impl List {
    pub const ALL: [List; 4] =
        [List::DisposableDomains, List::HighRiskAsns, List::TorExits, List::SmsHighRiskPrefixes];

    pub fn as_str(self) -> &'static str {
        match self {
            List::DisposableDomains => "disposable-domains",
            List::HighRiskAsns => "high-risk-asns",
            List::TorExits => "tor-exits",
            List::SmsHighRiskPrefixes => "sms-high-risk-prefixes",
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|l| l.as_str()).collect();
            StoreError::Invalid(format!("unknown list {name:?}: use one of {}", names.join(", ")))
        })
    }

    /// The canonical form of one entry, or an error naming what is wrong with it.
    pub fn normalize(self, raw: &str) -> Result<String> {
        let value = raw.trim();
        let bad = || StoreError::Invalid(format!("invalid {} entry {value:?}", self.as_str()));
        match self {
            List::DisposableDomains => {
                let domain = value.trim_start_matches('@').to_ascii_lowercase();
                // Internationalised domains are listed in their Unicode form too.
                let domain = domain.to_lowercase();
                let ok = domain.contains('.')
                    && domain.len() <= 253
                    && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
                ok.then_some(domain).ok_or_else(bad)
            }
            List::HighRiskAsns => {
                let digits = value.strip_prefix("AS").or_else(|| value.strip_prefix("as")).unwrap_or(value);
                digits.parse::<u32>().map(|n| n.to_string()).map_err(|_| bad())
            }
            List::TorExits => value.parse::<IpAddr>().map(|ip| ip.to_string()).map_err(|_| bad()),
            List::SmsHighRiskPrefixes => {
                let digits = value.strip_prefix('+').unwrap_or(value).replace([' ', '-'], "");
                let ok = (1..=MAX_PREFIX_DIGITS).contains(&digits.len())
                    && digits.chars().all(|c| c.is_ascii_digit())
                    && !digits.starts_with('0');
                ok.then_some(digits).ok_or_else(bad)
            }
        }
    }
}

/// Bumps the lists' version in the transaction of a change.
const BUMP_VERSION: &str = "UPDATE reputation_version SET version = version + 1 WHERE id = 1";

/// Entries on one page of a list.
pub const REPUTATION_PAGE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSummary {
    pub list: String,
    pub entries: i64,
    pub last_added_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReputationEntry {
    pub value: String,
    /// Where it came from: `bundled:…`, `cli:FILE` or the admin who added it.
    pub source: String,
    pub added_at: i64,
}

/// A list file read: the valid entries, and a message for each line that is not one.
#[derive(Debug, Default)]
pub struct ParsedList {
    pub entries: Vec<String>,
    pub rejected: Vec<String>,
}

/// Parses a list file: one entry per line; blank lines and `#` comments are skipped.
pub fn parse_list_file(list: List, text: &str) -> ParsedList {
    let mut parsed = ParsedList::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match list.normalize(line) {
            Ok(entry) => parsed.entries.push(entry),
            Err(err) => parsed.rejected.push(format!("line {}: {err}", number + 1)),
        }
    }
    parsed
}

impl Store {
    /// Adds entries to a list, ignoring ones already present; returns how many were new.
    pub async fn import_reputation(&self, list: List, entries: &[String], source: &str) -> Result<u64> {
        let now = now_ms();
        let sql = "INSERT INTO reputation_entries (list, value, source, added_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (list, value) DO NOTHING";
        let mut added = 0;
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for entry in entries {
                added += sqlx::query(sql).bind(list.as_str()).bind(entry).bind(source).bind(now)
                    .execute(&mut *tx).await?.rows_affected();
            }
            if added > 0 {
                sqlx::query(BUMP_VERSION).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    /// Removes one entry (given in any spelling [`List::normalize`] accepts); `false` when
    /// the list does not hold it.
    pub async fn remove_reputation(&self, list: List, raw: &str) -> Result<bool> {
        let value = list.normalize(raw)?;
        let sql = "DELETE FROM reputation_entries WHERE list = $1 AND value = $2";
        let removed = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query(sql).bind(list.as_str()).bind(&value).execute(&mut *tx).await?.rows_affected();
            if removed > 0 {
                sqlx::query(BUMP_VERSION).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            removed
        });
        Ok(removed > 0)
    }

    /// Changes with every change of any list.
    pub async fn reputation_version(&self) -> Result<i64> {
        let sql = "SELECT version FROM reputation_version WHERE id = 1";
        Ok(with_pool!(self, pool => sqlx::query_scalar::<_, i64>(sql).fetch_optional(pool).await)?
            .unwrap_or(0))
    }

    /// Each list with its size and when an entry was last added.
    pub async fn reputation_summary(&self) -> Result<Vec<ListSummary>> {
        let sql = "SELECT list, COUNT(*), MAX(added_at) FROM reputation_entries GROUP BY list";
        let rows: Vec<(String, i64, Option<i64>)> =
            with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        Ok(List::ALL
            .into_iter()
            .map(|list| {
                let row = rows.iter().find(|(name, _, _)| name == list.as_str());
                ListSummary {
                    list: list.as_str().to_string(),
                    entries: row.map_or(0, |r| r.1),
                    last_added_at: row.and_then(|r| r.2),
                }
            })
            .collect())
    }

    /// A page of a list's entries containing `search`, in value order, and how many match.
    pub async fn search_reputation(
        &self,
        list: List,
        search: &str,
        page: i64,
    ) -> Result<(Vec<ReputationEntry>, i64)> {
        let pattern = contains_pattern(search.trim());
        let filter = "list = $1 AND value LIKE $2 ESCAPE '\\'";
        let rows = format!(
            "SELECT value, source, added_at FROM reputation_entries WHERE {filter} ORDER BY value LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) FROM reputation_entries WHERE {filter}");
        let offset = page.clamp(0, 1_000_000) * REPUTATION_PAGE;
        Ok(with_pool!(self, pool => {
            let entries = sqlx::query_as::<_, ReputationEntry>(&rows).bind(list.as_str()).bind(&pattern)
                .bind(REPUTATION_PAGE).bind(offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(&count).bind(list.as_str()).bind(&pattern).fetch_one(pool).await?;
            (entries, total)
        }))
    }

    pub async fn count_reputation(&self, list: List) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM reputation_entries WHERE list = $1";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar::<_, i64>(sql).bind(list.as_str()).fetch_one(pool).await)?,
        )
    }

    /// Reads every list into the engine's in-memory form. Entries that no longer parse are
    /// skipped with a warning rather than failing the load.
    pub async fn load_reputation(&self) -> Result<Reputation> {
        let sql = "SELECT list, value FROM reputation_entries";
        let rows: Vec<(String, String)> =
            with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        let mut reputation = Reputation::default();
        for (list, value) in rows {
            let parsed = match List::parse(&list) {
                Ok(List::DisposableDomains) => Some(reputation.disposable_domains.insert(value.clone())),
                Ok(List::HighRiskAsns) => value.parse().ok().map(|asn| reputation.high_risk_asns.insert(asn)),
                Ok(List::TorExits) => value.parse().ok().map(|ip| reputation.tor_exits.insert(ip)),
                Ok(List::SmsHighRiskPrefixes) => {
                    Some(reputation.sms_high_risk_prefixes.insert(value.clone()))
                }
                Err(_) => None,
            };
            if parsed.is_none() {
                tracing::warn!(list, value, "skipping unreadable reputation entry");
            }
        }
        Ok(reputation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_normalized() {
        assert_eq!(List::DisposableDomains.normalize(" @Mailinator.COM ").unwrap(), "mailinator.com");
        assert_eq!(
            List::DisposableDomains.normalize("Desayuno-Étnico.info").unwrap(),
            "desayuno-étnico.info"
        );
        assert!(List::DisposableDomains.normalize("not a domain").is_err());
        assert_eq!(List::HighRiskAsns.normalize("AS14061").unwrap(), "14061");
        assert!(List::HighRiskAsns.normalize("ASX").is_err());
        assert_eq!(List::TorExits.normalize("2001:DB8::1").unwrap(), "2001:db8::1");
        assert!(List::TorExits.normalize("300.1.1.1").is_err());
        assert_eq!(List::SmsHighRiskPrefixes.normalize("+882").unwrap(), "882");
        assert_eq!(List::SmsHighRiskPrefixes.normalize("+44 70").unwrap(), "4470");
        for bad in ["+0", "abc", "+123456789", ""] {
            assert!(List::SmsHighRiskPrefixes.normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_files_skip_comments_and_report_bad_lines() {
        let parsed = parse_list_file(List::TorExits, "# exits\n1.2.3.4\n\n5.6.7.8 # note\n");
        assert_eq!(
            (parsed.entries, parsed.rejected.len()),
            (vec!["1.2.3.4".to_string(), "5.6.7.8".to_string()], 0)
        );
        let parsed = parse_list_file(List::TorExits, "1.2.3.4\nnope\n");
        assert_eq!(parsed.entries, vec!["1.2.3.4"]);
        assert_eq!(parsed.rejected, vec!["line 2: invalid tor-exits entry \"nope\""]);
    }
}
