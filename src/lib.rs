//! A blocking client for the Genesys Cloud Presence API: read and set users'
//! presence, list system presences, and manage presence definitions, from a
//! plain program with no async runtime.
//!
//! ```
//! use genesys_presence::{presence_definitions, user, Session};
//!
//! fn main() -> Result<(), genesys_presence::Error> {
//! #   // As a test: the variables point at a local stand-in org.
//! #   #[cfg(not(feature = "fake"))]
//! #   return Ok(());
//! #   #[cfg(feature = "fake")]
//! #   let org = genesys_presence::fake::FakeOrg::start().expect("a stand-in org");
//! #   #[cfg(feature = "fake")]
//! #   {
//! #       org.add_user("3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44");
//! #       std::env::remove_var("GENESYSCLOUD_ACCESS_TOKEN");
//! #       std::env::set_var("GENESYSCLOUD_API_URL", org.base_url());
//! #       std::env::set_var("GENESYSCLOUD_OAUTHCLIENT_ID", org.client_id());
//! #       std::env::set_var("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret());
//! #   }
//!     // Reads GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and
//!     // GENESYSCLOUD_REGION (e.g. `eu-west-1`). Or, in code:
//!     // Session::builder().region(Region::EuWest1).client_credentials("my-client-id", "my-client-secret").build()?
//!     let session = Session::from_env()?;
//!     let user_id = "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44"; // a user of your org
//!
//!     let now = user::get_purecloud_presence(&session, user_id)?;
//!     println!("now {:?} {:?}", now.system_presence_name(), now.message);
//!
//!     // The presences a user can choose: Available, Busy, Away, and your org's own.
//!     for definition in presence_definitions::list(&session, &Default::default())?.entities {
//!         println!("{:?} ({:?})", definition.label("en_US"), definition.system_presence);
//!     }
//!
//!     // Set the user to Busy with a message; "Busy" may also be one of your
//!     // org's labels ("Lunch"). Only the presence and the message change.
//!     let after = user::set_presence_by_name(&session, user_id, "Busy", Some("Deep work until 3pm"))?;
//!     println!("now {:?} {:?}", after.system_presence_name(), after.message);
//! #   assert_eq!(after.system_presence_name(), Some(genesys_presence::SystemPresenceName::Busy));
//! #   assert_eq!(after.message.as_deref(), Some("Deep work until 3pm"));
//! #   assert_eq!(genesys_presence::system::list(&session)?.len(), 10);
//!     Ok(())
//! }
//! ```
//!
//! [`Session::from_env`] says which variables are missing.
//! `cargo run --example quickstart` does the same with no account, against a
//! local stand-in org.
//!
//! # Overview
//!
//! - [`Session`] holds the API URL, the credentials (OAuth client credentials,
//!   or a token you have) and the HTTP agent; build it with
//!   [`Session::builder`] or [`Session::from_env`]. Every [`Region`] is known.
//! - Operations are plain functions grouped by what they act on, one for each
//!   operation of the Presence API: [`system`], [`presence_definitions`] (and
//!   the legacy [`definitions`]), [`user`], [`sources`], [`settings`]. Each
//!   takes `&Session`. Outside the Presence API, [`users`] finds users' ids
//!   (by e-mail, or the signed-in user) and [`tokens`] reads or revokes the
//!   session's token.
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
//! On docs.rs, which documents every feature, each item that needs one
//! says which ("Available on crate feature `notifications` only").
//!
//! - `rustls` (default): HTTPS through rustls.
//! - `native-tls`: HTTPS through the system's TLS library instead.
//! - `notifications`: `watch`, a blocking iterator of
//!   presence changes over the Notifications API's WebSocket, and the
//!   `notifications` operations (channels, subscriptions); adds `tungstenite`.
//! - `fake`: `fake::FakeOrg`, a stateful stand-in Genesys org on
//!   127.0.0.1 for examples and your own tests (adds `tiny_http`, and
//!   `sha2` for PKCE; outside the semver promise); with
//!   `notifications`, it also serves channels and the WebSocket.

#![deny(missing_docs)]
// On docs.rs (which builds with every feature and `--cfg docsrs`, on
// nightly), each item gated on a feature is labelled with the feature it
// needs ("Available on crate feature `notifications` only"). `doc_cfg` on
// current nightlies also derives the labels from the items' `#[cfg]`s (it
// took over `doc_auto_cfg`, which no longer exists). Stable never sees it.
#![cfg_attr(docsrs, feature(doc_cfg))]
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
pub mod tokens;
pub mod user;
pub mod users;

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
    SystemPresenceName, TokenInfo, UcUserPresence, User, UserDetails, UserPresence, UserPrimarySource,
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
