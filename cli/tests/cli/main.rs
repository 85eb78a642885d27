//! The real binary, run against a stand-in org started by each test.

mod harness;
mod presence;
