use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{
    tenant_detail, tenant_retention, CreateClientAdmin, RenameTenant, ResetClientAdminPassword,
    SetClientAdminDisabled, SetRetentionCeiling,
};
use crate::components::{outcome, show_errors, ActionResult, Frame};
use crate::model::{format_utc, AdminAccountRow};

/// One tenant for the super admin: rename it, and create, disable or reset its client admins.
#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let rename = ServerAction::<RenameTenant>::new();
    let create = ServerAction::<CreateClientAdmin>::new();
    let disable = ServerAction::<SetClientAdminDisabled>::new();
    let reset = ServerAction::<ResetClientAdminPassword>::new();
    let detail = Resource::new(
        move || (slug(), rename.version().get(), create.version().get(), disable.version().get()),
        |(slug, ..)| tenant_detail(slug),
    );
    view! {
        <Title text="Tenant" />
        <Frame title="Tenant">
            <p><a href="/admin/clients">"← All clients"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        detail.await.map(|(tenant, admins)| {
                            let slug = tenant.slug.clone();
                            let (slug_for_rename, slug_for_admins) = (slug.clone(), slug.clone());
                            view! {
                                <section class="card">
                                    <h2>{tenant.name.clone()} " " <span class="mono">"(" {tenant.slug.clone()} ")"</span></h2>
                                    <p>"Status: " <span class="status">{tenant.status.clone()}</span> " · created " {format_utc(tenant.created_at)} " UTC"</p>
                                    <ActionForm action=rename attr:class="inline-form">
                                        <input type="hidden" name="slug" value=slug_for_rename />
                                        <label>"Name " <input type="text" name="name" required maxlength="100" value=tenant.name /></label>
                                        <button type="submit">"Rename"</button>
                                    </ActionForm>
                                    <ActionResult result=Signal::derive(move || outcome(rename.value().get(), "Renamed.")) />
                                </section>
                                <section class="card">
                                    <h2>"Client admins"</h2>
                                    <AdminsTable admins slug=slug_for_admins disable reset />
                                    <ActionResult result=Signal::derive(move || outcome(disable.value().get(), "Saved.")) />
                                    <ActionResult result=Signal::derive(move || outcome(reset.value().get(), "Password reset; the account was signed out everywhere.")) />
                                    <h3>"New client admin"</h3>
                                    <ActionForm action=create attr:class="inline-form">
                                        <input type="hidden" name="slug" value=slug />
                                        <label>"Email " <input type="email" name="email" required /></label>
                                        <label>"Password " <input type="password" name="password" required minlength="12" autocomplete="new-password" /></label>
                                        <button type="submit">"Create client admin"</button>
                                    </ActionForm>
                                    <ActionResult result=Signal::derive(move || outcome(create.value().get(), "Client admin created.")) />
                                </section>
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <RetentionCeiling slug=Signal::derive(slug) />
        </Frame>
    }
}

/// The longest a tenant may keep its events, and what its purge has removed.
#[component]
fn RetentionCeiling(slug: Signal<String>) -> impl IntoView {
    let ceiling = ServerAction::<SetRetentionCeiling>::new();
    let policy =
        Resource::new(move || (slug.get(), ceiling.version().get()), |(slug, _)| tenant_retention(slug));
    view! {
        <section class="card">
            <h2>"Data retention"</h2>
            <Transition fallback=|| ()>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        policy.await.map(|p| view! {
                            <p>
                                "Events are kept " <strong class="retention-days">{p.retention_days}</strong> " days (the tenant's choice), at most "
                                <strong>{p.max_retention_days}</strong> " days. Purged so far: " {p.purged_events} " events"
                                {p.last_purge_at.map(|at| format!(", last purge {} UTC", format_utc(at)))} "."
                            </p>
                            <ActionForm action=ceiling attr:class="inline-form">
                                <input type="hidden" name="slug" value=slug.get_untracked() />
                                <label>"Longest retention (days) " <input type="number" name="days" min="1" max="3650" required value=p.max_retention_days /></label>
                                <button type="submit">"Set ceiling"</button>
                            </ActionForm>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <ActionResult result=Signal::derive(move || outcome(ceiling.value().get(), "Ceiling saved.")) />
        </section>
    }
}

#[component]
fn AdminsTable(
    admins: Vec<AdminAccountRow>,
    slug: String,
    disable: ServerAction<SetClientAdminDisabled>,
    reset: ServerAction<ResetClientAdminPassword>,
) -> impl IntoView {
    if admins.is_empty() {
        return view! { <p class="empty">"No client admins yet."</p> }.into_any();
    }
    let rows = admins
        .into_iter()
        .map(|a| {
            let (slug, slug2, id, id2) = (slug.clone(), slug.clone(), a.id.clone(), a.id.clone());
            let row_email = a.email.clone();
            view! {
                <tr data-admin=row_email>
                    <td>{a.email}</td>
                    <td>{if a.disabled { "disabled" } else { "active" }}</td>
                    <td class="time">{format_utc(a.created_at)}</td>
                    <td>
                        <ActionForm action=disable>
                            <input type="hidden" name="slug" value=slug />
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="disabled" value=(!a.disabled).to_string() />
                            <button type="submit" class=if a.disabled { "" } else { "danger" }>
                                {if a.disabled { "Enable" } else { "Disable" }}
                            </button>
                        </ActionForm>
                    </td>
                    <td>
                        <ActionForm action=reset attr:class="inline-form">
                            <input type="hidden" name="slug" value=slug2 />
                            <input type="hidden" name="id" value=id2 />
                            <input type="password" name="password" required minlength="12" placeholder="new password" autocomplete="new-password" />
                            <button type="submit">"Reset password"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="admins">
                <thead><tr><th>"Email"</th><th>"Status"</th><th>"Created (UTC)"</th><th></th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
