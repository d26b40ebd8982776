//! Following the server's live feed (`/live`, server-sent events) from a hydrated page.

use leptos::prelude::*;

use crate::model::LiveUpdate;

/// Calls `on_update` with each update the server pushes while the page is open. The signal
/// it gives counts what the page missed: updates the server dropped because the page fell
/// behind, or at least one when the connection broke and the browser reconnected.
pub fn follow_live(on_update: impl Fn(LiveUpdate) + 'static) -> ReadSignal<u64> {
    let (missed, set_missed) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        let on_update = std::rc::Rc::new(on_update);
        Effect::new(move |_| {
            let Ok(source) = web_sys::EventSource::new("/live") else { return };
            let on_update = on_update.clone();
            let on_message =
                Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                    let Some(text) = e.data().as_string() else { return };
                    // Each message is the updates since the last, oldest first.
                    for update in serde_json::from_str::<Vec<LiveUpdate>>(&text).unwrap_or_default() {
                        match update {
                            LiveUpdate::Missed { count } => set_missed.update(|m| *m += count),
                            update => on_update(update),
                        }
                    }
                });
            let opened = std::rc::Rc::new(std::cell::Cell::new(false));
            let on_open = {
                let opened = opened.clone();
                Closure::<dyn FnMut()>::new(move || opened.set(true))
            };
            let on_error = Closure::<dyn FnMut()>::new(move || {
                if opened.replace(false) {
                    set_missed.update(|m| *m = (*m).max(1));
                }
            });
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            let held = SendWrapper::new((source, on_message, on_open, on_error));
            on_cleanup(move || held.0.close());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (on_update, set_missed);
    missed
}

/// Says that live updates were missed, with a way to catch up.
#[component]
pub fn MissedUpdates(missed: ReadSignal<u64>) -> impl IntoView {
    move || {
        (missed.get() > 0).then(|| {
            view! {
                <p class="warning live-missed" role="status">
                    "Some live updates did not reach this page. "
                    <a href="" on:click=|_| reload()>"Refresh"</a>
                </p>
            }
        })
    }
}

fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Runs `action` at most once a second however many updates arrive: a burst of events
/// refreshes counters and charts once, a second after it began.
pub fn throttled(
    action: impl Fn() + Clone + Send + Sync + 'static,
) -> impl Fn() + Clone + Send + Sync + 'static {
    let pending = RwSignal::new(false);
    move || {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let action = action.clone();
        set_timeout(
            move || {
                pending.set(false);
                action();
            },
            std::time::Duration::from_secs(1),
        );
    }
}

/// Events pushed live ahead of those loaded with the page, newest first, each once.
pub fn merge_live(
    live: Vec<crate::model::EventRow>,
    loaded: Vec<crate::model::EventRow>,
    cap: usize,
) -> Vec<crate::model::EventRow> {
    let pushed: std::collections::HashSet<String> = live.iter().map(|e| e.id.clone()).collect();
    let mut all = live;
    all.extend(loaded.into_iter().filter(|e| !pushed.contains(&e.id)));
    all.truncate(cap);
    all
}
