//! Notification channels and the watcher: against the stand-in org, and
//! against scripted REST and WebSocket servers that misbehave on purpose;
//! TLS and plain connections on both network paths (REST and WebSocket).
//! Needs the `notifications` feature; what uses the stand-in org also needs
//! `fake`.

#![cfg(feature = "notifications")]

// Helpers shared with the other test binaries (`tests/common/`): only the
// files this binary uses, so that nothing in them goes unused here.
#[macro_use]
#[path = "../common/mock.rs"]
mod mock;
#[path = "../common/network.rs"]
mod network;
#[path = "../common/proxying.rs"]
mod proxying;
#[path = "../common/script_server.rs"]
mod script_server;
#[path = "../common/wait.rs"]
mod wait;

#[cfg(feature = "fake")]
mod gateway;
mod https_only;
mod no_tls;
mod notifications;
mod tls_failures;
#[cfg(feature = "fake")]
mod watch;
mod watch_dates;
mod watch_headers;
#[cfg(feature = "fake")]
mod watch_hostile;
mod watch_limits;
mod watch_review;
mod watch_script;
mod websocket_tls;
