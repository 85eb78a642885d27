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
//!   code and message, and the correlation id; nothing panics on any answer
//!   (see [Errors](#errors)).
//!
//! # Errors
//!
//! [`Error`] is opaque, so that it can grow: [`Error::kind`] says what
//! happened (an [`ErrorKind`], `#[non_exhaustive]`), accessors give the
//! context ([`status`](Error::status), [`code`](Error::code),
//! [`correlation_id`](Error::correlation_id),
//! [`retry_after`](Error::retry_after), [`attempts`](Error::attempts),
//! [`argument`](Error::argument), [`bulk`](Error::bulk), …), and predicates
//! answer what callers usually ask: [`is_not_found`](Error::is_not_found),
//! [`is_rate_limited`](Error::is_rate_limited), [`is_auth`](Error::is_auth),
//! [`is_timeout`](Error::is_timeout), and
//! [`is_retryable`](Error::is_retryable) (whether trying again later could
//! help).
//!
//! ```
//! use genesys_presence::{user, ErrorKind, Session, UserPresence};
//!
//! /// The presence, `None` for a user that does not exist; other failures
//! /// are the caller's, except one that invites a second try.
//! fn presence_of(session: &Session, user_id: &str) -> genesys_presence::Result<Option<UserPresence>> {
//!     match user::get_purecloud_presence(session, user_id) {
//!         Ok(presence) => Ok(Some(presence)),
//!         Err(e) if e.is_not_found() => Ok(None),
//!         Err(e) if e.is_retryable() => {
//!             std::thread::sleep(e.retry_after().unwrap_or(std::time::Duration::from_secs(1)));
//!             user::get_purecloud_presence(session, user_id).map(Some)
//!         }
//!         Err(e) if e.kind() == ErrorKind::InvalidInput => {
//!             eprintln!("bad {:?}: {e}", e.argument());
//!             Err(e)
//!         }
//!         Err(e) => Err(e),
//!     }
//! }
//! ```
//!
//! # Authentication
//!
//! | Way | Builder | Official SDKs |
//! |---|---|---|
//! | Client credentials | [`SessionBuilder::client_credentials`] | Python `get_client_credentials_token`, Node `loginClientCredentialsGrant` |
//! | A token you have | [`SessionBuilder::access_token`] | `set_access_token` |
//! | Authorization code | [`SessionBuilder::authorization_code`] | Python `get_code_authorization_token`, Node `loginCodeAuthorizationGrant` |
//! | PKCE | [`SessionBuilder::pkce_authorization_code`], `sign_in::LoopbackSignIn` (feature `sign-in`) | Python `get_pkce_token`, Node `authorizePKCEGrant` |
//! | Refresh token | [`SessionBuilder::refresh_token`] (automatic after the code grants) | Python `refresh_code_authorization_token`, Node `refreshCodeAuthorizationGrant` |
//! | SAML2 bearer | [`SessionBuilder::saml2_bearer`] | Python `get_saml2bearer_token`, Node `loginSaml2BearerGrant` |
//! | Stored tokens | [`SessionBuilder::tokens`] with [`StoredTokens`], [`SessionBuilder::on_new_tokens`] | — |
//!
//! The implicit grant (Node `loginImplicitGrant`) returns the token in the
//! redirect's fragment, which only a browser page can read: it is not
//! implemented; programs use PKCE.
//!
//! ## Signing in as a person
//!
//! With the `sign-in` feature, `sign_in::LoopbackSignIn` listens on
//! `127.0.0.1`, gives you the address to open in the browser, checks the
//! redirect's `state`, and exchanges the code with a PKCE verifier from the
//! system's secure random source. The session then renews the token with the
//! refresh token; when the login service refuses it,
//! [`Error::is_sign_in_required`] is true and the person signs in again.
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
//! - `sign-in`: `sign_in`, PKCE verifiers and the loopback sign-in helper
//!   (adds `getrandom` and `sha2`).
//!
//! # Versioning and MSRV
//!
//! The crate follows [semantic versioning](https://semver.org). Before 1.0
//! the middle number is the breaking one: 0.1.x releases are compatible
//! with each other, 0.2 is not. A *non-breaking release* below is one Cargo
//! upgrades to on its own (0.1.3 → 0.1.4 today, 1.2 → 1.3 after 1.0).
//!
//! A non-breaking release may add:
//! - fields to every model, request and response alike;
//! - values to every public enum (they are all `#[non_exhaustive]`), the
//!   error's `ErrorKind` included, and system presences to
//!   [`SystemPresenceName::KNOWN`];
//! - functions, methods, builder settings, constants and trait impls.
//!
//! Code written like this keeps compiling across them:
//! - Build request models, and models you read and send back
//!   ([`UserPresence`], [`OrganizationPresenceDefinition`],
//!   [`PresenceSettings`], …), with `..Default::default()`, never naming
//!   every field. Models only answers carry (listings, [`SystemPresence`],
//!   `PresenceEvent`, …) are `#[non_exhaustive]`: read their fields, match
//!   them with `..`; in tests, decode one from JSON or set the fields of
//!   `Default::default()`.
//! - Give every `match` on an enum of this crate a `_ =>` arm.
//! - Branch on an error with [`Error::kind`] (a `#[non_exhaustive]`
//!   [`ErrorKind`]), its accessors ([`Error::status`], [`Error::code`],
//!   [`Error::retry_after`], [`Error::attempts`], …) and its predicates
//!   ([`Error::is_rate_limited`], [`Error::is_not_found`],
//!   [`Error::is_auth`], [`Error::is_retryable`]), not on its internals. The text of
//!   `Display` and `Debug` output, and the types behind `Error::source()`,
//!   may change in any release.
//! - Configure with the builders ([`SessionBuilder`], [`RetryPolicy`],
//!   `WatchBuilder`, the query types): their settings are methods, so a new
//!   one breaks nothing.
//!
//! Outside the promise: the `fake` module (feature `fake`), the stand-in org
//! for tests and examples, may change in any release, a patch included; pin
//! an exact version (`=0.1.3`) if your tests depend on its details.
//!
//! Public dependencies: [`SessionBuilder::agent`] takes a `ureq::Agent`, so
//! ureq is part of this crate's API. Build the agent from [`ureq`] as this
//! crate re-exports it (`genesys_presence::ureq`): it is always the version
//! the session links. Moving to a new major version of ureq (3 → 4) is a
//! breaking release of this crate; a non-breaking one may require a later
//! ureq 3.x. The same holds for `serde` and `serde_json` (models implement
//! their traits; `extra` is a `serde_json::Map`).
//!
//! MSRV: Rust 1.85 (`rust-version` in `Cargo.toml`); CI builds the library,
//! tests, examples and benches with 1.85.0. Raising it is never a patch
//! release: before 1.0 it takes a new 0.x version, after 1.0 at least a
//! minor one, and CHANGELOG.md says so.

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
pub mod exchange;
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
#[cfg(feature = "sign-in")]
pub mod sign_in;
#[cfg(feature = "notifications")]
pub mod watch;

pub use auth::{AuthorizeUrl, OAuthClient, StoredTokens};
pub use definitions_cache::DEFAULT_DEFINITIONS_CACHE_TTL;
#[cfg(feature = "notifications")]
pub use error::WatchErrorKind;
pub use error::{BulkFailure, Error, ErrorKind, Result, TransportKind};
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

/// The `ureq` this crate links (version 3), for the agent given to
/// [`SessionBuilder::agent`]: an agent built from this path is always of
/// the version the session takes.
///
/// ureq is a public dependency: a release of this crate that moves to a new
/// major version of ureq is a breaking release (see
/// [Versioning and MSRV](crate#versioning-and-msrv)).
///
/// ```
/// use genesys_presence::{ureq, Session};
///
/// let agent = ureq::Agent::config_builder()
///     .max_idle_connections(4)
///     .build()
///     .new_agent();
/// let session = Session::builder()
///     .base_url("http://127.0.0.1:8080")
///     .access_token("my-token")
///     .agent(agent)
///     .build()?;
/// # drop(session);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub use ureq;

/// The README's examples, compiled as doctests so that they stay true (in
/// builds with TLS, `notifications` and `sign-in`, as the README assumes:
/// one uses `ureq::tls`, one watches, one signs a person in).
#[cfg(all(
    doctest,
    feature = "notifications",
    feature = "sign-in",
    any(feature = "rustls", feature = "native-tls")
))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
