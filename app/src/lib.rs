//! Doorman's dashboard: a Leptos app rendered on the server (feature `ssr`) and hydrated in
//! the browser (feature `hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod components;
#[cfg(feature = "ssr")]
pub mod live;
pub mod model;
pub mod pages;
mod shell;

pub use shell::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
