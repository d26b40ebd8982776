use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Frame, RecentEvents};

/// The client admin's start: the newest events of their tenant.
#[component]
pub fn ClientAdminHome() -> impl IntoView {
    view! {
        <Title text="Overview" />
        <Frame title="Overview">
            <RecentEvents show_tenant=false detail_base=Some("/client-admin/events") />
        </Frame>
    }
}
