use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{error_message, Login};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="error" role="alert">{error_message(&e)}</p> })
    };
    view! {
        <Title text="Sign in" />
        <main class="page narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=login attr:class="card form">
                <label>"Email" <input type="email" name="email" autocomplete="username" required /></label>
                <label>"Password" <input type="password" name="password" autocomplete="current-password" required /></label>
                <button type="submit" disabled=move || login.pending().get()>"Sign in"</button>
                {error}
            </ActionForm>
        </main>
    }
}
