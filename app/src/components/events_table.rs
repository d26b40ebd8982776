use leptos::prelude::*;

use crate::model::{format_utc, EventRow};

/// Events, newest first, with the decision and the rules that fired.
#[component]
pub fn EventsTable(
    events: Vec<EventRow>,
    show_tenant: bool,
    /// Where an event's detail lives (`{base}/{id}`), when the viewer may open it.
    #[prop(optional_no_strip)]
    detail_base: Option<&'static str>,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty">"No events yet."</p> }.into_any();
    }
    let rows = events
        .into_iter()
        .map(|e| {
            let decision_class = format!("decision {}", e.decision.to_lowercase());
            let user = e.email.clone().or(e.external_user_id.clone()).unwrap_or_default();
            view! {
                <tr data-event-id=e.id.clone()>
                    <td class="time">
                        {match detail_base {
                            Some(base) => view! { <a href=format!("{base}/{}", e.id)>{format_utc(e.created_at)}</a> }.into_any(),
                            None => format_utc(e.created_at).into_any(),
                        }}
                    </td>
                    {show_tenant.then(|| view! { <td>{e.tenant_slug.clone()}</td> })}
                    <td>{e.event_type}</td>
                    <td class="user">{user}</td>
                    <td class="mono">{e.ip.unwrap_or_default()}</td>
                    <td class="mono visitor">{e.visitor_id}</td>
                    <td class="num">{e.risk_score}</td>
                    <td><span class=decision_class>{e.decision}</span></td>
                    <td class="rules">{e.triggered_rules.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="events">
                <thead>
                    <tr>
                        <th>"Time (UTC)"</th>
                        {show_tenant.then(|| view! { <th>"Tenant"</th> })}
                        <th>"Type"</th>
                        <th>"User"</th>
                        <th>"IP"</th>
                        <th>"Visitor"</th>
                        <th>"Score"</th>
                        <th>"Decision"</th>
                        <th>"Triggered rules"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
