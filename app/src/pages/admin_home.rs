use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_tenants;
use crate::components::{show_errors, Frame, RecentEvents};
use crate::model::format_utc;

/// The super admin's start: tenants and the newest events of all of them.
#[component]
pub fn AdminHome() -> impl IntoView {
    let tenants = Resource::new(|| (), |_| list_tenants());
    view! {
        <Title text="Admin" />
        <Frame title="Super admin">
            <section>
                <h2>"Tenants"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    <ErrorBoundary fallback=show_errors>
                        {move || Suspend::new(async move {
                            tenants.await.map(|tenants| view! {
                                <table class="tenants">
                                    <thead><tr><th>"Slug"</th><th>"Name"</th><th>"Status"</th><th>"Created (UTC)"</th></tr></thead>
                                    <tbody>
                                        {tenants.into_iter().map(|t| view! {
                                            <tr><td class="mono">{t.slug}</td><td>{t.name}</td><td>{t.status}</td><td>{format_utc(t.created_at)}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <RecentEvents show_tenant=true />
        </Frame>
    }
}
