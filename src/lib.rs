//! A blocking client for the Genesys Cloud Presence API: read and set users'
//! presence, list system presences, and manage presence definitions, from a
//! plain program with no async runtime.
//!
//! ```
//! use genesys_presence::{system, user, PresenceDefinition, Session, UserPresence};
//! # let org = genesys_presence::fake::FakeOrg::start()?;
//! # let (client_id, client_secret) = (org.client_id(), org.client_secret());
//! # let user_id = org.user_ids()[0].clone();
//!
//! let session = Session::builder()
//!     # .base_url(org.base_url())
//!     .client_credentials(client_id, client_secret)   // or .access_token(..)
//!     .build()?;
//!
//! let before = user::get_purecloud_presence(&session, &user_id)?;
//! println!("now {:?}", before.system_presence_name());
//!
//! // Set the user to Busy with a message: only the fields sent change.
//! let busy = genesys_presence::definitions::list_all(&session, &Default::default())?
//!     .into_iter()
//!     .find(|d| d.system_presence.as_deref() == Some("Busy"))
//!     .and_then(|d| d.id)
//!     .expect("every org has a Busy definition");
//! let after = user::update_purecloud_presence(&session, &user_id, &UserPresence {
//!     presence_definition: Some(PresenceDefinition::with_id(busy)),
//!     message: Some("Deep work until 3pm".into()),
//!     ..Default::default()
//! })?;
//! assert_eq!(after.message.as_deref(), Some("Deep work until 3pm"));
//! # assert_eq!(system::list(&session)?.len(), 10);
//! # Ok::<(), genesys_presence::Error>(())
//! ```
//!
//! # Overview
//!
//! - [`Session`] holds the API URL, the credentials (OAuth client credentials,
//!   or a token you have) and the HTTP agent; build it with
//!   [`Session::builder`] or [`Session::from_env`]. Every [`Region`] is known.
//! - Operations are plain functions grouped by what they act on, one for each
//!   operation of the Presence API: [`system`], [`presence_definitions`] (and
//!   the legacy [`definitions`]), [`user`], [`sources`], [`settings`]. Each
//!   takes `&Session`.
//! - Beyond the official SDKs: [`user::set_presence_by_name`], bulk reads and
//!   updates of any size, [`definitions::iter`], client-side pacing.
//! - Rate limits (`429`), gateway errors and lost connections are retried per
//!   [`RetryPolicy`], never replaying a write the server may have applied;
//!   every call has timeouts and a response size limit.
//! - Models ([`models`]) are plain structs with `Option` fields; fields this
//!   crate does not know are kept, so a read-modify-write loses nothing.
//! - One network path: token requests, API calls and the WebSocket of
//!   `watch` all go through the session's `ureq` agent, so a proxy from
//!   `HTTPS_PROXY`/`ALL_PROXY`/`HTTP_PROXY` (minus `NO_PROXY`) or one set on
//!   your own agent ([`SessionBuilder::agent`]), and that agent's TLS roots
//!   and client certificate, apply to all three.
//! - Every failure is an [`Error`] with the HTTP status, the Genesys error
//!   code and message, and the correlation id; nothing panics on any answer.
//!
//! # Crate features
//!
//! - `rustls` (default): HTTPS through rustls.
//! - `native-tls`: HTTPS through the system's TLS library instead.
//! - `notifications`: `watch`, a blocking iterator of
//!   presence changes over the Notifications API's WebSocket, and the
//!   `notifications` operations (channels, subscriptions); adds `tungstenite`.
//! - `fake`: `fake::FakeOrg`, a stateful stand-in Genesys org on
//!   127.0.0.1 for examples and your own tests (adds `tiny_http`); with
//!   `notifications`, it also serves channels and the WebSocket.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// Layers, each using only those above it in this list (bottom first):
// values and errors, the network path, sign-in, the session, the request
// path, the operations, then the conveniences built on them.
mod args;
mod error;
pub mod models;
mod random;
mod region;
mod retry;
mod secret;

mod transport;

mod auth;

mod definitions_cache;
mod session;

mod request;

pub mod definitions;
#[cfg(feature = "notifications")]
pub mod notifications;
pub mod presence_definitions;
pub mod settings;
pub mod sources;
pub mod system;
pub mod user;

#[cfg(feature = "fake")]
pub mod fake;
#[cfg(feature = "notifications")]
pub mod watch;

pub use definitions_cache::DEFAULT_DEFINITIONS_CACHE_TTL;
#[cfg(feature = "notifications")]
pub use error::WatchErrorKind;
pub use error::{Error, Result, TransportKind};
#[cfg(feature = "notifications")]
pub use models::{Channel, ChannelTopic, EventOrigin, PresenceEvent};
pub use models::{
    ErrorBody, OrganizationPresence, OrganizationPresenceDefinition,
    OrganizationPresenceDefinitionEntityListing, OrganizationPresenceEntityListing, PresenceDefinition,
    PresenceExpand, PresenceSettings, RestorePresenceSettings, Source, SourceEntityListing, SystemPresence,
    SystemPresenceName, UcUserPresence, User, UserPresence, UserPrimarySource,
};
pub use region::Region;
pub use retry::RetryPolicy;
pub use session::{Session, SessionBuilder};
pub use transport::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT};

/// The README's examples, compiled as doctests so that they stay true (in
/// builds with TLS, as the README assumes: one uses `ureq::tls`).
#[cfg(all(doctest, any(feature = "rustls", feature = "native-tls")))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
