use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{error_message, retention, EraseUser, SetRetention};
use crate::components::{outcome, show_errors, ActionResult, Frame};
use crate::model::format_utc;

/// The client admin's stored data: how long events are kept, and erasure of one end user
/// on request (the API offers the same, and the export).
#[component]
pub fn DataPage() -> impl IntoView {
    let set = ServerAction::<SetRetention>::new();
    let erase = ServerAction::<EraseUser>::new();
    let policy = Resource::new(move || (set.version().get(), erase.version().get()), |_| retention());
    let erased = move || {
        erase.value().get().map(|result| match result {
            Ok(e) => view! {
                <p class="ok" role="status">
                    "Erased " <strong>{e.user}</strong> ": " {e.events} " events, " {e.device_links}
                    " device links and " {e.visitors} " devices removed."
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_message(&e)}</p> }.into_any(),
        })
    };
    view! {
        <Title text="Data" />
        <Frame title="Data and privacy">
            <section class="card">
                <h2>"Retention"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    <ErrorBoundary fallback=show_errors>
                        {move || Suspend::new(async move {
                            policy.await.map(|p| view! {
                                <p>
                                    "Events older than " <strong class="retention-days">{p.retention_days}</strong>
                                    " days are deleted with their device links, in the background. Removed so far: "
                                    <strong class="purged">{p.purged_events}</strong> " events"
                                    {p.last_purge_at.map(|at| format!(" (last purge {} UTC)", format_utc(at)))} "."
                                </p>
                                <ActionForm action=set attr:class="inline-form">
                                    <label>"Keep events for (days) "
                                        <input type="number" name="days" min="1" max=p.max_retention_days required value=p.retention_days />
                                    </label>
                                    <button type="submit">"Save"</button>
                                    <span class="hint">"at most " {p.max_retention_days} " days"</span>
                                </ActionForm>
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
                <ActionResult result=Signal::derive(move || outcome(set.value().get(), "Retention saved.")) />
            </section>
            <section class="card">
                <h2>"Erase a user"</h2>
                <p class="hint">
                    "Removes every event, device link and device of one of your users, by the "
                    <code>"externalUserId"</code> " your backend sends (or the email, when it sends none). "
                    "This cannot be undone. Your backend can do the same with "
                    <code>"DELETE /api/v1/users/{id}"</code> ", and export first with "
                    <code>"GET /api/v1/users/{id}/export"</code> "."
                </p>
                <ActionForm action=erase attr:class="inline-form">
                    <label>"User " <input type="text" name="user" required maxlength="256" placeholder="user-123 or ada@example.com" /></label>
                    <button type="submit" class="danger">"Erase"</button>
                </ActionForm>
                {erased}
            </section>
        </Frame>
    }
}
