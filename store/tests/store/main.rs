//! The store's integration tests, run on SQLite and on PostgreSQL. Each test gets its own
//! database: a SQLite file, or a PostgreSQL database created for it on the server at
//! `DOORMAN_TEST_POSTGRES_URL` (default: the local server on 127.0.0.1:5432).

mod flows;
mod lifecycle;
mod lists;
mod operators;
mod packing;
mod review;
mod search;
mod support;
mod upgrades;
mod velocity;
