use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="" />
        <main class="page narrow">
            <h1>"Doorman"</h1>
            <p>"Self-hosted fraud detection for signup and login flows."</p>
            <ul class="links">
                <li><a href="/login">"Sign in to the dashboard"</a></li>
                <li><a href="/demo">"Try the demo signup page"</a></li>
            </ul>
        </main>
    }
}
