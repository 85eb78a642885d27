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
//! `FakeOrg::set_channel_lifetime`), `HEAD …/{channelId}`,
//! `GET`/`POST`/`PUT`/`DELETE …/{channelId}/subscriptions` (only
//! `v2.users.{id}.presence` of known users is permitted, at most 1 000 topics;
//! `ignoreErrors=true` lists refused topics as `Rejected`, else they are a
//! 400), `GET /api/v2/notifications/availabletopics`, and each channel's
//! WebSocket at `ws://127.0.0.1:PORT/channels/{channelId}`
//! (`FakeOrg::streaming_url`; no token, one socket per
//! channel). A presence change through the API (PATCH or bulk PUT) of a
//! user's primary source is pushed to the sockets subscribed to it; every
//! socket gets a `channel.metadata` heartbeat (every 30 s, see
//! `FakeOrg::set_heartbeat_interval`) and answers
//! `{"message":"ping"}`. Tests can close sockets, send `socket_closing`,
//! expire channels, silence sockets or reject a topic.
//!
//! Every `/api/` call needs a valid bearer token (401 `authentication.required`,
//! `bad.credentials` or `credentials.expired`). Unknown paths answer 404
//! `not.found`, other methods on a known path 405, bodies over 1 MiB 413. Every
//! answer has an `inin-correlation-id` header, and error bodies are Genesys
//! error bodies whose `contextId` is that id. Path segments are
//! percent-decoded, so an id containing `/` is one segment.
//!
//! Each request is handled on its own short-lived thread, with the org's
//! state behind one lock: sessions on several threads are fine.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use crate::{Error, Result, Session};

mod bulk;
mod definitions;
#[cfg(feature = "notifications")]
mod notifications;
mod oauth;
mod presence_definitions;
mod presences;
mod primary_source;
mod server;
mod settings;
mod sources;
mod state;
#[cfg(feature = "notifications")]
mod streaming;
mod util;

use state::State;

/// A running stand-in Genesys Cloud org on `127.0.0.1`. See the [module
/// docs](self) for what it serves. Dropping it stops the server.
pub struct FakeOrg {
    base_url: String,
    client_id: String,
    client_secret: String,
    state: Arc<Mutex<State>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    /// The notification WebSocket server; dropped after the HTTP server stops.
    #[cfg(feature = "notifications")]
    streaming: streaming::Streaming,
}

impl FakeOrg {
    /// Starts an org on `127.0.0.1` with a port the OS chooses, in its
    /// initial state (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no port can be bound
    /// (`fake org: cannot listen on 127.0.0.1: …`) or the server thread
    /// cannot be started.
    pub fn start() -> Result<FakeOrg> {
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|e| Error::Config(format!("fake org: cannot listen on 127.0.0.1: {e}")))?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Error::Config("fake org: cannot listen on 127.0.0.1: no TCP address".into()))?;
        let server = Arc::new(server);
        let state = State::new();
        let (client_id, client_secret) = (state.client_id.clone(), state.client_secret.clone());
        let state = Arc::new(Mutex::new(state));
        #[cfg(feature = "notifications")]
        let streaming = {
            let streaming = streaming::Streaming::start(&state)
                .map_err(|e| Error::Config(format!("fake org: cannot serve WebSockets on 127.0.0.1: {e}")))?;
            state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .notifications
                .streaming_url = streaming.url();
            streaming
        };
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::Builder::new()
                .name("genesys-fake-org".into())
                .spawn(move || serve(&server, &state))
                .map_err(|e| Error::Config(format!("fake org: cannot start the server thread: {e}")))?
        };
        Ok(FakeOrg {
            base_url: format!("http://{address}"),
            client_id,
            client_secret,
            state,
            server,
            thread: Some(thread),
            #[cfg(feature = "notifications")]
            streaming,
        })
    }

    /// The org's base URL, `http://127.0.0.1:PORT`: it serves both the API
    /// and `/oauth/token`, so give it to [`SessionBuilder::base_url`](crate::SessionBuilder::base_url).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The id of the OAuth client that `POST /oauth/token` accepts.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The secret of the OAuth client that `POST /oauth/token` accepts.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// Issues a new valid access token without a token request (it does not
    /// count in [`token_requests`](FakeOrg::token_requests)), for sessions built
    /// with [`access_token`](crate::SessionBuilder::access_token).
    pub fn access_token(&self) -> String {
        self.lock().issue_token()
    }

    /// A client-credentials [`Session`] pointed at this org.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the session cannot be built (not expected).
    pub fn session(&self) -> Result<Session> {
        Session::builder()
            .base_url(self.base_url())
            .client_credentials(self.client_id(), self.client_secret())
            .build()
    }

    /// The org's users, in a stable order: the three it starts with (UUIDs),
    /// then those added with [`add_user`](FakeOrg::add_user).
    pub fn user_ids(&self) -> Vec<String> {
        self.lock().users.iter().map(|u| u.id.clone()).collect()
    }

    /// Adds a user with any id (even one with `/` or spaces), whose
    /// `PURECLOUD` presence is Offline. Returns false if the id is taken.
    pub fn add_user(&self, user_id: &str) -> bool {
        self.lock().add_user(user_id, "Offline")
    }

    /// The id of the primary (system) presence definition of a system
    /// presence, in any spelling (`Busy`, `ON_QUEUE`, `On Queue`); `None` for
    /// an unknown name.
    pub fn definition_id(&self, system_presence: &str) -> Option<String> {
        self.lock().primary_definition(system_presence)
    }

    /// The id of the org's custom presence source, "Calendar sync" (`type`
    /// `User`), for [`user::update_presence`](crate::user::update_presence)
    /// and [`user::get_presences_bulk`](crate::user::get_presences_bulk).
    /// Genesys Cloud's own source is `PURECLOUD`.
    pub fn custom_source_id(&self) -> String {
        self.lock().custom_source_id.clone()
    }

    /// The id of the division every initial presence definition belongs to,
    /// and new ones too unless they name another (`divisionId`).
    pub fn home_division_id(&self) -> String {
        self.lock().home_division_id.clone()
    }

    /// How many `POST /oauth/token` requests were answered 200.
    pub fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    /// How many requests the server has answered in all (any path, any status).
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// Makes every token issued so far invalid: API calls with one answer 401
    /// `credentials.expired`. Tokens issued later are valid.
    pub fn expire_tokens(&self) {
        self.lock().expire_tokens();
    }

    /// Sets `expires_in` (in seconds) of the tokens issued from now on; they
    /// really expire after that long. Default: 86 399.
    pub fn set_token_lifetime(&self, secs: u64) {
        self.lock().token_lifetime = secs;
    }

    /// The base of the notification WebSockets, `ws://127.0.0.1:PORT`
    /// (channels' `connectUri`s are `{this}/channels/{channelId}`).
    #[cfg(feature = "notifications")]
    pub fn streaming_url(&self) -> String {
        self.streaming.url()
    }

    /// How long channels made from now on live. Default: 24 hours. When a
    /// channel expires its socket is closed (with a close frame) and the
    /// REST operations answer 404 for it.
    #[cfg(feature = "notifications")]
    pub fn set_channel_lifetime(&self, lifetime: std::time::Duration) {
        self.lock().notifications.channel_lifetime = lifetime;
    }

    /// How often sockets opened from now on send a `channel.metadata`
    /// heartbeat. Default: 30 s.
    #[cfg(feature = "notifications")]
    pub fn set_heartbeat_interval(&self, interval: std::time::Duration) {
        self.lock().notifications.heartbeat_interval = interval;
    }

    /// Makes subscriptions to `topic` (e.g. `v2.users.{id}.presence`) come
    /// back `Rejected` with `reason` (or fail with 400 without `ignoreErrors`).
    /// Topics of unknown users, and topics other than a user's presence,
    /// are always rejected.
    #[cfg(feature = "notifications")]
    pub fn reject_topic(&self, topic: &str, reason: &str) {
        self.lock()
            .notifications
            .rejected_topics
            .insert(topic.to_owned(), reason.to_owned());
    }

    /// Drops every open notification socket without a close frame, as a
    /// broken connection would.
    #[cfg(feature = "notifications")]
    pub fn close_sockets(&self) {
        self.lock()
            .notifications
            .tell_all(|| notifications::Outgoing::Drop);
    }

    /// Sends `v2.system.socket_closing` on every open socket (which stays
    /// open until the client closes it).
    #[cfg(feature = "notifications")]
    pub fn send_socket_closing(&self) {
        self.lock().notifications.send_socket_closing();
    }

    /// Expires every channel now: sockets get a close frame, REST
    /// operations on the channels answer 404.
    #[cfg(feature = "notifications")]
    pub fn expire_channels(&self) {
        self.lock().notifications.expire_all();
    }

    /// Makes every open socket silent — no event, no heartbeat — while it
    /// stays open, as a connection that died without closing looks.
    /// Sockets opened later are not affected.
    #[cfg(feature = "notifications")]
    pub fn silence_sockets(&self) {
        self.lock()
            .notifications
            .tell_all(|| notifications::Outgoing::Silence);
    }

    /// How many notification sockets are open now (a socket counts until
    /// the org's side of it has ended).
    #[cfg(feature = "notifications")]
    pub fn open_sockets(&self) -> usize {
        self.lock().notifications.open_sockets
    }

    /// How many notification sockets were opened in all.
    #[cfg(feature = "notifications")]
    pub fn sockets_opened(&self) -> usize {
        self.lock().notifications.sockets_opened
    }

    /// How many channels were made in all.
    #[cfg(feature = "notifications")]
    pub fn channels_created(&self) -> usize {
        self.lock().notifications.channels_created
    }

    /// The topics of every channel that has not expired, in the order the
    /// channels were made.
    #[cfg(feature = "notifications")]
    pub fn channel_topics(&self) -> Vec<Vec<String>> {
        let now = std::time::Instant::now();
        self.lock()
            .notifications
            .channels
            .iter()
            .filter(|c| c.expires_at > now)
            .map(|c| c.topics.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The server thread: hands each request to a thread of its own, so that a
/// client that stalls mid-body holds up nobody, until unblocked.
fn serve(server: &tiny_http::Server, state: &Arc<Mutex<State>>) {
    while let Ok(request) = server.recv() {
        let state = Arc::clone(state);
        // If no thread can be started the request is dropped: tiny_http answers 500.
        let _ = std::thread::Builder::new()
            .name("genesys-fake-org-request".into())
            .spawn(move || server::handle(&state, request));
    }
}

impl Drop for FakeOrg {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for FakeOrg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOrg")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}
