//! Server functions of the dashboard. Each one checks who is asking (`guard`) and scopes
//! what it reads and changes to that account's role and tenant.

mod audit;
mod data;
mod events;
#[cfg(feature = "ssr")]
mod guard;
mod integrate;
mod keys;
mod lists;
mod overview;
mod reputation;
mod review;
mod rules;
mod session;
mod snoozes;
mod tenants;
mod webhooks;

pub use audit::*;
pub use data::*;
pub use events::*;
pub use integrate::*;
pub use keys::*;
pub use lists::*;
pub use overview::*;
pub use reputation::*;
pub use review::*;
pub use rules::*;
pub use session::*;
pub use snoozes::*;
pub use tenants::*;
pub use webhooks::*;

/// The message of a failed server function, as the page shows it.
pub fn error_message(e: &leptos::prelude::ServerFnError) -> String {
    match e {
        leptos::prelude::ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}
