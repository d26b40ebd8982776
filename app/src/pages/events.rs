use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::search_events;
use crate::components::{follow_live, merge_live, show_errors, EventsTable, Frame, MissedUpdates};
use crate::model::{EventRow, LiveUpdate, RoleView};

const EVENT_TYPES: [&str; 7] =
    ["SIGNUP", "LOGIN", "SMS_OTP", "TRIAL_START", "REFERRAL", "PROMO_REDEEM", "PASSWORD_RESET"];
const DECISIONS: [&str; 3] = ["ALLOW", "CHALLENGE", "BLOCK"];

/// Event search: filters in the address (so a search can be shared), newest first, a page
/// at a time. Client admins open an event for its detail.
#[component]
pub fn EventsPage(role: RoleView) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || query.get(),
        move |q| {
            let get = |name: &str| q.get(name).filter(|v| !v.is_empty());
            search_events(
                get("type"),
                get("decision"),
                get("user"),
                get("visitor"),
                get("ip"),
                get("from"),
                get("to"),
                get("after"),
            )
        },
    );
    // Without filters the first page is the newest events: those scored meanwhile are pushed
    // ahead of it as they come.
    let unfiltered = move || {
        query.with_untracked(|q| {
            ["type", "decision", "user", "visitor", "ip", "from", "to", "after"]
                .iter()
                .all(|p| q.get(p).is_none_or(|v| v.is_empty()))
        })
    };
    let live = RwSignal::new(Vec::<EventRow>::new());
    let missed = follow_live(move |update| {
        if let LiveUpdate::Event { event } = update {
            if unfiltered() {
                live.update(|l| l.insert(0, *event));
            }
        }
    });
    let (show_tenant, detail_base) = match role {
        RoleView::SuperAdmin => (true, None),
        RoleView::ClientAdmin => (false, Some("/client-admin/events")),
    };
    let select = move |name: &'static str, label: &'static str, options: &'static [&'static str]| {
        let current = param(name).unwrap_or_default();
        view! {
            <label>{label} " "
                <select name=name>
                    <option value="">"any"</option>
                    {options.iter().map(|o| view! { <option value=*o selected=current == *o>{*o}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let text = move |name: &'static str,
                     label: &'static str,
                     kind: &'static str,
                     placeholder: &'static str| {
        view! { <label>{label} " " <input type=kind name=name value=param(name).unwrap_or_default() placeholder=placeholder /></label> }
    };
    view! {
        <Title text="Events" />
        <Frame title="Events">
            <form method="get" class="filters">
                {select("type", "Type", &EVENT_TYPES)}
                {select("decision", "Decision", &DECISIONS)}
                {text("user", "User", "text", "email or user id")}
                {text("visitor", "Visitor", "text", "vis_…")}
                {text("ip", "IP", "text", "203.0.113.7")}
                {text("from", "From", "date", "")}
                {text("to", "To", "date", "")}
                <button type="submit">"Search"</button>
                <a href="?" class="reset">"Clear"</a>
            </form>
            <MissedUpdates missed />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || {
                    let fresh = if unfiltered() { live.get() } else { Vec::new() };
                    Suspend::new(async move {
                        page.await.map(|page| {
                            let next = page.next.map(|cursor| {
                                let mut q = query.get_untracked();
                                q.insert("after", cursor);
                                view! { <p class="pager"><a href=q.to_query_string() rel="next">"Older events →"</a></p> }
                            });
                            let events = merge_live(fresh, page.events, usize::MAX);
                            let count = events.len();
                            view! {
                                <p class="hint">{count} " events" {if next.is_some() { " on this page" } else { "" }}</p>
                                <EventsTable events show_tenant detail_base />
                                {next}
                            }
                        })
                    })
                    }}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}
