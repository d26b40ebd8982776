use leptos::prelude::*;

use crate::api::{current_admin, Logout};
use crate::model::RoleView;

/// The signed-in page frame: top bar with the account and a sign-out button, then the page.
#[component]
pub fn Frame(title: &'static str, children: Children) -> impl IntoView {
    let admin = Resource::new(|| (), |_| current_admin());
    let logout = ServerAction::<Logout>::new();
    // Effects run only in the browser: the marker tells people's scripts and the browser
    // tests that forms now submit without a page load.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Doorman"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    admin.await.ok().flatten().map(|a| {
                        let scope = match a.role {
                            RoleView::SuperAdmin => "Super admin".to_string(),
                            RoleView::ClientAdmin => a.tenant_name.clone().unwrap_or_default(),
                        };
                        let links = match a.role {
                            RoleView::SuperAdmin => vec![
                                ("/admin", "Overview"),
                                ("/admin/clients", "Clients"),
                                ("/admin/events", "Events"),
                                ("/admin/global-rules", "Global rules"),
                                ("/admin/reputation", "Reputation"),
                                ("/admin/audit", "Audit log"),
                            ],
                            RoleView::ClientAdmin => vec![
                                ("/client-admin", "Overview"),
                                ("/client-admin/events", "Events"),
                                ("/client-admin/review", "Review"),
                                ("/client-admin/api-keys", "API keys"),
                                ("/client-admin/rules", "Rules"),
                                ("/client-admin/lists", "Lists"),
                                ("/client-admin/webhooks", "Webhooks"),
                                ("/client-admin/integrate", "Integrate"),
                                ("/client-admin/data", "Data"),
                                ("/client-admin/audit", "Audit log"),
                            ],
                        };
                        view! {
                            <nav class="areas">
                                {links.into_iter().map(|(href, label)| view! { <a href=href>{label}</a> }).collect_view()}
                            </nav>
                            <span class="account">
                                <span class="scope">{scope}</span>
                                <span class="email">{a.email}</span>
                            </span>
                        }
                    })
                })}
            </Transition>
            <ActionForm action=logout attr:class="logout">
                <button type="submit">"Sign out"</button>
            </ActionForm>
        </header>
        <main class="page" data-hydrated=move || hydrated.get().to_string()>
            <h1>{title}</h1>
            {children()}
        </main>
    }
}
