use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{error_message, reputation_page, ImportReputation, RemoveReputation};
use crate::components::{show_errors, Frame};
use crate::model::{format_utc, ImportResultView, ReputationPageView};

/// What each list is for, as the page explains it.
fn describe(list: &str) -> &'static str {
    match list {
        "disposable-domains" => "Email domains of throwaway mailboxes (DISPOSABLE_EMAIL).",
        "high-risk-asns" => "Hosting, cloud and VPN networks by AS number (HIGH_RISK_ASN).",
        "tor-exits" => "TOR exit addresses (TOR_EXIT).",
        "sms-high-risk-prefixes" => {
            "Calling-code prefixes of premium-rate SMS destinations (SMS_HIGH_RISK_DESTINATION)."
        }
        _ => "",
    }
}

/// The super admin's global reputation lists: sizes and last change, search and pages,
/// add or remove one entry, import many from pasted text or a file.
#[component]
pub fn ReputationPage() -> impl IntoView {
    let query = use_query_map();
    let import = ServerAction::<ImportReputation>::new();
    let remove = ServerAction::<RemoveReputation>::new();
    let data = Resource::new(
        move || (query.get(), import.version().get(), remove.version().get()),
        |(q, _, _)| {
            let get = |name: &str| q.get(name).filter(|v| !v.is_empty());
            reputation_page(get("list"), get("q"), get("page").and_then(|p| p.parse().ok()))
        },
    );
    view! {
        <Title text="Reputation lists" />
        <Frame title="Reputation lists">
            <p class="hint">"Global lists every tenant's events are checked against. Changes reach scoring on every server within seconds."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { data.await.map(|p| view! { <ListView p import remove /> }) })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn ListView(
    p: ReputationPageView,
    import: ServerAction<ImportReputation>,
    remove: ServerAction<RemoveReputation>,
) -> impl IntoView {
    let query = use_query_map();
    let current = p.list.clone();
    let tabs = p
        .lists
        .iter()
        .map(|l| {
            let class = if l.list == current { "tab active" } else { "tab" };
            let href = format!("?list={}", l.list);
            let updated = l.last_added_at.map(format_utc).unwrap_or_else(|| "never".into());
            view! {
                <a class=class href=href data-list=l.list.clone()>
                    <strong>{l.list.clone()}</strong>
                    <span class="count">{l.entries} " entries"</span>
                    <span class="updated">"last added " {updated}</span>
                </a>
            }
        })
        .collect_view();
    let text = RwSignal::new(String::new());
    let single = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let list_for_import = p.list.clone();
    let list_for_add = p.list.clone();
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                if file.size() > crate::api::MAX_IMPORT_BYTES as f64 {
                    file_error.set(Some(
                        "the file is larger than 1 MB: import it with `doorman reputation import`".into(),
                    ));
                    return;
                }
                leptos::task::spawn_local(async move {
                    match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        Ok(content) => {
                            file_error.set(None);
                            text.set(content.as_string().unwrap_or_default());
                        }
                        Err(_) => file_error.set(Some("the file could not be read".into())),
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, file_error, text);
    };
    let on_import = move |_| {
        import.dispatch(ImportReputation { list: list_for_import.clone(), text: text.get_untracked() });
    };
    let on_add = move |_| {
        import.dispatch(ImportReputation { list: list_for_add.clone(), text: single.get_untracked() });
    };
    let imported = move || {
        import.value().get().map(|r| match r {
            Ok(ImportResultView { added, already_listed, rejected, rejected_total }) => {
                let lines = rejected.into_iter().map(|r| view! { <li>{r}</li> }).collect_view();
                view! {
                    <div role="status" class="ok" id="import-result">
                        <p>{format!("{added} added, {already_listed} already listed, {rejected_total} rejected.")}</p>
                        <ul class="rejected">{lines}</ul>
                    </div>
                }
                .into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{error_message(&e)}</p> }.into_any(),
        })
    };
    let search = query.read_untracked().get("q").unwrap_or_default();
    let last_page = (p.total - 1).max(0) / p.page_size;
    let pager = move |to: i64, label: &'static str| {
        let mut q = query.get_untracked();
        q.insert("page", to.to_string());
        view! { <a href=q.to_query_string()>{label}</a> }
    };
    let prev = (p.page > 0).then(|| pager(p.page - 1, "← Previous"));
    let next = (p.page < last_page).then(|| pager(p.page + 1, "Next →"));
    let list_name = p.list.clone();
    let rows = p
        .entries
        .into_iter()
        .map(|e| {
            let list = list_name.clone();
            let marker = e.value.clone();
            let value = e.value.clone();
            view! {
                <tr data-entry=marker>
                    <td class="mono">{e.value}</td>
                    <td>{e.source}</td>
                    <td class="time">{format_utc(e.added_at)}</td>
                    <td>
                        <ActionForm action=remove>
                            <input type="hidden" name="list" value=list />
                            <input type="hidden" name="value" value=value />
                            <button type="submit" class="danger">"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let removed = move || {
        remove
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <p class="error" role="alert">{error_message(&e)}</p> })
    };
    view! {
        <nav class="tabs">{tabs}</nav>
        <p class="hint">{describe(&p.list)}</p>
        <form method="get" class="filters">
            <input type="hidden" name="list" value=p.list.clone() />
            <label>"Search " <input type="text" name="q" value=search placeholder="part of a value" /></label>
            <button type="submit">"Search"</button>
        </form>
        <div class="inline-form">
            <label>"Add one " <input type="text" id="add-value" placeholder="an entry"
                prop:value=move || single.get() on:input=move |ev| single.set(event_target_value(&ev)) /></label>
            <button type="button" on:click=on_add>"Add"</button>
        </div>
        <details class="import">
            <summary>"Import many"</summary>
            <p class="hint">"One entry per line; " <code>"#"</code> " starts a comment. Paste them, or pick a file of up to 1 MB."</p>
            <input type="file" id="import-file" accept=".txt,.csv,text/plain" on:change=on_file />
            {move || file_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <textarea id="import-text" rows="8" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button type="button" id="import-button" on:click=on_import disabled=move || import.pending().get()>"Import"</button>
        </details>
        {imported}
        {removed}
        <p class="hint" id="list-total">{p.total} " matching entries"</p>
        <div class="table-wrap">
            <table class="reputation">
                <thead><tr><th>"Value"</th><th>"Source"</th><th>"Added (UTC)"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="pager">{prev} " " {next}</p>
    }
}
