use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{load_event, SendToReview, SnoozeRule};
use crate::components::{outcome, show_errors, ActionResult, Frame};
use crate::model::{format_utc, EventDetail};

/// One event for the client admin: every check, what Doorman derived, and the other users
/// and addresses seen on the same device.
#[component]
pub fn EventDetailPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(move || params.read().get("id").unwrap_or_default(), load_event);
    view! {
        <Title text="Event" />
        <Frame title="Event">
            <p><a href="/client-admin/events">"← Events"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { detail.await.map(|d| view! { <SendToReviewForm d=d.clone() /> <Detail d /> }) })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
pub(crate) fn Detail(d: EventDetail) -> impl IntoView {
    let e = d.event;
    // Rules that weighed on this event, which an analyst may silence for its user, device
    // or address.
    let snoozable: Vec<String> = d
        .checks
        .iter()
        .filter(|c| matches!(c.status.as_str(), "FIRED" | "SHADOW"))
        .map(|c| c.code.clone())
        .collect();
    let decision_class = format!("decision {}", e.decision.to_lowercase());
    let visitor_href = format!("/client-admin/events?visitor={}", e.visitor_id);
    let user = e.email.clone().or(e.external_user_id.clone()).unwrap_or_default();
    let checks = d
        .checks
        .into_iter()
        .map(|c| {
            let class = format!("check {}", c.status.to_lowercase());
            let rule = c.code.clone();
            view! {
                <tr class=class data-rule=rule>
                    <td class="mono">{c.code}</td>
                    <td>{c.label}</td>
                    <td class="num">{c.weight}</td>
                    <td>{c.status}</td>
                    <td>{c.detail}</td>
                </tr>
            }
        })
        .collect_view();
    let users = d
        .device_users
        .into_iter()
        .map(|(user, first, last)| {
            let href = format!("/client-admin/events?user={user}");
            view! { <tr><td><a href=href>{user}</a></td><td class="time">{format_utc(first)}</td><td class="time">{format_utc(last)}</td></tr> }
        })
        .collect_view();
    let ips = d
        .device_ips
        .into_iter()
        .map(|(ip, events, last)| {
            let href = format!("/client-admin/events?ip={ip}");
            view! { <tr><td class="mono"><a href=href>{ip}</a></td><td class="num">{events}</td><td class="time">{format_utc(last)}</td></tr> }
        })
        .collect_view();
    view! {
        <section class="card summary">
            <p>
                <span class=decision_class id="decision">{e.decision}</span> " "
                <strong>{e.event_type}</strong> " · score " <strong id="score">{e.risk_score}</strong>
                " · " {format_utc(e.created_at)} " UTC"
            </p>
            <p>"User " <strong>{user}</strong> " · IP " <span class="mono">{e.ip.unwrap_or_default()}</span>
               " · visitor " <a class="mono" href=visitor_href>{e.visitor_id}</a></p>
        </section>
        <section class="card">
            <h2>"Checks"</h2>
            <SnoozeForm event_id=e.id.clone() rules=snoozable />
            <div class="table-wrap">
                <table class="checks">
                    <thead><tr><th>"Rule"</th><th>"Label"</th><th>"Weight"</th><th>"Status"</th><th>"Detail"</th></tr></thead>
                    <tbody>{checks}</tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>"Same device"</h2>
            <h3>"Accounts"</h3>
            <div class="table-wrap">
                <table class="device-users">
                    <thead><tr><th>"User"</th><th>"First seen (UTC)"</th><th>"Last seen"</th></tr></thead>
                    <tbody>{users}</tbody>
                </table>
            </div>
            <h3>"Addresses"</h3>
            <div class="table-wrap">
                <table class="device-ips">
                    <thead><tr><th>"IP"</th><th>"Events"</th><th>"Last seen (UTC)"</th></tr></thead>
                    <tbody>{ips}</tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>"Derived signals"</h2>
            <pre class="json">{d.signals_json}</pre>
            <h2>"Device payload"</h2>
            <pre class="json">{d.device_json}</pre>
        </section>
    }
}

/// An event that did not enter the review queue by its decision (a block, most often) can be
/// sent there for an analyst to look at.
#[component]
fn SendToReviewForm(d: EventDetail) -> impl IntoView {
    let send = ServerAction::<SendToReview>::new();
    let e = d.event;
    if e.decision == "CHALLENGE" {
        return view! { <p><a href=format!("/client-admin/review/{}", e.id)>"Open in the review queue"</a></p> }.into_any();
    }
    let label = if e.decision == "BLOCK" { "Review this block" } else { "Send to review" };
    let queued = format!("/client-admin/review/{}", e.id);
    view! {
        <ActionForm action=send attr:class="inline-form" attr:id="send-to-review">
            <input type="hidden" name="id" value=e.id />
            <button type="submit">{label}</button>
        </ActionForm>
        {move || matches!(send.value().get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">"In the review queue: " <a href=queued.clone()>"open it"</a></p> })}
        <ActionResult result=Signal::derive(move || outcome(send.value().get(), "").filter(|r| r.is_err())) />
    }
    .into_any()
}

const SNOOZE_DAYS: [(&str, &str); 5] =
    [("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("180", "180 days")];

/// Silences a rule that fired here for this event's user, visitor or IP, for a while.
#[component]
fn SnoozeForm(event_id: String, rules: Vec<String>) -> impl IntoView {
    let snooze = ServerAction::<SnoozeRule>::new();
    if rules.is_empty() {
        return ().into_any();
    }
    view! {
        <ActionForm action=snooze attr:class="inline-form" attr:id="snooze">
            <input type="hidden" name="event_id" value=event_id />
            <label>"Snooze "
                <select name="rule">{rules.into_iter().map(|r| { let shown = r.clone(); view! { <option value=r>{shown}</option> } }).collect_view()}</select>
            </label>
            <label>"for this "
                <select name="target"><option value="user">"user"</option><option value="visitor">"visitor"</option><option value="ip">"IP"</option></select>
            </label>
            <label>"for "
                <select name="days">{SNOOZE_DAYS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}</select>
            </label>
            <label>"Reason " <input type="text" name="reason" required maxlength="200" /></label>
            <button type="submit">"Snooze"</button>
        </ActionForm>
        <ActionResult result=Signal::derive(move || outcome(snooze.value().get(), "Snoozed: from the next event on.")) />
    }
    .into_any()
}
