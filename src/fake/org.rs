//! [`FakeOrg`]: starting the stand-in org (its HTTP server, and with
//! `notifications` its WebSocket server), the handle tests hold, and what
//! they can ask of it or do to it.

use std::fmt;
use std::io;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::{Result, Session};

#[cfg(feature = "notifications")]
use super::channels::{ChannelInfo, Outgoing};
use super::gateway::Gateway;
use super::presence_edit::set_directly;
use super::server;
use super::state::State;
#[cfg(feature = "notifications")]
use super::streaming::Streaming;

/// A running stand-in Genesys Cloud org on `127.0.0.1`. See the [module
/// docs](crate::fake) for what it serves. Dropping it stops the server.
pub struct FakeOrg {
    base_url: String,
    login_url: String,
    client_id: String,
    client_secret: String,
    state: Arc<Mutex<State>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    /// The notification WebSocket server; dropped after the HTTP server stops.
    #[cfg(feature = "notifications")]
    streaming: Streaming,
}

impl FakeOrg {
    /// Starts an org on `127.0.0.1` with a port the OS chooses, in its
    /// initial state (see the [module docs](crate::fake)).
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of binding a port on `127.0.0.1` or of starting a
    /// server thread.
    pub fn start() -> io::Result<FakeOrg> {
        FakeOrg::start_with(Gateway::default())
    }

    /// Starts an org as [`start`](FakeOrg::start) does, as seen through a
    /// gateway that puts the API under `api_prefix` and the login under
    /// `login_prefix` (e.g. `/genesys/api` and `/genesys/login`): the login
    /// routes (`/oauth/token`, `/oauth/authorize`) are served only under
    /// `login_prefix`, every other route, and the channels' WebSockets
    /// (whose `connectUri`s carry the prefix), only under `api_prefix`.
    /// Any other request is answered 404 and counted in
    /// [`requests_outside_gateway`](FakeOrg::requests_outside_gateway).
    /// [`base_url`](FakeOrg::base_url), [`login_url`](FakeOrg::login_url)
    /// and (with `notifications`) `streaming_url` end with their prefix.
    /// The two prefixes may be the same. The `selfUri`s in answers stay
    /// paths from the root, as Genesys Cloud's do.
    ///
    /// A prefix is `""` (none), or `/` followed by segments separated by
    /// `/`, each of RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _
    /// ~`) and none `.` or `..`: no trailing `/`, query, fragment or escape.
    ///
    /// # Errors
    ///
    /// An [`io::ErrorKind::InvalidInput`] error naming a prefix that is not
    /// of that form; else as [`start`](FakeOrg::start).
    pub fn start_behind_gateway(api_prefix: &str, login_prefix: &str) -> io::Result<FakeOrg> {
        FakeOrg::start_with(Gateway::new(api_prefix, login_prefix)?)
    }

    fn start_with(gateway: Gateway) -> io::Result<FakeOrg> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let server = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| io::Error::other(format!("fake org: cannot serve HTTP on {address}: {e}")))?;
        let server = Arc::new(server);
        let base_url = format!("http://{address}{}", gateway.api_prefix());
        let login_url = format!("http://{address}{}", gateway.login_prefix());
        let mut state = State::new();
        let (client_id, client_secret) = (state.client_id.clone(), state.client_secret.clone());
        state.gateway = gateway;
        let state = Arc::new(Mutex::new(state));
        #[cfg(feature = "notifications")]
        let streaming = Streaming::start(&state)?;
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::Builder::new()
                .name("genesys-fake-org".into())
                .spawn(move || serve(&server, &state))?
        };
        let org = FakeOrg {
            base_url,
            login_url,
            client_id,
            client_secret,
            state,
            server,
            thread: Some(thread),
            #[cfg(feature = "notifications")]
            streaming,
        };
        #[cfg(feature = "notifications")]
        {
            org.lock().notifications.streaming_url = org.streaming_url();
        }
        Ok(org)
    }

    /// The org's API base URL, `http://127.0.0.1:PORT` (and the API prefix
    /// [behind a gateway](FakeOrg::start_behind_gateway)): give it to
    /// [`SessionBuilder::base_url`](crate::SessionBuilder::base_url).
    /// Without a gateway it serves `/oauth/token` too, and is the same as
    /// [`login_url`](FakeOrg::login_url).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The org's login base URL, which serves `/oauth/token` and
    /// `/oauth/authorize`: `http://127.0.0.1:PORT` (and the login prefix
    /// [behind a gateway](FakeOrg::start_behind_gateway)), for
    /// [`SessionBuilder::login_url`](crate::SessionBuilder::login_url).
    pub fn login_url(&self) -> String {
        self.login_url.clone()
    }

    /// How many requests (HTTP requests, and WebSocket handshakes) arrived
    /// outside their [gateway](FakeOrg::start_behind_gateway) prefix and
    /// were answered 404; always 0 without a gateway.
    pub fn requests_outside_gateway(&self) -> usize {
        self.lock().gateway.missed
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
    /// The builder's error if the session cannot be built (not expected).
    pub fn session(&self) -> Result<Session> {
        Session::builder()
            .base_url(self.base_url())
            .login_url(self.login_url())
            .client_credentials(self.client_id(), self.client_secret())
            .build()
    }

    /// The org's users, in a stable order: the three it starts with (UUIDs),
    /// then those added with [`add_user`](FakeOrg::add_user).
    pub fn user_ids(&self) -> Vec<String> {
        self.lock().users.iter().map(|u| u.id.clone()).collect()
    }

    /// Adds a user with any id (even one with `/` or spaces), whose
    /// `PURECLOUD` presence is Offline, named after the id and without an
    /// e-mail address (see [`add_user_with_email`](FakeOrg::add_user_with_email)).
    /// Returns false if the id is taken.
    pub fn add_user(&self, user_id: &str) -> bool {
        self.lock().add_user(user_id, user_id, None, "Offline")
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

    /// Limits API requests to `per_minute` a minute per access token (`None`:
    /// no limit, the default), as Genesys Cloud limits a client-credentials
    /// token (300 a minute by default there).
    ///
    /// Each token's requests are counted over fixed 60 s windows, a window
    /// starting with the token's first request after the last one ended;
    /// setting the limit starts every window afresh. Past the limit an
    /// `/api/` call is answered `429` with `Retry-After` (whole seconds until
    /// the window ends, at least 1) and Genesys Cloud's normalised body,
    /// `{"message": "Rate limit exceeded the maximum. Retry the request in
    /// [N] seconds", "code": "too.many.requests.retry.after", "status": 429,
    /// "contextId": "…", "details": [], "errors": []}`. While a limit is set,
    /// every answer to an `/api/` call with a valid token, a 429 too, carries
    /// `inin-ratelimit-count` (requests admitted in the window),
    /// `inin-ratelimit-allowed` (the limit) and `inin-ratelimit-reset`
    /// (seconds until the window ends). `POST /oauth/token`, calls refused
    /// with 401, and [`set_presence_now`](FakeOrg::set_presence_now) are not
    /// counted.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        self.lock().rate_limits.set(per_minute);
    }

    /// As [`set_rate_limit`](FakeOrg::set_rate_limit), with windows of the
    /// given length instead of a minute: `allowed` API requests per
    /// `window` per access token (for tests that cannot wait a minute,
    /// e.g. 20 requests per 2 s). `inin-ratelimit-reset` and `Retry-After`
    /// are the whole seconds left in the window, rounded up, at least 1.
    /// A zero `window` is taken as 1 ms. Setting it starts every window
    /// afresh; [`set_rate_limit(None)`](FakeOrg::set_rate_limit) removes it.
    pub fn set_rate_limit_window(&self, allowed: u32, window: Duration) {
        self.lock().rate_limits.set_window(Some((allowed, window)));
    }

    /// How many requests were answered `429` because of the
    /// [rate limit](FakeOrg::set_rate_limit).
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limits.refused
    }

    /// Sets a user's `PURECLOUD` presence to the primary definition of
    /// `system_presence` (any spelling: `Busy`, `ON_QUEUE`, `On Queue`) and,
    /// when given, the message (`None` keeps the message), without a request:
    /// nothing is counted or rate limited. The change is the one a `PATCH
    /// /api/v2/users/{userId}/presences/purecloud` makes (a new
    /// `modifiedDate`), and with `notifications` it is pushed the same way to
    /// the sockets subscribed to `v2.users.{userId}.presence` when
    /// `PURECLOUD` is the user's primary source. Returns false, changing
    /// nothing, for an unknown user or system presence.
    pub fn set_presence_now(&self, user_id: &str, system_presence: &str, message: Option<&str>) -> bool {
        set_directly(&mut self.lock(), user_id, system_presence, message)
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

    /// The base of the notification WebSockets, `ws://127.0.0.1:PORT` (and
    /// the API prefix [behind a gateway](FakeOrg::start_behind_gateway));
    /// channels' `connectUri`s are `{this}/channels/{channelId}`.
    #[cfg(feature = "notifications")]
    pub fn streaming_url(&self) -> String {
        format!("{}{}", self.streaming.url(), self.lock().gateway.api_prefix())
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
        self.lock().notifications.tell_all(|| Outgoing::Drop);
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
        self.lock().notifications.tell_all(|| Outgoing::Silence);
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

    /// How many channels were removed to make room for a new one.
    ///
    /// The org keeps at most 20 live channels for its OAuth client (Genesys
    /// Cloud: 20 per user and application), whichever token made them.
    /// Making a 21st removes the one used longest ago, unconnected channels
    /// first; a channel is used when it is made, when its subscriptions
    /// change (`POST`, `PUT`, `DELETE …/subscriptions`) and when its
    /// WebSocket connects. The removed channel's socket, if it has one, gets
    /// `v2.system.socket_closing` and a close frame; the channel and its
    /// subscriptions are gone (its REST operations answer 404). Expired
    /// channels do not count.
    #[cfg(feature = "notifications")]
    pub fn channels_evicted(&self) -> usize {
        self.lock().notifications.channels_evicted
    }

    /// Every channel that has not expired (nor been removed), in the order
    /// they were made: its id, topics and when its socket connected.
    #[cfg(feature = "notifications")]
    pub fn channels(&self) -> Vec<ChannelInfo> {
        self.lock().notifications.infos()
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
            .map(|c| c.topics.to_vec())
            .collect()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
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
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}
