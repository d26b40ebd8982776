//! The `doorman` binary's library: configuration, the operator CLI, the HTTP API and the
//! wiring of the Leptos dashboard, kept in a library so integration tests can start the
//! same router the binary serves.

pub mod api;
pub mod browser_security;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod deadline;
pub mod demo;
pub mod error;
pub mod geo;
pub mod live;
pub mod metrics;
pub mod rate_limit;
pub mod reputation;
pub mod retention;
pub mod routes;
pub mod state;
pub mod statistics;
pub mod telemetry;
pub mod webhooks;
