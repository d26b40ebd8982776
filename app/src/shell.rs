use crate::model::RoleView;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::pages::{
    AdminHome, ApiKeysPage, AuditPage, ClientAdminHome, ClientsPage, DataPage, EventDetailPage, EventsPage,
    GlobalRulesPage, Home, IntegratePage, ListsPage, LoginPage, NotFound, ReputationPage, ReviewItemPage,
    ReviewPage, RulesPage, TenantPage, WebhooksPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/doorman.css" />
        <Title formatter=|page: String| if page.is_empty() { "Doorman".to_string() } else { format!("{page} · Doorman") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("") view=Home />
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/admin") view=AdminHome />
                <Route path=path!("/admin/clients") view=ClientsPage />
                <Route path=path!("/admin/clients/:slug") view=TenantPage />
                <Route path=path!("/admin/events") view=|| view! { <EventsPage role=RoleView::SuperAdmin /> } />
                <Route path=path!("/admin/audit") view=AuditPage />
                <Route path=path!("/admin/global-rules") view=GlobalRulesPage />
                <Route path=path!("/admin/reputation") view=ReputationPage />
                <Route path=path!("/client-admin") view=ClientAdminHome />
                <Route path=path!("/client-admin/api-keys") view=ApiKeysPage />
                <Route path=path!("/client-admin/events") view=|| view! { <EventsPage role=RoleView::ClientAdmin /> } />
                <Route path=path!("/client-admin/events/:id") view=EventDetailPage />
                <Route path=path!("/client-admin/review") view=ReviewPage />
                <Route path=path!("/client-admin/review/:id") view=ReviewItemPage />
                <Route path=path!("/client-admin/lists") view=ListsPage />
                <Route path=path!("/client-admin/rules") view=RulesPage />
                <Route path=path!("/client-admin/webhooks") view=WebhooksPage />
                <Route path=path!("/client-admin/integrate") view=IntegratePage />
                <Route path=path!("/client-admin/data") view=DataPage />
                <Route path=path!("/client-admin/audit") view=AuditPage />
            </Routes>
        </Router>
    }
}
