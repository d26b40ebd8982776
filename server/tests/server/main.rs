//! Integration tests of the `doorman` server: one test binary (it links once), each test on
//! its own SQLite file and a real HTTP server on a random loopback port.

mod acceptance;
mod cli;
mod dashboard;
mod deadline;
mod demo;
mod flows;
mod harness;
mod ingest;
mod keys;
mod lifecycle;
mod lists;
mod openapi;
mod operators;
mod overview;
mod replay;
mod reputation;
mod review;
mod rules;
mod scale;
mod velocity;
mod webhooks;
