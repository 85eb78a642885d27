//! The stand-in org (`genesys_presence::fake`): its behaviour, its limits,
//! and the crate driven through it (threads sharing a session, misbehaving
//! proxies, every builder setting's bounds). Needs the `fake` feature; the
//! modules that also use channels and the WebSocket need `notifications`.

#![cfg(feature = "fake")]

// Helpers shared with the other test binaries (`tests/common/`): only the
// files this binary uses, so that nothing in them goes unused here.
#[path = "../common/config_errors.rs"]
mod config_errors;
#[cfg(feature = "notifications")]
#[path = "../common/proxying.rs"]
mod proxying;
#[cfg(feature = "notifications")]
#[path = "../common/wait.rs"]
mod wait;

mod concurrency;
mod fake;
#[cfg(feature = "notifications")]
mod fake_limits;
mod fake_sign_in;
mod gateway;
mod pacing;
#[cfg(feature = "notifications")]
mod proxy_faults;
mod settings_bounds;
mod sign_in_declined;
mod sign_in_flow;
mod sign_in_review;
