//! The load generator's simulated traffic, also replayed by the server's decision-replay test
//! (`server/tests/server/replay.rs`), so that a change meant to be invisible is checked against
//! the very traffic it is measured with.

pub mod traffic;
