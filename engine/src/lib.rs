//! Doorman's risk engine.
//!
//! Pure functions only, so that rules can be unit-tested, benchmarked and re-run on stored
//! events without a database: [`derive::derive`] turns an [`input::IngestRequest`] into
//! [`derive::Signals`]; the store adds the [`linkage::Linkage`] counts; [`score::assess`] runs
//! the rule catalog under a [`config::RuleConfig`] and returns an [`score::Assessment`].

pub mod config;
pub mod derive;
mod error;
pub mod feedback;
pub mod geo;
pub mod input;
pub mod json;
pub mod linkage;
pub mod lists;
pub mod reputation;
pub mod rules;
pub mod score;
pub mod velocity;

pub use error::EngineError;
