//! Doorman's browser collector.
//!
//! Natively this crate is the payload types ([`payload`]) that the collector produces and the
//! server parses, and the collector's pure logic ([`hash`], [`sampling`], [`headless`],
//! [`consistency`]), tested here. Built
//! for `wasm32`, it is also the collector itself (`browser`), which client pages load with
//! `Doorman.load()` from `public/collector/doorman.js`.

pub mod consistency;
pub mod hash;
pub mod headless;
pub mod payload;
pub mod sampling;

#[cfg(target_arch = "wasm32")]
mod browser;
