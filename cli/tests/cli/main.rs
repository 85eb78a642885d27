//! The real binary, run against a stand-in org started by each test.

mod admin;
mod auth;
mod auth_json;
mod browser;
mod concurrent_saves;
mod errors;
mod harness;
mod pipes;
mod presence;
mod profiles;
mod set;
mod shell;
mod streams;
mod watch;
