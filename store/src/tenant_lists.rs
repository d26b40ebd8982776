//! A tenant's allow and block lists as its client admins manage them. Ingest reads the
//! matching entry within the linkage query (see `linkage.rs`).

use doorman_engine::lists::{ListAction, ListEntry, ListKind, ListMatch};
use serde::{Deserialize, Serialize};

use crate::db::{contains_pattern, execute, with_pool};
use crate::{Result, Store, StoreError};

/// Most entries one tenant may keep: lists are for decisions people make one by one, and
/// every entry is checked on every event.
pub const MAX_ENTRIES: i64 = 50_000;
/// Entries on one page.
pub const PAGE_SIZE: i64 = 50;
const MAX_NOTE: usize = 200;
/// An entry lasts at most this long when it has an end: what is meant for good is better
/// added without one.
pub const MAX_EXPIRY_MS: i64 = 366 * 24 * 3_600_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ListEntryRow {
    pub kind: String,
    pub value: String,
    pub action: String,
    pub note: String,
    pub created_at: i64,
    pub created_by: String,
    /// When the entry stops matching; `None` for good.
    pub expires_at: Option<i64>,
}

/// Which entries to show; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: Option<ListKind>,
    pub action: Option<ListAction>,
    /// Part of the value.
    pub search: Option<String>,
    /// Zero-based page of [`PAGE_SIZE`] entries.
    pub page: i64,
}

/// A page of entries and how many match in all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    pub entries: Vec<ListEntryRow>,
    pub total: i64,
}

/// Reads the `list_match` column of the linkage query: `action kind value`.
pub(crate) fn parse_match(text: &str) -> Option<ListMatch> {
    let mut parts = text.splitn(3, ' ');
    let action = ListAction::parse(parts.next()?).ok()?;
    let kind = ListKind::parse(parts.next()?).ok()?;
    Some(ListMatch { action, kind, value: parts.next()?.to_string() })
}

impl Store {
    /// Adds an entry, matching until `expires_at` when given (within a year of `now`). A
    /// value already on either list is a conflict, unless that entry has expired: it is
    /// replaced.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_list_entry(
        &self,
        tenant_id: &str,
        action: ListAction,
        entry: &ListEntry,
        note: &str,
        created_by: &str,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let note = note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(StoreError::Invalid(format!("a note has at most {MAX_NOTE} characters")));
        }
        if expires_at.is_some_and(|at| at <= now || at > now + MAX_EXPIRY_MS) {
            return Err(StoreError::Invalid("an entry expires within a year from now".into()));
        }
        let count = "SELECT COUNT(*) FROM tenant_lists WHERE tenant_id = $1";
        let held: i64 =
            with_pool!(self, pool => sqlx::query_scalar(count).bind(tenant_id).fetch_one(pool).await)?;
        if held >= MAX_ENTRIES {
            return Err(StoreError::Invalid(format!("the lists hold at most {MAX_ENTRIES} entries")));
        }
        let (start, end) = entry.range.clone().unzip();
        let sql = "INSERT INTO tenant_lists \
                   (tenant_id, kind, value, action, range_start, range_end, note, created_at, created_by, expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, kind, value) DO UPDATE SET \
                   action = excluded.action, note = excluded.note, created_at = excluded.created_at, \
                   created_by = excluded.created_by, expires_at = excluded.expires_at \
                   WHERE tenant_lists.expires_at IS NOT NULL AND tenant_lists.expires_at <= $8";
        let added = execute!(self, pool => sqlx::query(sql)
            .bind(tenant_id)
            .bind(entry.kind.as_str())
            .bind(&entry.value)
            .bind(action.as_str())
            .bind(start)
            .bind(end)
            .bind(note)
            .bind(now)
            .bind(created_by)
            .bind(expires_at)
            .execute(pool)
            .await)?;
        if added == 0 {
            return Err(StoreError::Conflict(format!(
                "{} {} is already listed",
                entry.kind.as_str(),
                entry.value
            )));
        }
        Ok(())
    }

    /// Removes an entry; `false` when the tenant had none with this kind and value.
    pub async fn remove_list_entry(&self, tenant_id: &str, kind: ListKind, value: &str) -> Result<bool> {
        let sql = "DELETE FROM tenant_lists WHERE tenant_id = $1 AND kind = $2 AND value = $3";
        let removed = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(kind.as_str()).bind(value)
            .execute(pool).await)?;
        Ok(removed > 0)
    }

    /// A page of the tenant's entries, newest first.
    pub async fn list_entries(&self, tenant_id: &str, query: &ListQuery) -> Result<ListPage> {
        let filter = "tenant_id = $1 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR action = $3) \
                      AND ($4 IS NULL OR value LIKE $4 ESCAPE '\\')";
        let rows = format!(
            "SELECT kind, value, action, note, created_at, created_by, expires_at FROM tenant_lists WHERE {filter} \
             ORDER BY created_at DESC, kind, value LIMIT $5 OFFSET $6"
        );
        let count = format!("SELECT COUNT(*) FROM tenant_lists WHERE {filter}");
        let kind = query.kind.map(ListKind::as_str);
        let action = query.action.map(ListAction::as_str);
        let search = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(contains_pattern);
        let offset = query.page.clamp(0, MAX_ENTRIES / PAGE_SIZE) * PAGE_SIZE;
        Ok(with_pool!(self, pool => {
            let entries = sqlx::query_as::<_, ListEntryRow>(&rows)
                .bind(tenant_id).bind(kind).bind(action).bind(search.as_deref()).bind(PAGE_SIZE).bind(offset)
                .fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(&count)
                .bind(tenant_id).bind(kind).bind(action).bind(search.as_deref())
                .fetch_one(pool).await?;
            ListPage { entries, total }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_read_back() {
        let m = parse_match("block cidr 10.0.0.0/8").unwrap();
        assert_eq!((m.action, m.kind, m.value.as_str()), (ListAction::Block, ListKind::Cidr, "10.0.0.0/8"));
        assert_eq!(parse_match("maybe ip 1.2.3.4"), None);
    }
}
