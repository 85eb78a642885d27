//! A local, stateful stand-in Genesys Cloud org, for examples and for your own
//! tests: [`FakeOrg`] serves the Presence API and the OAuth token endpoint on
//! `127.0.0.1` (a port the OS picks), keeps what you change, and stops when
//! dropped. Enabled by the `fake` cargo feature.
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
//! - One OAuth client ([`client_id`](FakeOrg::client_id),
//!   [`client_secret`](FakeOrg::client_secret)); tokens last 86 399 s unless
//!   [`set_token_lifetime`](FakeOrg::set_token_lifetime) says otherwise.
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
//! - Three users ([`user_ids`](FakeOrg::user_ids)) whose `PURECLOUD` presence
//!   is Available, Busy and Offline, and whose primary source is `PURECLOUD`;
//!   add more with [`add_user`](FakeOrg::add_user). Each user has one
//!   presence per source they were set for.
//!
//! # Endpoints
//!
//! | Route | Behaviour |
//! |---|---|
//! | `POST /oauth/token` | Basic client credentials and `grant_type=client_credentials`; else 400 `invalid_client`, `unsupported_grant_type` or `invalid_request` |
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
//! (`FakeOrg::streaming_url`; no token, one socket per
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
//! ([`set_rate_limit`](FakeOrg::set_rate_limit); none by default), a token's
//! calls past the limit in its 60 s window answer 429
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
//! # What tests and benchmarks can do to it
//!
//! | Method | Effect |
//! |---|---|
//! | [`add_user`](FakeOrg::add_user) | a new user, Offline (users are looked up by id, so 20 000 are fine) |
//! | [`set_presence_now`](FakeOrg::set_presence_now) | a `PURECLOUD` presence change, as a PATCH makes it and pushes it, without a request (not counted, not rate limited) |
//! | [`set_rate_limit`](FakeOrg::set_rate_limit), [`rate_limited`](FakeOrg::rate_limited) | API requests a minute per access token (fixed 60 s windows); how many were answered 429 |
//! | [`expire_tokens`](FakeOrg::expire_tokens), [`set_token_lifetime`](FakeOrg::set_token_lifetime) | tokens issued so far stop working; lifetime of new ones |
//! | [`token_requests`](FakeOrg::token_requests), [`requests`](FakeOrg::requests) | token requests answered 200; requests answered in all |
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
mod tokens;
mod url;
mod users;
mod wire;

#[cfg(feature = "notifications")]
pub use channels::ChannelInfo;
pub use org::FakeOrg;
