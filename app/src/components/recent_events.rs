use leptos::prelude::*;

use super::{follow_live, merge_live, show_errors, EventsTable, MissedUpdates};
use crate::api::recent_events;
use crate::model::{EventRow, LiveUpdate};

/// The newest events the signed-in account may see: loaded with the page, then pushed by the
/// server as they are scored. `on_event` runs for each pushed event.
#[component]
pub fn RecentEvents(
    show_tenant: bool,
    #[prop(optional_no_strip)] detail_base: Option<&'static str>,
    #[prop(optional)] on_event: Option<Callback<()>>,
) -> impl IntoView {
    let events = Resource::new(|| (), |_| recent_events());
    let live = RwSignal::new(Vec::<EventRow>::new());
    let missed = follow_live(move |update| {
        if let LiveUpdate::Event { event } = update {
            live.update(|l| {
                l.insert(0, *event);
                l.truncate(50);
            });
            if let Some(on_event) = on_event {
                on_event.run(());
            }
        }
    });
    view! {
        <section class="recent-events" data-live-count=move || live.with(Vec::len).to_string()>
            <h2>"Recent events" <span class="live-dot" title="Updated as events are scored"></span></h2>
            <MissedUpdates missed />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || {
                        let fresh = live.get();
                        Suspend::new(async move {
                            events.await.map(|loaded| {
                                view! { <EventsTable events=merge_live(fresh, loaded, 50) show_tenant detail_base /> }
                            })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
