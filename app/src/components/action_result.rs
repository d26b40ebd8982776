use leptos::prelude::*;

/// The outcome of the last form submit: a confirmation, or the error in an alert.
#[component]
pub fn ActionResult(#[prop(into)] result: Signal<Option<Result<String, String>>>) -> impl IntoView {
    move || match result.get() {
        Some(Ok(message)) if !message.is_empty() => {
            Some(view! { <p class="ok" role="status">{message}</p> }.into_any())
        }
        Some(Err(message)) => Some(view! { <p class="error" role="alert">{message}</p> }.into_any()),
        _ => None,
    }
}

/// A server action's last result as [`ActionResult`] shows it: `done` on success.
pub fn outcome<T>(result: Option<Result<T, ServerFnError>>, done: &str) -> Option<Result<String, String>> {
    result.map(|r| r.map(|_| done.to_string()).map_err(|e| crate::api::error_message(&e)))
}
