use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{list_entries, AddListEntry, RemoveListEntry};
use crate::components::{outcome, show_errors, ActionResult, Frame};
use crate::model::{format_utc, ListEntriesPage, ListEntryView};

/// Kinds an entry may have, as the server names them, with what the page calls them.
const KINDS: [(&str, &str); 7] = [
    ("email", "Email"),
    ("email_domain", "Email domain"),
    ("visitor", "Device (visitor id)"),
    ("ip", "IP address"),
    ("cidr", "IP range (CIDR)"),
    ("asn", "Network (AS number)"),
    ("country", "Country (two letters)"),
];
const EXPIRIES: [(&str, &str); 6] = [
    ("", "for good"),
    ("1h", "for 1 hour"),
    ("24h", "for 24 hours"),
    ("7d", "for 7 days"),
    ("30d", "for 30 days"),
    ("90d", "for 90 days"),
];
const ACTIONS: [(&str, &str); 2] = [("block", "Block"), ("allow", "Allow")];

fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map_or("?", |(_, label)| label)
}

/// The tenant's allow and block lists: entries decide an event before its score does.
#[component]
pub fn ListsPage() -> impl IntoView {
    let query = use_query_map();
    let add = ServerAction::<AddListEntry>::new();
    let remove = ServerAction::<RemoveListEntry>::new();
    let page = Resource::new(
        move || (query.get(), add.version().get(), remove.version().get()),
        |(q, _, _)| {
            let get = |name: &str| q.get(name).filter(|v| !v.is_empty());
            list_entries(get("kind"), get("action"), get("q"), get("page").and_then(|p| p.parse().ok()))
        },
    );
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let select = move |name: &'static str,
                       label: &'static str,
                       options: &'static [(&'static str, &'static str)]| {
        let current = param(name);
        view! {
            <label>{label} " "
                <select name=name>
                    <option value="">"any"</option>
                    {options.iter().map(|(v, l)| view! { <option value=*v selected=current == *v>{*l}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <Title text="Allow and block lists" />
        <Frame title="Allow and block lists">
            <p class="hint">
                "An event that matches an entry gets its decision whatever it scores: "
                "a block entry wins over an allow entry. The score and every check are still shown."
            </p>
            <ActionForm action=add attr:class="inline-form" attr:id="add-entry">
                <label>"List "
                    <select name="action">
                        {ACTIONS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Kind "
                    <select name="kind">
                        {KINDS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Value " <input type="text" name="value" required maxlength="254" placeholder="ada@example.com, 203.0.113.0/24, AS14061, FR" /></label>
                <label>"Reason " <input type="text" name="note" maxlength="200" placeholder="why" /></label>
                <label>"How long "
                    <select name="expires">
                        {EXPIRIES.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit" disabled=move || add.pending().get()>"Add"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || outcome(add.value().get(), "Entry added.")) />
            <ActionResult result=Signal::derive(move || outcome(remove.value().get(), "Entry removed.")) />
            <form method="get" class="filters">
                {select("action", "List", &ACTIONS)}
                {select("kind", "Kind", &KINDS)}
                <label>"Search " <input type="text" name="q" value=move || param("q") placeholder="part of a value" /></label>
                <button type="submit">"Filter"</button>
                <a href="?" class="reset">"Clear"</a>
            </form>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        page.await.map(|page| view! { <EntriesTable page remove /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn EntriesTable(page: ListEntriesPage, remove: ServerAction<RemoveListEntry>) -> impl IntoView {
    let query = use_query_map();
    let pager = move |to: i64, label: &'static str| {
        let mut q = query.get_untracked();
        q.insert("page", to.to_string());
        view! { <a href=q.to_query_string()>{label}</a> }
    };
    let last_page = (page.total - 1).max(0) / page.page_size;
    let prev = (page.page > 0).then(|| pager(page.page - 1, "← Newer"));
    let next = (page.page < last_page).then(|| pager(page.page + 1, "Older →"));
    let summary = format!("{} entries", page.total);
    if page.entries.is_empty() {
        return view! { <p class="empty">"No entries."</p> }.into_any();
    }
    let rows = page.entries.into_iter().map(|e| view! { <EntryRow e remove /> }).collect_view();
    view! {
        <p class="hint" id="list-total">{summary}</p>
        <div class="table-wrap">
            <table class="lists">
                <thead>
                    <tr><th>"List"</th><th>"Kind"</th><th>"Value"</th><th>"Reason"</th><th>"Added (UTC)"</th><th>"By"</th><th>"Until (UTC)"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="pager">{prev} " " {next}</p>
    }
    .into_any()
}

#[component]
fn EntryRow(e: ListEntryView, remove: ServerAction<RemoveListEntry>) -> impl IntoView {
    let badge = format!("badge {}", e.action);
    let label = kind_label(&e.kind);
    let (shown, marker) = (e.value.clone(), e.value.clone());
    view! {
        <tr data-entry=marker>
            <td><span class=badge>{e.action}</span></td>
            <td>{label}</td>
            <td class="mono">{shown}</td>
            <td>{e.note}</td>
            <td class="time">{format_utc(e.created_at)}</td>
            <td>{e.created_by}</td>
            <td class="time expires">{e.expires_at.map(format_utc).unwrap_or_else(|| "for good".into())}</td>
            <td>
                <ActionForm action=remove>
                    <input type="hidden" name="kind" value=e.kind />
                    <input type="hidden" name="value" value=e.value />
                    <button type="submit" class="danger">"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
