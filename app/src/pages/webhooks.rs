use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{error_message, list_webhooks, CreateWebhook, DeleteWebhook};
use crate::components::{show_errors, Frame};
use crate::model::{format_utc, WebhookView};

/// The client admin's webhooks: register a URL for BLOCK and/or CHALLENGE decisions (its
/// signing secret shown once), see how deliveries went, remove.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let hooks = Resource::new(move || (create.version().get(), delete.version().get()), |_| list_webhooks());
    // As with API keys, a secret can only be shown by the hydrated page.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let created = move || {
        create.value().get().map(|result| match result {
            Ok(hook) => view! {
                <div class="card secret" role="status">
                    <p>"Webhook for " <strong>{hook.url}</strong> " added. Its signing secret, shown only now:"</p>
                    <code id="new-secret">{hook.secret}</code>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_message(&e)}</p> }.into_any(),
        })
    };
    view! {
        <Title text="Webhooks" />
        <Frame title="Webhooks">
            <p class="hint">
                "Doorman posts each chosen decision to your URL as JSON, signed in the "
                <code>"Doorman-Signature"</code> " header (" <code>"t=…,v1=…"</code>
                ": HMAC-SHA256 of " <code>"t.body"</code>
                " with the secret). A failed delivery is retried for a few hours."
            </p>
            <ActionForm action=create attr:class="inline-form" attr:id="add-webhook">
                <label>"URL " <input type="url" name="url" required maxlength="2048" placeholder="https://api.example.com/doorman" /></label>
                <label><input type="checkbox" name="block" value="on" checked /> " BLOCK"</label>
                <label><input type="checkbox" name="challenge" value="on" /> " CHALLENGE"</label>
                <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>"Add webhook"</button>
            </ActionForm>
            {created}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { hooks.await.map(|hooks| view! { <HooksTable hooks delete /> }) })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn HooksTable(hooks: Vec<WebhookView>, delete: ServerAction<DeleteWebhook>) -> impl IntoView {
    if hooks.is_empty() {
        return view! { <p class="empty">"No webhooks."</p> }.into_any();
    }
    let rows = hooks
        .into_iter()
        .map(|h| {
            let marker = h.url.clone();
            view! {
                <tr data-webhook=marker>
                    <td class="mono">{h.url}</td>
                    <td>{h.decisions.replace(',', ", ")}</td>
                    <td class="time">{format_utc(h.created_at)}</td>
                    <td class="num">{h.delivered}</td>
                    <td class="num">{h.pending}</td>
                    <td class="num">{h.failed}</td>
                    <td class="error-text">{h.last_error.unwrap_or_default()}</td>
                    <td>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=h.id />
                            <button type="submit" class="danger">"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="webhooks">
                <thead>
                    <tr><th>"URL"</th><th>"Decisions"</th><th>"Added (UTC)"</th><th>"Delivered"</th><th>"Pending"</th><th>"Failed"</th><th>"Last error"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
