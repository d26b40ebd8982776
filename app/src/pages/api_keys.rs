use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{error_message, list_api_keys, CreateApiKey, RevokeApiKey, RotateApiKey};
use crate::components::{show_errors, Frame};
use crate::model::{format_utc, ApiKeyRow};

/// The client admin's API keys: create one (its secret shown once), see when each was last
/// used, revoke.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let rotate = ServerAction::<RotateApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get(), rotate.version().get()),
        |_| list_api_keys(),
    );
    // A key's secret can only be shown by the hydrated page: without JavaScript the form
    // would create a key nobody ever sees, so it waits. Effects run only in the browser.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // The newest of a created or a rotated key is the one to show.
    let latest = move || match (create.value().get(), rotate.value().get()) {
        (Some(c), Some(r)) => Some(if create.version().get() >= rotate.version().get() { c } else { r }),
        (c, r) => c.or(r),
    };
    let created = move || {
        latest().map(|result| match result {
            Ok(key) => view! {
                <div class="card secret" role="status">
                    <p>"New key " <strong>{key.name}</strong> ". Copy it now: it is not shown again."</p>
                    <code id="new-key">{key.secret}</code>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_message(&e)}</p> }.into_any(),
        })
    };
    view! {
        <Title text="API keys" />
        <Frame title="API keys">
            <p class="hint">
                "Your backend sends these in the " <code>"x-api-key"</code>
                " header. Keep them on the server: never in a page or an app."
            </p>
            <ActionForm action=create attr:class="inline-form">
                <label>"Name " <input type="text" name="name" required maxlength="100" placeholder="production backend" /></label>
                <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>"Create key"</button>
            </ActionForm>
            {created}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        keys.await.map(|keys| view! { <KeysTable keys revoke rotate /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn KeysTable(
    keys: Vec<ApiKeyRow>,
    revoke: ServerAction<RevokeApiKey>,
    rotate: ServerAction<RotateApiKey>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No keys yet."</p> }.into_any();
    }
    let rows = keys
        .into_iter()
        .map(|k| {
            let live = k.live;
            let row_name = k.name.clone();
            let rotate_id = k.id.clone();
            let expiry = k.revoked_at.filter(|_| live).map(|at| {
                view! { <span class="expires">"works until " {format_utc(at)}</span> }
            });
            view! {
                <tr data-key-name=row_name>
                    <td>{k.name}</td>
                    <td class="mono">{k.prefix}"…"</td>
                    <td class="time">{format_utc(k.created_at)}</td>
                    <td class="time">{k.last_used_at.map(format_utc).unwrap_or_else(|| "never".into())}</td>
                    <td>
                        {if live {
                            view! {
                                {expiry}
                                <div class="key-actions">
                                    {k.revoked_at.is_none().then(|| view! {
                                        <ActionForm action=rotate attr:class="rotate">
                                            <input type="hidden" name="id" value=rotate_id />
                                            <label>"Old key works "
                                                <select name="grace_minutes">
                                                    <option value="0">"not at all"</option>
                                                    <option value="60" selected>"1 more hour"</option>
                                                    <option value="1440">"1 more day"</option>
                                                    <option value="10080">"7 more days"</option>
                                                </select>
                                            </label>
                                            <button type="submit">"Rotate"</button>
                                        </ActionForm>
                                    })}
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=k.id />
                                        <button type="submit" class="danger">"Revoke"</button>
                                    </ActionForm>
                                </div>
                            }
                            .into_any()
                        } else {
                            view! { <span class="revoked">"revoked " {k.revoked_at.map(format_utc)}</span> }.into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="keys">
                <thead>
                    <tr><th>"Name"</th><th>"Key"</th><th>"Created (UTC)"</th><th>"Last used"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
