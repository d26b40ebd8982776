//! Doorman's browser collector.
//!
//! Natively this crate is the payload types ([`payload`]) that the collector produces and the
//! server parses, and the collector's pure logic ([`hash`], [`sampling`], [`headless`], [`driving`],
//! [`consistency`]), tested here. Built for `wasm32`, it is the collector itself (`browser`),
//! which client pages load with `Doorman.load()` from `public/collector/doorman.js`.
//!
//! The wasm build is `no_std`: std's allocator, panic messages and formatting machinery were a
//! third of the download, and the collector needs none of them. It builds the payload as
//! JavaScript objects, so the serde types are native only.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod consistency;
pub mod driving;
pub mod hash;
pub mod headless;
#[cfg(not(target_arch = "wasm32"))]
pub mod payload;
pub mod sampling;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod browser;
