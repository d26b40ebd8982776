use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{error_message, list_tenants, CreateTenant, SetTenantActive};
use crate::components::{show_errors, ActionResult, Frame};
use crate::model::{format_utc, TenantRow};

/// The super admin's tenants: create, suspend or reactivate, open one to rename it and
/// manage its client admins.
#[component]
pub fn ClientsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let set_active = ServerAction::<SetTenantActive>::new();
    let tenants =
        Resource::new(move || (create.version().get(), set_active.version().get()), |_| list_tenants());
    let created = Signal::derive(move || {
        create
            .value()
            .get()
            .map(|r| r.map(|t| format!("Tenant {} created.", t.slug)).map_err(|e| error_message(&e)))
    });
    view! {
        <Title text="Clients" />
        <Frame title="Clients">
            <section class="card">
                <h2>"New tenant"</h2>
                <ActionForm action=create attr:class="inline-form">
                    <label>"Name " <input type="text" name="name" required maxlength="100" placeholder="Acme Inc." /></label>
                    <label>"Slug " <input type="text" name="slug" required pattern="[a-z0-9][a-z0-9-]*[a-z0-9]" maxlength="40" placeholder="acme" /></label>
                    <button type="submit" disabled=move || create.pending().get()>"Create tenant"</button>
                </ActionForm>
                <ActionResult result=created />
            </section>
            <ActionResult result=Signal::derive(move || set_active.value().get().map(|r| r.map(|_| String::new()).map_err(|e| error_message(&e)))) />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        tenants.await.map(|tenants| view! { <TenantsTable tenants set_active /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

#[component]
fn TenantsTable(tenants: Vec<TenantRow>, set_active: ServerAction<SetTenantActive>) -> impl IntoView {
    if tenants.is_empty() {
        return view! { <p class="empty">"No tenants yet."</p> }.into_any();
    }
    let rows = tenants
        .into_iter()
        .map(|t| {
            let active = t.status == "ACTIVE";
            let href = format!("/admin/clients/{}", t.slug);
            let status_class = if active { "status active" } else { "status suspended" };
            let (row_slug, link_text) = (t.slug.clone(), t.slug.clone());
            view! {
                <tr data-tenant=row_slug>
                    <td class="mono"><a href=href>{link_text}</a></td>
                    <td>{t.name}</td>
                    <td><span class=status_class>{t.status}</span></td>
                    <td class="time">{format_utc(t.created_at)}</td>
                    <td>
                        <ActionForm action=set_active>
                            <input type="hidden" name="slug" value=t.slug />
                            <input type="hidden" name="active" value=(!active).to_string() />
                            <button type="submit" class=if active { "danger" } else { "" }>
                                {if active { "Suspend" } else { "Reactivate" }}
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="tenants">
                <thead><tr><th>"Slug"</th><th>"Name"</th><th>"Status"</th><th>"Created (UTC)"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
