//! The real binary, run against a stand-in org started by each test.

mod auth;
mod browser;
mod harness;
mod presence;
mod shell;
