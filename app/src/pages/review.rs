use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::event_detail::Detail;
use crate::api::{
    open_review, review_queue, AssignReview, DecideReview, DecideReviewBulk, OpenNextReview, ReleaseReview,
    SaveReviewSettings,
};
use crate::components::{
    follow_live, outcome, show_errors, throttled, ActionResult, EventsTable, Frame, MissedUpdates,
};
use crate::model::{format_utc, LiveUpdate, ReviewOpened, ReviewQueueView};

const AGES: [(&str, &str); 4] = [
    ("lt1h", "newer than 1 h"),
    ("gt1h", "older than 1 h"),
    ("gt24h", "older than 24 h"),
    ("gt7d", "older than 7 days"),
];
const FILTERS: [&str; 4] = ["age", "rule", "assignee", "visitor"];

/// The review queue: what waits by age, the filters, "open next", bulk decisions and the
/// tenant's queue settings. It follows the live feed, so new challenges and colleagues'
/// claims and decisions show without a reload.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let query = use_query_map();
    let decide_all = ServerAction::<DecideReviewBulk>::new();
    let settings = ServerAction::<SaveReviewSettings>::new();
    let next = ServerAction::<OpenNextReview>::new();
    let changed = RwSignal::new(0u32);
    let refresh = throttled(move || changed.update(|n| *n += 1));
    let missed = follow_live(move |update| match update {
        LiveUpdate::Review => refresh(),
        LiveUpdate::Event { event } if event.decision == "CHALLENGE" => refresh(),
        _ => {}
    });
    let queue = Resource::new(
        move || (query.get(), decide_all.version().get(), settings.version().get(), changed.get()),
        |(q, _, _, _)| {
            let get = |name: &str| q.get(name).filter(|v| !v.is_empty());
            review_queue(get("age"), get("rule"), get("assignee"), get("visitor"))
        },
    );
    let empty = move || query.read().get("empty").is_some();
    view! {
        <Title text="Review" />
        <Frame title="Review queue">
            <p class="hint">
                "Challenged events wait here for a decision. Opening one holds it for you for a while; "
                "your FRAUD or LEGIT becomes the event's label (rule precision counts it) and is sent to your webhooks."
            </p>
            <MissedUpdates missed />
            <ActionForm action=next attr:class="inline-form" attr:id="open-next">
                <button type="submit" disabled=move || next.pending().get()>"Open next"</button>
            </ActionForm>
            {move || empty().then(|| view! { <p class="ok" role="status" id="queue-empty">"Nothing left for you in the queue."</p> })}
            <ActionResult result=Signal::derive(move || outcome(next.value().get(), "")) />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        queue.await.map(|q| view! { <Queue q decide_all settings /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn Queue(
    q: ReviewQueueView,
    decide_all: ServerAction<DecideReviewBulk>,
    settings: ServerAction<SaveReviewSettings>,
) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let c = q.counts.clone();
    let stat = |id: &'static str, value: i64, label: &'static str| {
        view! { <div class="stat"><span class="stat-value" id=id>{value}</span><span class="stat-label">{label}</span></div> }
    };
    let assignee = param("assignee");
    let mut assignees =
        vec![("unassigned".to_string(), "nobody".to_string()), ("me".to_string(), "me".to_string())];
    assignees.extend(q.colleagues.iter().filter(|c| **c != q.me).map(|c| (c.clone(), c.clone())));
    let age = param("age");
    let total = c.total;
    let rows = q
        .items
        .into_iter()
        .map(|item| {
            let e = item.event;
            let decision_class = format!("decision {}", e.decision.to_lowercase());
            let user = e.email.clone().or(e.external_user_id.clone()).unwrap_or_default();
            let held = match (item.assignee, item.claimed_until) {
                (Some(who), Some(until)) => format!("{who} until {}", format_utc(until)),
                _ => String::new(),
            };
            let visitor_href = format!("?visitor={}", e.visitor_id);
            view! {
                <tr data-event-id=e.id.clone()>
                    <td class="time"><a href=format!("/client-admin/review/{}", e.id)>{format_utc(e.created_at)}</a></td>
                    <td>{e.event_type}</td>
                    <td class="user">{user}</td>
                    <td class="mono visitor"><a href=visitor_href>{e.visitor_id}</a></td>
                    <td class="num">{e.risk_score}</td>
                    <td><span class=decision_class>{e.decision}</span></td>
                    <td class="rules">{e.triggered_rules.join(", ")}</td>
                    <td class="held">{held}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="stats" id="review-counts">
            {stat("review-total", c.total, "waiting")}
            {stat("review-hour", c.under_hour, "from the last hour")}
            {stat("review-day", c.under_day - c.under_hour, "1 to 24 hours old")}
            {stat("review-week", c.under_week - c.under_day, "1 to 7 days old")}
            {stat("review-older", c.older, "older")}
            {stat("review-claimed", c.claimed, "held by an analyst now")}
        </section>
        <form method="get" class="filters">
            <label>"Age "
                <select name="age">
                    <option value="">"any"</option>
                    {AGES.iter().map(|(v, l)| view! { <option value=*v selected=age == *v>{*l}</option> }).collect_view()}
                </select>
            </label>
            <label>"Rule " <input type="text" name="rule" value=param("rule") placeholder="VPN_OR_PROXY" /></label>
            <label>"Held by "
                <select name="assignee">
                    <option value="">"anyone or nobody"</option>
                    {assignees.into_iter().map(|(v, l)| { let selected = assignee == v; view! { <option value=v selected=selected>{l}</option> } }).collect_view()}
                </select>
            </label>
            <label>"Visitor " <input type="text" name="visitor" value=param("visitor") placeholder="vis_…" /></label>
            <button type="submit">"Filter"</button>
            <a href="?" class="reset">"Clear"</a>
        </form>
        {if total == 0 {
            view! { <p class="empty">"Nothing waits for review."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="events review-queue">
                        <thead><tr><th>"Time (UTC)"</th><th>"Type"</th><th>"User"</th><th>"Visitor"</th><th>"Score"</th>
                            <th>"Decision"</th><th>"Triggered rules"</th><th>"Held by"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <section class="card">
            <h2>"Decide all " {total} " matching items"</h2>
            <p class="hint">"Items a colleague holds are left alone; at most 1,000 at once, oldest first."</p>
            <ActionForm action=decide_all attr:class="inline-form" attr:id="decide-all">
                {FILTERS.iter().map(|name| view! { <input type="hidden" name=*name value=param(name) /> }).collect_view()}
                <label>"Decision "
                    <select name="decision"><option value="FRAUD">"FRAUD"</option><option value="LEGIT">"LEGIT"</option></select>
                </label>
                <label>"Comment " <input type="text" name="comment" maxlength="1000" /></label>
                <button type="submit" disabled=move || decide_all.pending().get() || total == 0>"Decide all"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || decide_all.value().get().map(|r| r.map_err(|e| crate::api::error_message(&e)))) />
        </section>
        <section class="card">
            <h2>"Queue settings"</h2>
            <ActionForm action=settings attr:class="inline-form" attr:id="review-settings">
                <label>"Also queue allowed events scoring at least "
                    <input type="number" name="near_miss_score" min="1" max="1000" value=q.near_miss_score.map(|s| s.to_string()).unwrap_or_default() placeholder="off" />
                </label>
                <label>"An opened item is held for " <input type="number" name="claim_minutes" min="1" max="1440" required value=q.claim_minutes.to_string() /> " minutes"</label>
                <button type="submit">"Save"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || outcome(settings.value().get(), "Settings saved.")) />
        </section>
    }
}

/// One item as an analyst works it: the event's detail, the user's other events, and the
/// decision, assignment and release forms. Opening it claims it.
#[component]
pub fn ReviewItemPage() -> impl IntoView {
    let params = use_params_map();
    let decide = ServerAction::<DecideReview>::new();
    let assign = ServerAction::<AssignReview>::new();
    let release = ServerAction::<ReleaseReview>::new();
    let opened = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), decide.version().get(), assign.version().get()),
        |(id, _, _)| open_review(id),
    );
    view! {
        <Title text="Review" />
        <Frame title="Review">
            <p><a href="/client-admin/review">"← Review queue"</a></p>
            <ActionResult result=Signal::derive(move || decide.value().get().map(|r| r.map(|label| format!("Decided {label}.")).map_err(|e| crate::api::error_message(&e)))) />
            <ActionResult result=Signal::derive(move || outcome(assign.value().get(), "Assigned.")) />
            <ActionResult result=Signal::derive(move || outcome(release.value().get(), "")) />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        opened.await.map(|o| view! { <Item o decide assign release /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn Item(
    o: ReviewOpened,
    decide: ServerAction<DecideReview>,
    assign: ServerAction<AssignReview>,
    release: ServerAction<ReleaseReview>,
) -> impl IntoView {
    let id = o.detail.event.id.clone();
    let status = match (&o.label, o.queued, &o.holder, o.mine) {
        (Some(label), _, _, _) => {
            let by = o.decided_by.clone().map(|by| format!(" by {by}")).unwrap_or_default();
            let comment = o.comment.clone().map(|c| format!(": “{c}”")).unwrap_or_default();
            format!("Decided {label}{by}{comment}")
        }
        (None, false, _, _) => "Not in the review queue.".to_string(),
        (None, true, Some(_), true) => {
            format!("Held for you until {} UTC.", o.held_until.map(format_utc).unwrap_or_default())
        }
        (None, true, Some(holder), false) => {
            format!(
                "{holder} holds this item until {} UTC.",
                o.held_until.map(format_utc).unwrap_or_default()
            )
        }
        (None, true, None, _) => "Waiting.".to_string(),
    };
    let can_decide = o.label.is_none() && o.queued && o.mine;
    let colleagues = o.colleagues.clone();
    let user_events = o.user_events.clone();
    view! {
        <section class="card review-status">
            <p id="review-status" data-mine=o.mine.to_string()>{status}</p>
            {can_decide.then(|| {
                let (id1, id2, id3) = (id.clone(), id.clone(), id.clone());
                view! {
                    <ActionForm action=decide attr:class="inline-form" attr:id="decide">
                        <input type="hidden" name="id" value=id1 />
                        <label>"Decision "
                            <select name="decision"><option value="FRAUD">"FRAUD"</option><option value="LEGIT">"LEGIT"</option></select>
                        </label>
                        <label>"Comment " <input type="text" name="comment" maxlength="1000" placeholder="why (optional)" /></label>
                        <button type="submit" disabled=move || decide.pending().get()>"Decide"</button>
                    </ActionForm>
                    <ActionForm action=assign attr:class="inline-form" attr:id="assign">
                        <input type="hidden" name="id" value=id2 />
                        <label>"Give to "
                            <select name="analyst">
                                {colleagues.into_iter().map(|c| { let shown = c.clone(); view! { <option value=c>{shown}</option> } }).collect_view()}
                            </select>
                        </label>
                        <button type="submit">"Assign"</button>
                    </ActionForm>
                    <ActionForm action=release attr:class="inline-form" attr:id="release">
                        <input type="hidden" name="id" value=id3 />
                        <button type="submit">"Release"</button>
                    </ActionForm>
                }
            })}
        </section>
        <Detail d=o.detail />
        <section class="card">
            <h2>"The user's other events"</h2>
            <EventsTable events=user_events show_tenant=false detail_base=Some("/client-admin/events") />
        </section>
    }
}
