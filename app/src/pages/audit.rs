use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::audit_log;
use crate::components::{show_errors, Frame};
use crate::model::format_utc;

/// Who changed what and when: all of it for a super admin, the own tenant for a client admin.
#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| audit_log(None));
    view! {
        <Title text="Audit log" />
        <Frame title="Audit log">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        entries.await.map(|entries| {
                            if entries.is_empty() {
                                return view! { <p class="empty">"Nothing changed yet."</p> }.into_any();
                            }
                            view! {
                                <div class="table-wrap">
                                    <table class="audit">
                                        <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"Tenant"</th><th>"Action"</th><th>"Target"</th><th>"Detail"</th></tr></thead>
                                        <tbody>
                                            {entries.into_iter().map(|e| view! {
                                                <tr>
                                                    <td class="time">{format_utc(e.at)}</td>
                                                    <td>{e.actor}</td>
                                                    <td class="mono">{e.tenant_slug.unwrap_or_default()}</td>
                                                    <td class="mono">{e.action}</td>
                                                    <td class="mono">{e.target}</td>
                                                    <td>{e.detail}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}
