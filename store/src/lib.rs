//! Doorman's persistence.
//!
//! One [`Store`] over either SQLite (the embedded default) or PostgreSQL, chosen by the
//! database URL. Both backends run the same SQL (`$1` placeholders, epoch-millisecond times,
//! text ids); each has its own migration folder so that they can diverge where they must.

mod db;
mod error;
pub mod ids;

pub mod admins;
pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod credentials;
pub mod erasure;
mod event_writer;
pub mod events;
pub mod export;
mod linkage;
pub mod overview;
pub mod packed_json;
mod page_cache;
mod principals;
mod read_connections;
pub mod reputation;
pub mod rescore;
pub mod retention;
pub mod review;
pub mod search;
pub mod settings;
pub mod shadow;
pub mod snoozes;
pub mod statistics;
mod stored_signals;
pub mod tenant_lists;
pub mod tenants;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
mod velocity;
pub mod visitors;
pub mod webhooks;

pub use db::{SqliteSync, Store};
pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch, UTC: the one time format the store keeps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
