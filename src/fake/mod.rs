//! A local, stateful stand-in Genesys Cloud org, for examples and for your own
//! tests: [`FakeOrg`] serves the Presence API, the sign-in endpoints
//! (`/oauth/authorize`, `/oauth/token`) and the parts of the Users API that
//! find users, on `127.0.0.1` (a port the OS picks), keeps what you change,
//! and stops when dropped. Enabled by the `fake` cargo feature.
//!
//! **Not covered by the crate's semver promise.** This module exists for
//! tests and examples: what it serves, its configuration methods and their
//! defaults may change in any release, minor or patch. It uses only the
//! crate's public API, so it can be read as an example of it.
//!
//! ```
//! use genesys_presence::fake::FakeOrg;
//! use genesys_presence::{user, PresenceDefinition, UserPresence};
//!
//! let org = FakeOrg::start()?;
//! let session = org.session()?; // client credentials, pointed at the org
//! let user_id = &org.user_ids()[0];
//! let busy = org.definition_id("Busy").ok_or("every org has a Busy definition")?;
//!
//! user::update_purecloud_presence(&session, user_id, &UserPresence {
//!     presence_definition: Some(PresenceDefinition::with_id(busy.as_str())),
//!     message: Some("Writing docs".into()),
//!     ..Default::default()
//! })?;
//!
//! let now = user::get_purecloud_presence(&session, user_id)?;
//! assert_eq!(now.presence_definition.and_then(|d| d.id), Some(busy));
//! assert_eq!(now.message.as_deref(), Some("Writing docs"));
//! assert_eq!(org.token_requests(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the org holds
//!
//! - An organization ([`org_id`](FakeOrg::org_id), named
//!   [`stand-in-org`](FakeOrg::org_name)) with one OAuth client
//!   ([`client_id`](FakeOrg::client_id),
//!   [`client_secret`](FakeOrg::client_secret)) that may use every grant:
//!   client credentials, authorization code (with its secret, or as a public
//!   client with PKCE), refresh, SAML2 bearer. Its redirect URIs: every
//!   `http` loopback URI (`127.0.0.1`, `localhost`, `[::1]`, any port) plus
//!   those [added](FakeOrg::add_redirect_uri). Access tokens last 86 399 s
//!   unless [`set_token_lifetime`](FakeOrg::set_token_lifetime) says
//!   otherwise; codes 60 s.
//! - The ten system presences, one primary definition for each (labels
//!   `en_US` and `fr`), and a non-primary "Lunch" definition (Meal): eleven
//!   active definitions, all in one division
//!   ([`home_division_id`](FakeOrg::home_division_id)). The legacy
//!   (`/api/v2/presencedefinitions`) and current (`/api/v2/presence/definitions`)
//!   operations are two views of the same definitions: what one creates,
//!   changes or deactivates, the other sees. In the current view the ten
//!   primary definitions are `type` `System`, every other one `User`.
//! - Two presence sources: Genesys Cloud's own, id `PURECLOUD` (`System`),
//!   and "Calendar sync" (`User`, [`custom_source_id`](FakeOrg::custom_source_id)).
//! - Presence settings: restore enabled (300 000 ms, not On Queue),
//!   requesting off queue disabled, default primary source `PURECLOUD`.
//! - Three users ([`user_ids`](FakeOrg::user_ids)): Alex Morgan
//!   (`alex.morgan@example.com`), Sam Lee (`sam.lee@example.com`) and Kim
//!   Ortiz (`kim.ortiz@example.com`), whose `PURECLOUD` presence is
//!   Available, Busy and Offline, and whose primary source is `PURECLOUD`;
//!   add more with [`add_user`](FakeOrg::add_user) or
//!   [`add_user_with_email`](FakeOrg::add_user_with_email). Each user has one
//!   presence per source they were set for. Alex is the one who signs in at
//!   `/oauth/authorize` unless [`set_signed_in_user`](FakeOrg::set_signed_in_user)
//!   names another.
//!
//! # Signing in
//!
//! Tokens carry whom they act for: a client-credentials token acts for no
//! user; a token from a user grant (code, PKCE, SAML2) acts for its user,
//! which `/api/v2/users/me` and `/api/v2/tokens/me` show. The other
//! operations answer every valid token alike (the org checks no permission).
//!
//! ```
//! use genesys_presence::fake::FakeOrg;
//!
//! let org = FakeOrg::start()?;
//! let agent = ureq::Agent::config_builder().max_redirects(0).build().new_agent();
//! let answer = agent
//!     .get(format!("{}/oauth/authorize", org.base_url()))
//!     .query("response_type", "code")
//!     .query("client_id", org.client_id())
//!     .query("redirect_uri", "http://127.0.0.1:8400/callback")
//!     .query("state", "xyz")
//!     .call()?;
//! assert_eq!(answer.status(), 302);
//! let location = answer.headers()["location"].to_str()?;
//! assert!(location.starts_with("http://127.0.0.1:8400/callback?code="));
//! assert!(location.ends_with("&state=xyz"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - `GET /oauth/authorize` checks `client_id` and `redirect_uri` (else a
//!   400 page and no redirect), then redirects to
//!   `redirect_uri?code=…&state=…` (`state` as given, percent-encoded; left
//!   out when not given). Other problems are redirected as
//!   `?error=…&error_description=…&state=…`: `response_type` other than
//!   `code` (`unsupported_response_type`); a `code_challenge` without
//!   `code_challenge_method=S256`, or not 43 base64url characters; `org`
//!   without `provider` or the other way round, or an `org` other than the
//!   org's name; a `target` other than [`org_id`](FakeOrg::org_id); a
//!   repeated parameter (all `invalid_request`); a person who
//!   [declines](FakeOrg::set_sign_in_refused) (`access_denied`).
//!   `login_hint` and `prompt` are accepted and change nothing.
//! - `POST /oauth/token`, `grant_type=authorization_code` with `code` and
//!   `redirect_uri` (the authorize one, exactly), and either Basic client
//!   authentication or, for a public client, `client_id` and
//!   `code_verifier` (43–128 characters of `A-Z a-z 0-9 - . _ ~`, whose
//!   base64url SHA-256 must be the code's challenge). A code made with a
//!   challenge needs its verifier even with Basic; a public client needs
//!   PKCE. A code is spent by the first attempt to exchange it, whatever the
//!   outcome. The answer has `access_token`, `token_type` `bearer`,
//!   `expires_in` and `refresh_token`.
//! - `grant_type=refresh_token` with `refresh_token`, and Basic (or
//!   `client_id` alone for a refresh token from a public client): a new
//!   access token and a new refresh token; the one used stops working.
//! - `grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer` with
//!   `orgName` (the org's name, any case), `assertion` (one
//!   [set](FakeOrg::set_saml_assertion), as sent) and Basic: a token for the
//!   assertion's user, without a refresh token.
//! - Errors are 400 with `{"error", "description", "error_description"}`:
//!   `invalid_client` (wrong `Authorization`, unknown `client_id`, no
//!   client authentication where one is needed), `invalid_request` (a field
//!   missing, empty or repeated; a malformed verifier), `invalid_grant`
//!   (an unknown, spent or expired code; another `redirect_uri`; a wrong or
//!   missing verifier; an unknown or spent refresh token; an unknown
//!   assertion or org), `unsupported_grant_type`.
//! - `DELETE /api/v2/tokens/me` revokes the token (then 401
//!   `bad.credentials` everywhere) and ends its sign-in: that sign-in's
//!   refresh token stops working too. [`expire_tokens`](FakeOrg::expire_tokens)
//!   leaves refresh tokens working, so a client can refresh after it.
//!
//! # Endpoints
//!
//! | Route | Behaviour |
//! |---|---|
//! | `GET /oauth/authorize` | approves at once and redirects with a code (see [Signing in](#signing-in)) |
//! | `POST /oauth/token` | client credentials (Basic and `grant_type=client_credentials`), authorization code, PKCE, refresh, SAML2 bearer; else 400 `invalid_client`, `invalid_grant`, `unsupported_grant_type` or `invalid_request` |
//! | `GET`, `HEAD /api/v2/tokens/me` | a TokenInfo: `organization` and `homeOrganization` (`{id, name, selfUri}`), `authorizedScope`, `OAuthClient` (`{id, name, organization}`), and for a user's token `dateTokenIdles` (when it stops working) |
//! | `DELETE /api/v2/tokens/me` | revokes the token (204) |
//! | `GET /api/v2/users/me` | the token's user (`id`, `name`, `email` when it has one, `state` `active`, `username`, `division`, `version`, `selfUri`), with `expand=presence` also its `presence` (the primary source's UserPresence); 400 `requires.user.context` for a client-credentials token (the fact sheet says only that it fails) |
//! | `POST /api/v2/users/search` | a UserSearchRequest whose `query` criteria are all `EXACT` on `email`, `name` or `id` (`value` or `values`, any case; all criteria must hold), with `pageSize` (1–100, default 25), `pageNumber`, `expand: ["presence"]`; answers `total`, `pageCount`, `pageSize`, `pageNumber`, `types` and `results` (left out when nothing matches); 400 for another criterion type or field |
//! | `GET /api/v2/systempresences` | the ten system presences |
//! | `GET /api/v2/presencedefinitions` | paged (`pageSize` 25, `pageNumber` 1), `deleted=false\|true\|all`, `localeCode`; 400 for bad values |
//! | `POST /api/v2/presencedefinitions` | creates; unknown fields are kept; 400 without `languageLabels` |
//! | `GET`, `PUT`, `DELETE /api/v2/presencedefinitions/{id}` | 404 unknown id; DELETE deactivates (204), 400 for a primary definition |
//! | `GET /api/v2/presence/definitions` | every match at once; `deactivated=false\|true`, `divisionId` (comma-separated and/or repeated), `localeCode` (the API's list, or `ALL`); 400 for bad values |
//! | `POST /api/v2/presence/definitions` | creates a `User` definition, in the body's `divisionId` or the home division; as the legacy POST otherwise |
//! | `GET`, `PUT`, `DELETE /api/v2/presence/definitions/{id}` | as the legacy ones; PUT may change `divisionId` |
//! | `GET /api/v2/presence/sources` | every active source, or with `deactivated=true` the deactivated ones |
//! | `POST /api/v2/presence/sources` | creates a `User` source; 400 without a `name` |
//! | `GET`, `PUT`, `DELETE /api/v2/presence/sources/{id}` | 404 unknown id; DELETE deactivates (204); PUT and DELETE answer 400 for the `System` source |
//! | `GET`, `PUT /api/v2/presence/settings` | PUT replaces (unknown fields kept); 400 for a `restorePresenceSettings` missing a field or an unknown default source |
//! | `GET`, `PUT /api/v2/presence/users/{userId}/primarysource` | 404 unknown user; PUT `{"sourceId"}` needs an active source (else 400) |
//! | `GET`, `PATCH /api/v2/users/{userId}/presences/{sourceId}` | also `purecloud`; PATCH applies only the fields sent and creates a new source's presence |
//! | `GET /api/v2/users/{userId}/presences/microsoftteams` | a PresenceExpand with all the user's presences |
//! | `PUT /api/v2/users/presences/bulk` | at most 50 elements (else 400); checks every element (400 naming the unknown user or definition), then applies all |
//! | `GET /api/v2/users/presences/{sourceId}/bulk` | also `purecloud`; `id` comma-separated and/or repeated, 1 to 50 ids (else 400); UcUserPresences in input order, leaving out unknown users and users without a presence for the source; 404 for a source nobody uses that is not registered |
//!
//! With the `notifications` feature too, it serves the Notifications API:
//! `POST`/`GET /api/v2/notifications/channels` (channels live 24 h, see
//! `FakeOrg::set_channel_lifetime`; at most 20 live channels, a 21st
//! evicts the one used longest ago, unconnected ones first, see
//! `FakeOrg::channels_evicted`), `HEAD …/{channelId}`,
//! `GET`/`POST`/`PUT`/`DELETE …/{channelId}/subscriptions` (only
//! `v2.users.{id}.presence` of known users is permitted, at most 1 000 topics;
//! `ignoreErrors=true` lists refused topics as `Rejected`, else they are a
//! 400), `GET /api/v2/notifications/availabletopics`, and each channel's
//! WebSocket at `ws://127.0.0.1:PORT/channels/{channelId}`
//! (`FakeOrg::streaming_url`; behind a gateway, under its API prefix; no
//! token, one socket per
//! channel). A presence change through the API (PATCH or bulk PUT), or made
//! with `FakeOrg::set_presence_now`, of a user's primary source is pushed to
//! the sockets subscribed to it; every
//! socket gets a `channel.metadata` heartbeat (every 30 s, see
//! `FakeOrg::set_heartbeat_interval`) and answers
//! `{"message":"ping"}`. Tests can close sockets, send `socket_closing`,
//! expire channels, silence sockets or reject a topic.
//!
//! Every `/api/` call needs a valid bearer token (401 `authentication.required`,
//! `bad.credentials` or `credentials.expired`). With a rate limit
//! ([`set_rate_limit`](FakeOrg::set_rate_limit), or
//! [`set_rate_limit_window`](FakeOrg::set_rate_limit_window) for a shorter
//! window; none by default), a token's calls past the limit in its window
//! (60 s, or the chosen length) answer 429
//! `too.many.requests.retry.after` with `Retry-After`, and every call with a
//! valid token carries `inin-ratelimit-count`, `-allowed` and `-reset`.
//! Unknown paths answer 404
//! `not.found`, other methods on a known path 405, bodies over 1 MiB 413. Every
//! answer has an `inin-correlation-id` header, and error bodies are Genesys
//! error bodies whose `contextId` is that id. Path segments are
//! percent-decoded, so an id containing `/` is one segment.
//!
//! Each request is handled on its own short-lived thread, with the org's
//! state behind one lock: sessions on several threads are fine.
//!
//! # Behind a gateway
//!
//! [`FakeOrg::start_behind_gateway`] starts an org as a gateway in front of
//! Genesys Cloud shows it, with a path prefix for the API and one for the
//! login (`/genesys/api`, `/genesys/login`): the routes above are served only
//! under their prefix (`/oauth/…` under the login prefix, everything else
//! and the channels' WebSockets under the API prefix), anything else is
//! answered 404 and counted
//! ([`requests_outside_gateway`](FakeOrg::requests_outside_gateway)).
//! [`base_url`](FakeOrg::base_url), [`login_url`](FakeOrg::login_url),
//! `streaming_url` and the channels' `connectUri`s carry the prefix;
//! [`session`](FakeOrg::session) uses both URLs.
//!
//! ```
//! use genesys_presence::fake::FakeOrg;
//!
//! let org = FakeOrg::start_behind_gateway("/genesys/api", "/genesys/login")?;
//! assert!(org.base_url().ends_with("/genesys/api"));
//! assert!(org.login_url().ends_with("/genesys/login"));
//! genesys_presence::system::list(&org.session()?)?;
//! assert_eq!((org.token_requests(), org.requests_outside_gateway()), (1, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What tests and benchmarks can do to it
//!
//! | Method | Effect |
//! |---|---|
//! | [`start_behind_gateway`](FakeOrg::start_behind_gateway), [`login_url`](FakeOrg::login_url), [`requests_outside_gateway`](FakeOrg::requests_outside_gateway) | an org served under a gateway's API and login path prefixes (none by default); its login URL; requests that missed their prefix (404) |
//! | [`add_user`](FakeOrg::add_user), [`add_user_with_email`](FakeOrg::add_user_with_email) | a new user, Offline (users are looked up by id, so 20 000 are fine), with a name and e-mail address for the second |
//! | [`user_email`](FakeOrg::user_email), [`user_name`](FakeOrg::user_name), [`org_id`](FakeOrg::org_id), [`org_name`](FakeOrg::org_name) | who is who |
//! | [`add_redirect_uri`](FakeOrg::add_redirect_uri), [`set_loopback_redirects`](FakeOrg::set_loopback_redirects) | which redirect URIs `/oauth/authorize` accepts |
//! | [`set_signed_in_user`](FakeOrg::set_signed_in_user), [`set_sign_in_refused`](FakeOrg::set_sign_in_refused), [`set_code_lifetime`](FakeOrg::set_code_lifetime) | who signs in at `/oauth/authorize`, or that the person declines; how long new codes work |
//! | [`set_saml_assertion`](FakeOrg::set_saml_assertion) | an assertion the SAML2 grant accepts, and its user |
//! | [`user_access_token`](FakeOrg::user_access_token), [`revoke_refresh_tokens`](FakeOrg::revoke_refresh_tokens) | a token acting for a user without a request; every refresh token stops working |
//! | [`set_presence_now`](FakeOrg::set_presence_now) | a `PURECLOUD` presence change, as a PATCH makes it and pushes it, without a request (not counted, not rate limited) |
//! | [`set_rate_limit`](FakeOrg::set_rate_limit), [`set_rate_limit_window`](FakeOrg::set_rate_limit_window), [`rate_limited`](FakeOrg::rate_limited) | API requests a minute (or per window of a chosen length) per access token, in fixed windows; how many were answered 429 |
//! | [`expire_tokens`](FakeOrg::expire_tokens), [`set_token_lifetime`](FakeOrg::set_token_lifetime) | tokens issued so far stop working; lifetime of new ones |
//! | [`token_requests`](FakeOrg::token_requests), [`requests`](FakeOrg::requests) | token requests answered 200 (every grant); requests answered in all |
//! | `set_channel_lifetime`, `set_heartbeat_interval` | lifetime of new channels (24 h); heartbeat of new sockets (30 s) |
//! | `close_sockets`, `send_socket_closing`, `expire_channels`, `silence_sockets`, `reject_topic` | drop every socket without a close frame; send `v2.system.socket_closing`; expire every channel; silence every socket; refuse a topic |
//! | `channels`, `channel_topics`, `channels_created`, `channels_evicted`, `open_sockets`, `sockets_opened` | the live channels (id, topics, when their socket connected); their topics; channels made; channels evicted at the limit of 20; sockets open now; sockets opened in all |
//!
//! The methods without a link need the `notifications` feature.

mod authorize;
mod bulk;
#[cfg(feature = "notifications")]
mod channels;
mod clock;
mod definition_edit;
mod definition_request;
mod definitions;
mod gateway;
mod grants;
mod ids;
#[cfg(feature = "notifications")]
mod notifications;
mod oauth;
mod org;
mod org_sign_in;
mod pkce;
mod presence_definitions;
mod presence_edit;
#[cfg(feature = "notifications")]
mod presence_events;
mod presences;
mod primary_source;
mod rate_limit;
mod router;
mod server;
mod settings;
mod sign_in;
mod sources;
mod state;
mod stored_definition;
#[cfg(feature = "notifications")]
mod streaming;
mod token_info;
mod token_request;
mod tokens;
mod url;
mod users;
mod wire;

#[cfg(feature = "notifications")]
pub use channels::ChannelInfo;
pub use org::FakeOrg;
