//! Proxies taken from the process's environment (`HTTPS_PROXY`,
//! `NO_PROXY`, …). These tests change the environment, so they live in a
//! test binary of their own and take turns (`clean_proxy_environment`).
//! Needs the `fake` and `notifications` features (both network paths are
//! checked).

#![cfg(all(feature = "fake", feature = "notifications"))]

// Helpers shared with the other test binaries (`tests/common/`): only the
// files this binary uses, so that nothing in them goes unused here.
#[path = "../common/proxying.rs"]
mod proxying;

mod environment;
mod no_proxy;
mod proxy;
