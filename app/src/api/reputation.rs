//! The super admin's global reputation lists: disposable domains, high-risk ASNs, TOR exits
//! and SMS high-risk prefixes. Every change reaches scoring on every server within seconds.

use leptos::prelude::*;

use crate::model::{ImportResultView, ReputationPageView};

/// Largest text one bulk import takes; bigger files go through `doorman reputation import`.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

#[cfg(feature = "ssr")]
fn list(name: &str) -> Result<doorman_store::reputation::List, ServerFnError> {
    doorman_store::reputation::List::parse(name).map_err(super::guard::store_error)
}

/// The lists with their counts, and a page of one list's entries containing `search`.
#[server(prefix = "/rpc", endpoint = "reputation-page")]
pub async fn reputation_page(
    list: Option<String>,
    search: Option<String>,
    page: Option<i64>,
) -> Result<ReputationPageView, ServerFnError> {
    use super::guard::{context, require_super_admin, store_error};
    use crate::model::{ReputationEntryView, ReputationListView};
    use doorman_store::reputation::REPUTATION_PAGE;
    require_super_admin().await?;
    let store = &context()?.store;
    let chosen = list.filter(|l| !l.is_empty()).unwrap_or_else(|| "disposable-domains".into());
    let page = page.unwrap_or(0).max(0);
    let (entries, total) = store
        .search_reputation(self::list(&chosen)?, search.as_deref().unwrap_or(""), page)
        .await
        .map_err(store_error)?;
    let lists = store.reputation_summary().await.map_err(store_error)?;
    Ok(ReputationPageView {
        lists: lists
            .into_iter()
            .map(|l| ReputationListView { list: l.list, entries: l.entries, last_added_at: l.last_added_at })
            .collect(),
        list: chosen,
        entries: entries
            .into_iter()
            .map(|e| ReputationEntryView { value: e.value, source: e.source, added_at: e.added_at })
            .collect(),
        total,
        page,
        page_size: REPUTATION_PAGE,
    })
}

/// Adds the entries of `text` (one per line, `#` comments) to a list.
#[server(prefix = "/rpc", endpoint = "import-reputation")]
pub async fn import_reputation(list: String, text: String) -> Result<ImportResultView, ServerFnError> {
    use super::guard::{audit, context, refuse, require_super_admin, store_error};
    use doorman_store::reputation::parse_list_file;
    let admin = require_super_admin().await?;
    if text.len() > MAX_IMPORT_BYTES {
        return Err(refuse(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "at most 1 MB at a time: import bigger files with `doorman reputation import`",
        ));
    }
    let target = self::list(&list)?;
    let parsed = parse_list_file(target, &text);
    if parsed.entries.is_empty() && parsed.rejected.is_empty() {
        return Err(refuse(http::StatusCode::UNPROCESSABLE_ENTITY, "no entries in the text"));
    }
    let added = context()?
        .store
        .import_reputation(target, &parsed.entries, &format!("dashboard:{}", admin.email))
        .await
        .map_err(store_error)?;
    let detail = format!("{added} added, {} rejected", parsed.rejected.len());
    audit(&admin, None, "reputation.import", target.as_str(), &detail).await;
    Ok(ImportResultView {
        added,
        already_listed: parsed.entries.len().saturating_sub(added as usize),
        rejected_total: parsed.rejected.len(),
        rejected: parsed.rejected.into_iter().take(20).collect(),
    })
}

/// Removes one entry from a list.
#[server(prefix = "/rpc", endpoint = "remove-reputation")]
pub async fn remove_reputation(list: String, value: String) -> Result<(), ServerFnError> {
    use super::guard::{audit, context, refuse, require_super_admin, store_error};
    let admin = require_super_admin().await?;
    let target = self::list(&list)?;
    if !context()?.store.remove_reputation(target, &value).await.map_err(store_error)? {
        return Err(refuse(http::StatusCode::NOT_FOUND, format!("{value} is not on {list}")));
    }
    audit(&admin, None, "reputation.remove", target.as_str(), value.trim()).await;
    Ok(())
}
