use leptos::prelude::*;

use super::{show_errors, EventsTable};
use crate::api::recent_events;

/// The newest events the signed-in account may see, loaded from the server.
#[component]
pub fn RecentEvents(
    show_tenant: bool,
    #[prop(optional_no_strip)] detail_base: Option<&'static str>,
) -> impl IntoView {
    let events = Resource::new(|| (), |_| recent_events());
    view! {
        <section>
            <h2>"Recent events"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        events.await.map(|events| view! { <EventsTable events show_tenant detail_base /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
