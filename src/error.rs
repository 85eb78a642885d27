//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use crate::models::{ErrorBody, UserPresence};
use crate::secret::Redactor;

/// The result of every operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, with what a caller needs to act on it.
///
/// The type is opaque: branch on [`kind`](Error::kind), read the context
/// with the accessors ([`status`](Error::status), [`code`](Error::code),
/// [`body`](Error::body), [`correlation_id`](Error::correlation_id),
/// [`retry_after`](Error::retry_after), [`attempts`](Error::attempts),
/// [`method`](Error::method), [`path`](Error::path),
/// [`transport_kind`](Error::transport_kind), [`argument`](Error::argument),
/// [`bulk`](Error::bulk), …), and ask the questions callers usually ask
/// with the predicates ([`is_rate_limited`](Error::is_rate_limited),
/// [`is_not_found`](Error::is_not_found), [`is_auth`](Error::is_auth),
/// [`is_timeout`](Error::is_timeout), [`is_retryable`](Error::is_retryable)).
/// New kinds and new context can be added in a minor release without
/// breaking you ([`ErrorKind`] is `#[non_exhaustive]`).
///
/// ```
/// # fn show(err: &genesys_presence::Error) {
/// use genesys_presence::ErrorKind;
///
/// if err.is_not_found() {
///     println!("no such user");
/// } else if err.is_retryable() {
///     println!("try again in {:?}", err.retry_after());
/// } else if err.kind() == ErrorKind::InvalidInput {
///     println!("fix the argument {:?}", err.argument());
/// } else {
///     println!("{err} (correlation id {:?})", err.correlation_id());
/// }
/// # }
/// ```
///
/// On a [`BulkIncomplete`](ErrorKind::BulkIncomplete) error, every
/// accessor and predicate but [`kind`](Error::kind) and
/// [`bulk`](Error::bulk) is about the failing call: `status()` is the
/// failing call's status, `is_retryable()` says whether trying its users
/// again could help.
///
/// `Display` is one line that says what happened and where, for example
/// `GET /api/v2/users/u1/presences/purecloud: 404 not.found: The requested resource was not found. (correlation id 5e0b…)`.
/// [`source`](std::error::Error::source) is `None`: everything the error
/// knows is in that line (a [`BulkIncomplete`](ErrorKind::BulkIncomplete)
/// error's line ends with the failing call's, which
/// [`BulkFailure::failure`] also gives), so a reporter that prints the
/// chain of sources prints each cause once. `Debug` shows every field.
///
/// No error ever holds the client secret or an access token, in whatever
/// form a server echoed it (JSON- or percent-escaped, HTML character
/// references, base64): what an error quotes from a server is searched for
/// every such form after decoding, and each one found is replaced with
/// `<redacted>`.
///
/// Sizes are bounded whatever the input: every text an error quotes (a
/// path with an id in it, a server's message or code, a correlation id,
/// an excerpt of a body, a decoder's message) is cut to its first
/// [`MAX_QUOTED_CHARS`](Error::MAX_QUOTED_CHARS) characters, followed by
/// `…`; the crate's own explanations (why an argument or a setting was
/// refused) to [`MAX_EXPLANATION_CHARS`](Error::MAX_EXPLANATION_CHARS); and
/// a Genesys error body keeps at most [`ErrorBody::MAX_TEXT_CHARS`]
/// characters of text in all (see [`ErrorBody`] for its other limits). So
/// a 100 KB user id gives a one-line message of well under 1 KB.
///
/// The type is one pointer wide (its context lives on the heap), so
/// `Result<T, Error>` is no larger than it must be and returning it from
/// your own functions does not trip clippy's `result_large_err`.
pub struct Error(Box<Repr>);

/// What an [`Error`] is about, from [`Error::kind`]: one value per kind of
/// failure, to branch on. `#[non_exhaustive]`: a minor release may add
/// kinds, so a `match` needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with a status outside 2xx.
    ///
    /// [`status`](Error::status) says which; [`code`](Error::code) and
    /// [`body`](Error::body) what Genesys said; [`retry_after`](Error::retry_after)
    /// how long it asked to wait. A `429`, `408` or `5xx` gateway status may
    /// pass ([`is_retryable`](Error::is_retryable)); another `4xx` asks you to
    /// change the request or the permissions. Quote
    /// [`correlation_id`](Error::correlation_id) to Genesys support.
    Api,
    /// A 2xx answer whose body is not what the operation returns (not JSON,
    /// or not of the expected shape).
    ///
    /// The request was carried out, and a write may have had its effect.
    /// Sending it again usually gets the same answer: report it with the
    /// [`correlation_id`](Error::correlation_id) and the message (which names
    /// the type expected, the decoder's message and the start of the body).
    Decode,
    /// No access token could be had from the login service: it refused the
    /// credentials (`400`/`401` with [`code`](Error::code) `invalid_client`,
    /// say), answered another error, or did not answer
    /// ([`transport_kind`](Error::transport_kind) says why).
    ///
    /// Check the client id, the secret and the region (the message names
    /// the login URL asked). [`is_retryable`](Error::is_retryable) says when
    /// trying later could help (a `429`, a `5xx`, no answer).
    Auth,
    /// The request got no answer: a timeout, a host that could not be
    /// resolved, a refused connection, a TLS or I/O failure, or an answer
    /// larger than the session reads ([`transport_kind`](Error::transport_kind)
    /// says which).
    ///
    /// A write may or may not have been applied. Timeouts, DNS, connect and
    /// I/O failures may pass ([`is_retryable`](Error::is_retryable)); a TLS
    /// failure or a too large answer needs another setting.
    Transport,
    /// An argument was rejected before any request was sent (an empty id, a
    /// page size of 0): [`argument`](Error::argument) names it, the message
    /// says why.
    ///
    /// Fix the argument: the same one is rejected again.
    InvalidInput,
    /// A bulk update split into several calls failed part-way: the users of
    /// the earlier calls were applied, those of the failing call and after
    /// were not.
    ///
    /// [`bulk`](Error::bulk) says which users were applied and which were
    /// not, and gives the failing call's error; the other accessors and the
    /// predicates look through to that error. Send the users not applied
    /// again when [`is_retryable`](Error::is_retryable) says it could help.
    BulkIncomplete,
    /// A listing announced more pages than are followed (see
    /// [`definitions::MAX_PAGES`](crate::definitions::MAX_PAGES)); what was
    /// read is dropped rather than returned as if it were complete.
    ///
    /// Narrow the query, or read the pages one by one with
    /// [`definitions::list`](crate::definitions::list).
    TooManyPages,
    /// A listing's pages do not add up: the server answered another page
    /// than the one asked for, announced pages or items it did not deliver,
    /// or delivered more than it announced. What was read is dropped rather
    /// than returned as if it were complete.
    ///
    /// Reading again usually helps (the listing may have changed while it
    /// was read).
    IncompleteListing,
    /// The session could not be built from the configuration given (a
    /// builder setting, an environment variable of
    /// [`Session::from_env`](crate::Session::from_env)); the message names
    /// the setting and says what is wrong with it.
    ///
    /// Nothing was sent. Fix the setting: the same one is refused again.
    Config,
    /// The operating system refused a resource needed at run time: a thread
    /// could not be spawned (a watcher's socket reader or recovery thread,
    /// with the `notifications` feature), or a port could not be listened on
    /// (the loopback sign-in, with the `sign-in` feature). The message says
    /// what was refused and why.
    ///
    /// Neither the configuration nor the server is at fault: the process
    /// or the machine is short of threads, ports or memory.
    System,
    /// A notification topic was refused by the API (the caller lacks a
    /// permission, or the user does not exist): [`topic`](Error::topic)
    /// names it, the message gives the API's reason.
    ///
    /// A [`Watcher`](crate::watch::Watcher) reports each refused user once,
    /// as an `Err` item, and goes on watching the others. Grant the
    /// permission or drop the user.
    #[cfg(feature = "notifications")]
    TopicRejected,
    /// The notification WebSocket could not be opened, or failed
    /// ([`transport_kind`](Error::transport_kind) says how). The message
    /// names the host only: the socket's full address is the channel's
    /// `connectUri`, which is all it takes to read the channel's events.
    ///
    /// A [`Watcher`](crate::watch::Watcher) reconnects by itself (unless
    /// told not to); a socket that cannot be opened at all is returned by
    /// [`watch::users`](crate::watch::users).
    #[cfg(feature = "notifications")]
    Socket,
    /// A [`Watcher`](crate::watch::Watcher) hit one of its limits
    /// ([`watch_kind`](Error::watch_kind) says which): it yields this as an
    /// `Err` item and goes on.
    ///
    /// Nothing to do but to take note; see [`WatchErrorKind`] for what each
    /// limit means.
    #[cfg(feature = "notifications")]
    Watch,
}

/// What a bulk update that failed part-way applied and what it did not,
/// from [`Error::bulk`] on a [`BulkIncomplete`](ErrorKind::BulkIncomplete)
/// error.
///
/// The update is sent in calls of up to 50 users, in input order: the users
/// of the calls before the failing one were applied, those of the failing
/// call and after were not.
#[derive(Debug)]
pub struct BulkFailure {
    applied_user_ids: Vec<String>,
    not_applied_user_ids: Vec<String>,
    applied: Vec<UserPresence>,
    failure: Error,
}

impl BulkFailure {
    /// A bulk update's outcome: the users applied, those not applied, the
    /// API's answers for the applied ones, and the failing call's error.
    pub(crate) fn new(
        applied_user_ids: Vec<String>,
        not_applied_user_ids: Vec<String>,
        applied: Vec<UserPresence>,
        failure: Error,
    ) -> BulkFailure {
        BulkFailure {
            applied_user_ids,
            not_applied_user_ids,
            applied,
            failure,
        }
    }

    /// The users whose presence was set, in input order.
    pub fn applied_user_ids(&self) -> &[String] {
        &self.applied_user_ids
    }

    /// The users whose presence was not set, in input order: the users of
    /// the failing call and of every call after it.
    pub fn not_applied_user_ids(&self) -> &[String] {
        &self.not_applied_user_ids
    }

    /// The API's answers for the applied users, in input order.
    pub fn applied(&self) -> &[UserPresence] {
        &self.applied
    }

    /// The failing call's error (an [`Api`](ErrorKind::Api) error, say).
    pub fn failure(&self) -> &Error {
        &self.failure
    }
}

/// What an [`Error`] holds: one variant per [`ErrorKind`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    /// The API answered with a status outside 2xx.
    #[error("{method} {}: {status}{}{}", Shown(path), describe_api(body.as_deref(), excerpt, *retry_after), describe_context(correlation_id.as_deref(), *attempts))]
    Api {
        /// HTTP method of the request, e.g. `GET`.
        method: &'static str,
        /// Request path (percent-encoded, without the query), e.g. `/api/v2/systempresences`;
        /// cut to [`MAX_QUOTED_CHARS`](Error::MAX_QUOTED_CHARS) characters.
        path: String,
        /// HTTP status code.
        status: u16,
        /// The Genesys error body, when the answer was one (bounded as
        /// [`ErrorBody`] says).
        body: Option<Box<ErrorBody>>,
        /// The start of the raw body when it was not a Genesys error body (an HTML page, say).
        excerpt: Box<str>,
        /// The `inin-correlation-id` response header, else the body's `contextId`.
        correlation_id: Option<String>,
        /// How long the server asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
        /// How many times the request was sent (at least 1).
        attempts: u32,
    },

    /// A 2xx answer whose body is not what the operation returns.
    #[error("{method} {}: {status} but the body is not a valid {type_name}: {}; body starts {:?}{}", Shown(path), Shown(reason), Shown(excerpt), describe_context(correlation_id.as_deref(), *attempts))]
    Decode {
        /// HTTP method of the request.
        method: &'static str,
        /// Request path.
        path: String,
        /// HTTP status code (a 2xx).
        status: u16,
        /// The Rust type the body should have decoded into, e.g. `UserPresence`.
        type_name: Box<str>,
        /// What the JSON decoder said, with line and column.
        reason: Box<str>,
        /// The start of the body.
        excerpt: Box<str>,
        /// The `inin-correlation-id` response header, if any.
        correlation_id: Option<String>,
        /// How many times the request was sent (more than 1 when an earlier
        /// answer was retried).
        attempts: u32,
    },

    /// No access token could be obtained from the login service.
    ///
    /// Never quotes the token endpoint's body, which may hold a token.
    #[error("authentication failed at {}: {}{}", Shown(login_url), Shown(reason), describe_context(correlation_id.as_deref(), *attempts))]
    Auth {
        /// The login base URL that was asked, e.g. `https://login.mypurecloud.com`.
        login_url: String,
        /// HTTP status of the token endpoint's answer, when there was one.
        status: Option<u16>,
        /// The OAuth `error` code, e.g. `invalid_client`.
        code: Option<String>,
        /// What went wrong, in words.
        reason: String,
        /// The `inin-correlation-id` response header, if any.
        correlation_id: Option<String>,
        /// How many times the token was asked for (0 when it was not: the
        /// session knew without asking that the user must sign in again, or
        /// a sign-in failed before its code exchange); `attempts()` gives
        /// `None` for 0.
        attempts: u32,
        /// Why no answer arrived, when none did (`None` when the login
        /// service answered).
        transport: Option<TransportKind>,
        /// The person's code or refresh token was refused (or there is
        /// none left): only signing in again helps.
        sign_in_again: bool,
        /// The login service throttled the client: a `429`, or its own
        /// `400 invalid_request` "rate limit exceeded" (kept as `status`).
        throttled: bool,
    },

    /// The request did not get an answer: timeout, DNS, connect, TLS or I/O failure.
    #[error("{method} {}: {kind}: {}{}", Shown(path), Shown(detail), describe_context(None, *attempts))]
    Transport {
        /// HTTP method of the request.
        method: &'static str,
        /// Request path.
        path: String,
        /// What kind of failure.
        kind: TransportKind,
        /// The underlying error's text.
        detail: String,
        /// How many times the request was sent (at least 1).
        attempts: u32,
    },

    /// An argument was rejected before any request was sent.
    #[error("invalid {what}: {}", Explained(why))]
    InvalidInput {
        /// The argument, e.g. `user_id`.
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },

    /// A bulk update split into several calls failed part-way. The failing
    /// call's error is in the message, not a `source`.
    #[error("bulk update stopped after {} of {} users: {}", bulk.applied_user_ids.len(), bulk.applied_user_ids.len() + bulk.not_applied_user_ids.len(), bulk.failure)]
    BulkIncomplete {
        /// What was applied, what was not, and why.
        bulk: BulkFailure,
    },

    /// A listing announced more pages than are followed.
    #[error(
        "GET {}: still more pages after {pages}; narrow the query or read pages with list",
        Shown(path)
    )]
    TooManyPages {
        /// Request path of the listing.
        path: String,
        /// How many pages were read.
        pages: usize,
    },

    /// A listing's pages do not add up.
    #[error("GET {}: incomplete listing: {}", Shown(path), Shown(detail))]
    IncompleteListing {
        /// Request path of the listing.
        path: String,
        /// What does not add up, e.g. `asked for page 3, the server answered page 2`.
        detail: String,
    },

    /// The session could not be built from the configuration given.
    #[error("session configuration: {}", Explained(.0))]
    Config(String),

    /// The operating system refused a resource at run time; the text names
    /// what needed it (`watch: cannot start the socket reader thread: …`).
    #[error("{}", Explained(.0))]
    #[cfg_attr(not(feature = "notifications"), allow(dead_code))]
    System(String),

    /// A notification topic was refused by the API.
    #[cfg(feature = "notifications")]
    #[error("subscription to {} rejected: {}", Shown(topic), Explained(reason))]
    TopicRejected {
        /// The topic, e.g. `v2.users.{userId}.presence`.
        topic: String,
        /// The API's reason and the missing permissions, if it named them.
        reason: String,
    },

    /// The notification WebSocket could not be opened, or failed.
    #[cfg(feature = "notifications")]
    #[error("notification socket to {}: {}", Shown(host), Shown(detail))]
    Socket {
        /// The WebSocket host, e.g. `streaming.mypurecloud.com`.
        host: String,
        /// What kind of failure.
        kind: TransportKind,
        /// What happened, starting with the kind of failure (`timed out: …`).
        detail: String,
    },

    /// A watcher hit one of its limits.
    #[cfg(feature = "notifications")]
    #[error("watch: {}", Explained(detail))]
    Watch {
        /// Which limit.
        kind: WatchErrorKind,
        /// What keeps happening, in words.
        detail: String,
    },
}

impl From<Repr> for Error {
    fn from(repr: Repr) -> Error {
        Error(Box::new(repr))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Shows what the error holds, field by field (free of secrets, bounded,
/// as `Display`).
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// [`source`](std::error::Error::source) is always `None`: the message
/// already says everything, also a bulk update's failing call.
impl std::error::Error for Error {}

/// How a request got no answer, from [`Error::transport_kind`]: for a
/// [`Transport`](ErrorKind::Transport) error, an [`Auth`](ErrorKind::Auth)
/// error whose login service did not answer, and a notification
/// `Socket` error (with the `notifications` feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// A timeout expired (connect, sending, waiting for or reading the answer).
    Timeout,
    /// The host name could not be resolved.
    Dns,
    /// No connection could be made (refused, unreachable).
    Connect,
    /// The TLS handshake or session failed.
    Tls,
    /// The connection broke while sending or receiving, or the peer spoke bad HTTP.
    Io,
    /// The response body exceeded the size this crate reads.
    TooLarge,
    /// Any other failure in the HTTP layer.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Dns => "host not found",
            TransportKind::Connect => "connection failed",
            TransportKind::Tls => "TLS failure",
            TransportKind::Io => "connection broken",
            TransportKind::TooLarge => "response too large",
            TransportKind::Other => "HTTP failure",
        })
    }
}

/// Which limit of a [`Watcher`](crate::watch::Watcher) a
/// [`Watch`](ErrorKind::Watch) error is about, from [`Error::watch_kind`].
#[cfg(feature = "notifications")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WatchErrorKind {
    /// Making another channel now would pass the ceiling of channels made
    /// per minute ([`WatchBuilder::max_channels_per_minute`](crate::watch::WatchBuilder::max_channels_per_minute)),
    /// or the 20 channels a user and OAuth client may hold at once. The
    /// watcher waits until the ceiling allows the next one.
    ChannelCeiling,
    /// Several connections in a row ended before delivering anything
    /// ([`WatchBuilder::max_empty_connections`](crate::watch::WatchBuilder::max_empty_connections)):
    /// the server keeps closing the channel (`no_longer_subscribed`, say).
    /// The watcher goes on reconnecting, with backoff.
    EmptyConnections,
}

impl Error {
    /// The most characters an error quotes of any one text: a path (with
    /// the ids in it), a server's message, code or correlation id, an
    /// excerpt of a body, a decoder's message. A longer text is cut at a
    /// character boundary and followed by `…`.
    pub const MAX_QUOTED_CHARS: usize = 300;

    /// The most characters of an explanation the crate writes itself and
    /// that may quote several values (why an argument of an
    /// [`InvalidInput`](ErrorKind::InvalidInput) error was rejected, the
    /// message of a [`Config`](ErrorKind::Config) or
    /// [`System`](ErrorKind::System) error, a refused topic's reason); each
    /// value in it is quoted as [`MAX_QUOTED_CHARS`](Error::MAX_QUOTED_CHARS)
    /// says. A longer one is cut and followed by `…`.
    pub const MAX_EXPLANATION_CHARS: usize = 1000;

    /// What the error is about. A [`BulkIncomplete`](ErrorKind::BulkIncomplete)
    /// error is that kind whatever its failing call's is (see
    /// [`bulk`](Error::bulk)).
    pub fn kind(&self) -> ErrorKind {
        match &*self.0 {
            Repr::Api { .. } => ErrorKind::Api,
            Repr::Decode { .. } => ErrorKind::Decode,
            Repr::Auth { .. } => ErrorKind::Auth,
            Repr::Transport { .. } => ErrorKind::Transport,
            Repr::InvalidInput { .. } => ErrorKind::InvalidInput,
            Repr::BulkIncomplete { .. } => ErrorKind::BulkIncomplete,
            Repr::TooManyPages { .. } => ErrorKind::TooManyPages,
            Repr::IncompleteListing { .. } => ErrorKind::IncompleteListing,
            Repr::Config(_) => ErrorKind::Config,
            Repr::System(_) => ErrorKind::System,
            #[cfg(feature = "notifications")]
            Repr::TopicRejected { .. } => ErrorKind::TopicRejected,
            #[cfg(feature = "notifications")]
            Repr::Socket { .. } => ErrorKind::Socket,
            #[cfg(feature = "notifications")]
            Repr::Watch { .. } => ErrorKind::Watch,
        }
    }

    /// The HTTP status of the answer: for [`Api`](ErrorKind::Api) and
    /// [`Decode`](ErrorKind::Decode) errors, and for
    /// [`Auth`](ErrorKind::Auth) errors when the login service answered.
    /// `None` when no answer arrived, or the error is not about one answer.
    pub fn status(&self) -> Option<u16> {
        match self.cause() {
            Repr::Api { status, .. } | Repr::Decode { status, .. } => Some(*status),
            Repr::Auth { status, .. } => *status,
            _ => None,
        }
    }

    /// The Genesys correlation id (the `inin-correlation-id` header, else an
    /// error body's `contextId`), to quote to Genesys support: for
    /// [`Api`](ErrorKind::Api), [`Decode`](ErrorKind::Decode) and
    /// [`Auth`](ErrorKind::Auth) errors whose answer carried one.
    pub fn correlation_id(&self) -> Option<&str> {
        match self.cause() {
            Repr::Api { correlation_id, .. }
            | Repr::Decode { correlation_id, .. }
            | Repr::Auth { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The decoded Genesys error body of an [`Api`](ErrorKind::Api) error,
    /// when the answer was one (not for a gateway's HTML page, say).
    pub fn body(&self) -> Option<&ErrorBody> {
        match self.cause() {
            Repr::Api { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// The Genesys error code of an [`Api`](ErrorKind::Api) error (e.g.
    /// `not.found`), or the OAuth error code of an [`Auth`](ErrorKind::Auth)
    /// error (e.g. `invalid_client`; `access_denied` when a person declined
    /// a loopback sign-in), when the answer had one.
    pub fn code(&self) -> Option<&str> {
        match self.cause() {
            Repr::Api { body, .. } => body.as_ref().and_then(|b| b.code.as_deref()),
            Repr::Auth { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// How long the API asked to wait before trying again (its `Retry-After`
    /// header), for an [`Api`](ErrorKind::Api) error whose answer said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.cause() {
            Repr::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How many times the failed request was sent (1 when it was not
    /// retried): for [`Api`](ErrorKind::Api), [`Decode`](ErrorKind::Decode),
    /// [`Transport`](ErrorKind::Transport) errors, and for
    /// [`Auth`](ErrorKind::Auth) errors how many times the token was asked
    /// for. `None` when no request was sent
    /// ([`InvalidInput`](ErrorKind::InvalidInput),
    /// [`Config`](ErrorKind::Config), an [`Auth`](ErrorKind::Auth) error
    /// known without asking the login service, such as
    /// [`is_sign_in_required`](Error::is_sign_in_required) for stored
    /// tokens without a refresh token, or a sign-in that failed before its
    /// code exchange) or the error is not about one request
    /// (a listing's pages, a socket, a watcher's limit).
    pub fn attempts(&self) -> Option<u32> {
        match self.cause() {
            Repr::Api { attempts, .. }
            | Repr::Transport { attempts, .. }
            | Repr::Auth { attempts, .. }
            | Repr::Decode { attempts, .. } => Some(*attempts).filter(|&sent| sent > 0),
            _ => None,
        }
    }

    /// The HTTP method of the API request, e.g. `GET`: for
    /// [`Api`](ErrorKind::Api), [`Decode`](ErrorKind::Decode) and
    /// [`Transport`](ErrorKind::Transport) errors, and `GET` for a listing's
    /// ([`TooManyPages`](ErrorKind::TooManyPages),
    /// [`IncompleteListing`](ErrorKind::IncompleteListing)). `None` for an
    /// [`Auth`](ErrorKind::Auth) error (the login service's request, whose
    /// URL the message names) and the other kinds.
    pub fn method(&self) -> Option<&'static str> {
        match self.cause() {
            Repr::Api { method, .. } | Repr::Decode { method, .. } | Repr::Transport { method, .. } => {
                Some(*method)
            }
            Repr::TooManyPages { .. } | Repr::IncompleteListing { .. } => Some("GET"),
            _ => None,
        }
    }

    /// The path of the API request, percent-encoded and without the query
    /// (e.g. `/api/v2/users/u1/presences/purecloud`), cut to
    /// [`MAX_QUOTED_CHARS`](Error::MAX_QUOTED_CHARS) characters: for the
    /// kinds [`method`](Error::method) answers for.
    pub fn path(&self) -> Option<&str> {
        match self.cause() {
            Repr::Api { path, .. }
            | Repr::Decode { path, .. }
            | Repr::Transport { path, .. }
            | Repr::TooManyPages { path, .. }
            | Repr::IncompleteListing { path, .. } => Some(path.as_str()),
            _ => None,
        }
    }

    /// How the request got no answer: for a [`Transport`](ErrorKind::Transport)
    /// error, an [`Auth`](ErrorKind::Auth) error whose login service did not
    /// answer, and a notification `Socket` error (with the `notifications`
    /// feature).
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self.cause() {
            Repr::Transport { kind, .. } => Some(*kind),
            Repr::Auth { transport, .. } => *transport,
            #[cfg(feature = "notifications")]
            Repr::Socket { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The rejected argument of an [`InvalidInput`](ErrorKind::InvalidInput)
    /// error, as the function names it (e.g. `user_id`, `page_size`); the
    /// message says why it was rejected.
    pub fn argument(&self) -> Option<&'static str> {
        match self.cause() {
            Repr::InvalidInput { what, .. } => Some(*what),
            _ => None,
        }
    }

    /// The refused topic of a [`TopicRejected`](ErrorKind::TopicRejected)
    /// error, e.g. `v2.users.{userId}.presence` (with the user's id).
    #[cfg(feature = "notifications")]
    pub fn topic(&self) -> Option<&str> {
        match self.cause() {
            Repr::TopicRejected { topic, .. } => Some(topic.as_str()),
            _ => None,
        }
    }

    /// Which limit a [`Watch`](ErrorKind::Watch) error is about.
    #[cfg(feature = "notifications")]
    pub fn watch_kind(&self) -> Option<WatchErrorKind> {
        match self.cause() {
            Repr::Watch { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// What a [`BulkIncomplete`](ErrorKind::BulkIncomplete) error applied,
    /// what it did not, and the failing call's error.
    pub fn bulk(&self) -> Option<&BulkFailure> {
        match &*self.0 {
            Repr::BulkIncomplete { bulk } => Some(bulk),
            _ => None,
        }
    }

    /// True when a timeout expired before the answer arrived (from the API,
    /// the login service, or a notification socket): the
    /// [`transport_kind`](Error::transport_kind) is
    /// [`Timeout`](TransportKind::Timeout).
    pub fn is_timeout(&self) -> bool {
        self.transport_kind() == Some(TransportKind::Timeout)
    }

    /// True for an [`Api`](ErrorKind::Api) error with status `404`: the
    /// user, definition or source asked for does not exist (or no longer).
    pub fn is_not_found(&self) -> bool {
        matches!(self.cause(), Repr::Api { status: 404, .. })
    }

    /// True for a `429 Too Many Requests` from the API
    /// ([`Api`](ErrorKind::Api)) or from the login service
    /// ([`Auth`](ErrorKind::Auth)), once the session's
    /// [`RetryPolicy`](crate::RetryPolicy) gave up waiting;
    /// [`retry_after`](Error::retry_after) says how long the API asked to wait.
    /// The login service's own way of throttling, `400 invalid_request`
    /// "rate limit exceeded", counts too ([`status`](Error::status) is then
    /// `400`, as it answered).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self.cause(),
            Repr::Api { status: 429, .. }
                | Repr::Auth {
                    status: Some(429),
                    ..
                }
                | Repr::Auth { throttled: true, .. }
        )
    }

    /// True when the caller is not signed in: no access token could be had
    /// ([`Auth`](ErrorKind::Auth), whatever the reason), or the API answered
    /// `401` (the token given was refused, also after a refresh). A `403`
    /// (signed in, without a permission) is not.
    pub fn is_auth(&self) -> bool {
        matches!(self.cause(), Repr::Auth { .. } | Repr::Api { status: 401, .. })
    }

    /// True for an [`Auth`](ErrorKind::Auth) error that only signing in
    /// again resolves: the login service refused the person's refresh token
    /// or authorization code (`invalid_grant`: revoked, expired, or already
    /// used), or the session holds neither (a code already spent without a
    /// refresh token, stored tokens without one). Ask the person to sign in
    /// again (see [Signing in as a person](crate#signing-in-as-a-person)) and build a new session.
    pub fn is_sign_in_required(&self) -> bool {
        matches!(
            self.cause(),
            Repr::Auth {
                sign_in_again: true,
                ..
            }
        )
    }

    /// This [`Auth`](ErrorKind::Auth) error, saying that the `what`
    /// (`refresh token`, say) was refused and the user must sign in again.
    pub(crate) fn into_sign_in_again(mut self, what: &str) -> Error {
        if let Repr::Auth {
            reason,
            sign_in_again,
            ..
        } = &mut *self.0
        {
            *reason = format!("the {what} was refused ({reason}): the user must sign in again");
            *sign_in_again = true;
        }
        self
    }

    /// True when trying again later could help: the failure says the server,
    /// the network or the listing was in a passing state. That is
    ///
    /// - an [`Api`](ErrorKind::Api) or [`Auth`](ErrorKind::Auth) error with
    ///   status `408`, `429`, `500`, `502`, `503` or `504`, or one that
    ///   [`is_rate_limited`](Error::is_rate_limited);
    /// - no answer ([`Transport`](ErrorKind::Transport), an
    ///   [`Auth`](ErrorKind::Auth) error without an answer, a notification
    ///   `Socket`) because of a
    ///   [`Timeout`](TransportKind::Timeout), [`Dns`](TransportKind::Dns),
    ///   [`Connect`](TransportKind::Connect) or [`Io`](TransportKind::Io)
    ///   failure;
    /// - an [`IncompleteListing`](ErrorKind::IncompleteListing);
    /// - a `Watch` error of kind `ChannelCeiling` (the watcher waits for
    ///   the ceiling on new channels to allow the next).
    ///
    /// Not retryable: any other status (another `4xx`, `501`), a
    /// [`Tls`](TransportKind::Tls) failure, a too large answer, and the
    /// kinds [`Decode`](ErrorKind::Decode),
    /// [`InvalidInput`](ErrorKind::InvalidInput),
    /// [`TooManyPages`](ErrorKind::TooManyPages), [`Config`](ErrorKind::Config),
    /// [`System`](ErrorKind::System), `TopicRejected`, and a `Watch` error of
    /// kind `EmptyConnections`.
    /// For a [`BulkIncomplete`](ErrorKind::BulkIncomplete) error, it is the
    /// failing call's answer: whether sending the users not applied again
    /// could help.
    ///
    /// The session's [`RetryPolicy`](crate::RetryPolicy) has already retried
    /// what it safely could: wait before trying again
    /// ([`retry_after`](Error::retry_after) says how long when the API said),
    /// and mind that a write that got no answer may have been applied.
    pub fn is_retryable(&self) -> bool {
        match self.cause() {
            Repr::Auth { throttled: true, .. } => true,
            Repr::Api { status, .. }
            | Repr::Auth {
                status: Some(status), ..
            } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
            }
            Repr::Auth {
                transport: Some(kind),
                ..
            }
            | Repr::Transport { kind, .. } => passing(*kind),
            #[cfg(feature = "notifications")]
            Repr::Socket { kind, .. } => passing(*kind),
            Repr::IncompleteListing { .. } => true,
            #[cfg(feature = "notifications")]
            Repr::Watch {
                kind: WatchErrorKind::ChannelCeiling,
                ..
            } => true,
            _ => false,
        }
    }

    /// The error itself, or for a bulk update the failing call's error.
    fn cause(&self) -> &Repr {
        match &*self.0 {
            Repr::BulkIncomplete { bulk } => bulk.failure.cause(),
            other => other,
        }
    }

    /// What the error holds, for the watcher and its tests.
    #[cfg(feature = "notifications")]
    pub(crate) fn repr(&self) -> &Repr {
        &self.0
    }

    /// An [`InvalidInput`](ErrorKind::InvalidInput) error about `what`.
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Repr::InvalidInput {
            what,
            why: Redactor::default().quote(&why.into(), Error::MAX_EXPLANATION_CHARS),
        }
        .into()
    }

    /// A [`Config`](ErrorKind::Config) error saying `text` (a setting and
    /// what is wrong with it).
    pub(crate) fn config(text: String) -> Self {
        Repr::Config(text).into()
    }

    /// A [`System`](ErrorKind::System) error saying `text` (what needed the
    /// resource, and the system's error).
    #[cfg_attr(not(feature = "notifications"), allow(dead_code))]
    pub(crate) fn system(text: String) -> Self {
        Repr::System(text).into()
    }

    /// This error with every text it quotes cut to [`Error::MAX_QUOTED_CHARS`]
    /// and every secret `redactor` knows replaced, in any form (see
    /// [`Redactor`]); a Genesys error body is bounded as [`ErrorBody`] says.
    /// Every error leaving the request path goes through here.
    pub(crate) fn bounded(mut self, redactor: &Redactor) -> Error {
        self.0.bound(redactor);
        self
    }
}

/// Whether a failure to get an answer may pass by itself.
fn passing(kind: TransportKind) -> bool {
    matches!(
        kind,
        TransportKind::Timeout | TransportKind::Dns | TransportKind::Connect | TransportKind::Io
    )
}

impl Repr {
    /// Cuts and redacts every text in place, as [`Error::bounded`] says.
    fn bound(&mut self, redactor: &Redactor) {
        let quote = |text: &mut String| *text = redactor.quote(text, Error::MAX_QUOTED_CHARS);
        let explain = |text: &mut String| *text = redactor.quote(text, Error::MAX_EXPLANATION_CHARS);
        let quote_opt = |text: &mut Option<String>| {
            if let Some(text) = text {
                quote(text);
            }
        };
        let boxed = |text: &mut Box<str>| *text = redactor.quote(text, Error::MAX_QUOTED_CHARS).into();
        match self {
            Repr::Api {
                path,
                body,
                excerpt,
                correlation_id,
                ..
            } => {
                if let Some(body) = body.as_deref_mut() {
                    body.bound(redactor);
                }
                quote(path);
                boxed(excerpt);
                quote_opt(correlation_id);
            }
            Repr::Decode {
                path,
                reason,
                excerpt,
                correlation_id,
                ..
            } => {
                quote(path);
                boxed(reason);
                boxed(excerpt);
                quote_opt(correlation_id);
            }
            Repr::Auth {
                login_url,
                code,
                reason,
                correlation_id,
                ..
            } => {
                quote(login_url);
                quote_opt(code);
                quote(reason);
                quote_opt(correlation_id);
            }
            Repr::Transport { path, detail, .. } => {
                quote(path);
                quote(detail);
            }
            Repr::InvalidInput { why, .. } => explain(why),
            Repr::BulkIncomplete { bulk } => bulk.failure.0.bound(redactor),
            Repr::TooManyPages { path, .. } => quote(path),
            Repr::IncompleteListing { path, detail } => {
                quote(path);
                quote(detail);
            }
            Repr::Config(text) | Repr::System(text) => explain(text),
            #[cfg(feature = "notifications")]
            Repr::TopicRejected { topic, reason } => {
                quote(topic);
                explain(reason);
            }
            #[cfg(feature = "notifications")]
            Repr::Socket { host, detail, .. } => {
                quote(host);
                quote(detail);
            }
            #[cfg(feature = "notifications")]
            Repr::Watch { detail, .. } => explain(detail),
        }
    }
}
/// A quoted text as `Display` shows it: cut to [`Error::MAX_QUOTED_CHARS`]
/// characters (errors made outside the request path may hold longer ones).
struct Shown<'a>(&'a str);

/// An explanation as `Display` shows it: cut to [`Error::MAX_EXPLANATION_CHARS`].
struct Explained<'a>(&'a str);

/// `text` cut after `max` characters, with `…`; a text a bounded error
/// holds (cut, with its `…`) is shown as it is.
fn show_cut(f: &mut fmt::Formatter<'_>, text: &str, max: usize) -> fmt::Result {
    match text.char_indices().nth(max) {
        Some((cut, _)) if &text[cut..] != "…" => write!(f, "{}…", &text[..cut]),
        _ => f.write_str(text),
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show_cut(f, self.0, Error::MAX_QUOTED_CHARS)
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show_cut(f, self.0, Error::MAX_EXPLANATION_CHARS)
    }
}

fn describe_api(body: Option<&ErrorBody>, excerpt: &str, retry_after: Option<Duration>) -> String {
    let mut out = String::new();
    if let Some(body) = body {
        if let Some(code) = &body.code {
            out.push(' ');
            out.push_str(&one_line(code));
        }
        if let Some(message) = &body.message {
            out.push_str(": ");
            out.push_str(&one_line(message));
        }
    } else if !excerpt.is_empty() {
        out.push_str(&format!("; body starts {excerpt:?}"));
    } else {
        out.push_str(" with an empty body");
    }
    if let Some(wait) = retry_after {
        out.push_str(&format!(" (retry after {}s)", wait.as_secs()));
    }
    out
}

fn describe_context(correlation_id: Option<&str>, attempts: u32) -> String {
    let mut out = String::new();
    if let Some(id) = correlation_id {
        out.push_str(&format!(" (correlation id {})", one_line(id)));
    }
    if attempts > 1 {
        out.push_str(&format!(" after {attempts} attempts"));
    }
    out
}

/// Folds line breaks so that a message stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `value` as an explanation quotes it: in quotes with escapes, cut to
/// [`Error::MAX_QUOTED_CHARS`] characters and followed by `…` when longer,
/// so that what the explanation says after it is never cut away.
pub(crate) fn quoted(value: &str) -> String {
    match value.char_indices().nth(Error::MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// The start of a body, for error messages: at most
/// [`Error::MAX_QUOTED_CHARS`] characters, followed by `…` when there is
/// more, with every secret `redactor` knows replaced (in any form, also one
/// that straddles the cut). Invalid UTF-8 is replaced.
pub(crate) fn excerpt(bytes: &[u8], redactor: &Redactor) -> String {
    // Enough bytes for the characters shown and a secret starting among them.
    let window = Error::MAX_QUOTED_CHARS * 4 + redactor.widest_match();
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(window)]);
    let (mut out, cut) = redactor.redact_prefix(&text, Error::MAX_QUOTED_CHARS);
    if cut || bytes.len() > window {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_one_pointer_wide() {
        // clippy's result_large_err fires at 128 bytes, in callers' code too;
        // one pointer keeps `Result<(), Error>` as small as `Error`.
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Result<()>>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Option<Error>>(), std::mem::size_of::<usize>());
    }

    /// What the accessors that are not about an answer say, and the
    /// predicates, in one value to compare whole.
    #[derive(Debug, PartialEq)]
    struct Answers {
        kind: ErrorKind,
        attempts: Option<u32>,
        method: Option<&'static str>,
        path: Option<String>,
        transport_kind: Option<TransportKind>,
        argument: Option<&'static str>,
        bulk: bool,
        /// `is_rate_limited`, `is_not_found`, `is_auth`, `is_timeout`, `is_retryable`.
        predicates: [bool; 5],
    }

    fn answers(error: &Error) -> Answers {
        Answers {
            kind: error.kind(),
            attempts: error.attempts(),
            method: error.method(),
            path: error.path().map(str::to_owned),
            transport_kind: error.transport_kind(),
            argument: error.argument(),
            bulk: error.bulk().is_some(),
            predicates: [
                error.is_rate_limited(),
                error.is_not_found(),
                error.is_auth(),
                error.is_timeout(),
                error.is_retryable(),
            ],
        }
    }

    fn none(kind: ErrorKind) -> Answers {
        Answers {
            kind,
            attempts: None,
            method: None,
            path: None,
            transport_kind: None,
            argument: None,
            bulk: false,
            predicates: [false; 5],
        }
    }

    fn transport(kind: TransportKind) -> Error {
        Repr::Transport {
            method: "PATCH",
            path: "/p".into(),
            kind,
            detail: "d".into(),
            attempts: 2,
        }
        .into()
    }

    fn auth(status: Option<u16>, transport: Option<TransportKind>) -> Error {
        Repr::Auth {
            login_url: "https://login.example".into(),
            status,
            code: None,
            reason: "r".into(),
            correlation_id: None,
            attempts: 3,
            transport,
            sign_in_again: false,
            throttled: false,
        }
        .into()
    }

    #[test]
    fn transport_failures_are_retryable_when_they_may_pass() {
        for (kind, retryable) in [
            (TransportKind::Timeout, true),
            (TransportKind::Dns, true),
            (TransportKind::Connect, true),
            (TransportKind::Io, true),
            (TransportKind::Tls, false),
            (TransportKind::TooLarge, false),
            (TransportKind::Other, false),
        ] {
            let timeout = kind == TransportKind::Timeout;
            assert_eq!(
                answers(&transport(kind)),
                Answers {
                    attempts: Some(2),
                    method: Some("PATCH"),
                    path: Some("/p".into()),
                    transport_kind: Some(kind),
                    predicates: [false, false, false, timeout, retryable],
                    ..none(ErrorKind::Transport)
                }
            );
            assert_eq!(
                answers(&auth(None, Some(kind))),
                Answers {
                    attempts: Some(3),
                    transport_kind: Some(kind),
                    predicates: [false, false, true, timeout, retryable],
                    ..none(ErrorKind::Auth)
                }
            );
        }
    }

    #[test]
    fn login_answers_are_auth_errors_retryable_for_the_passing_statuses() {
        for (status, retryable) in [
            (400, false),
            (401, false),
            (408, true),
            (429, true),
            (500, true),
            (501, false),
        ] {
            assert_eq!(
                answers(&auth(Some(status), None)),
                Answers {
                    attempts: Some(3),
                    predicates: [status == 429, false, true, false, retryable],
                    ..none(ErrorKind::Auth)
                },
                "{status}"
            );
        }
    }

    #[test]
    fn errors_about_no_one_request_answer_none() {
        let cases: Vec<(Error, Answers)> = vec![
            (
                Error::invalid("user_id", "is empty"),
                Answers {
                    argument: Some("user_id"),
                    ..none(ErrorKind::InvalidInput)
                },
            ),
            (
                Error::config("locale must not be empty".into()),
                none(ErrorKind::Config),
            ),
            (
                Error::system("watch: cannot start the socket reader thread: no threads".into()),
                none(ErrorKind::System),
            ),
            (
                Repr::TooManyPages {
                    path: "/l".into(),
                    pages: 1000,
                }
                .into(),
                Answers {
                    method: Some("GET"),
                    path: Some("/l".into()),
                    ..none(ErrorKind::TooManyPages)
                },
            ),
            (
                Repr::IncompleteListing {
                    path: "/l".into(),
                    detail: "d".into(),
                }
                .into(),
                Answers {
                    method: Some("GET"),
                    path: Some("/l".into()),
                    predicates: [false, false, false, false, true],
                    ..none(ErrorKind::IncompleteListing)
                },
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(answers(&error), expected, "{error}");
            assert!(std::error::Error::source(&error).is_none());
        }
    }

    #[test]
    fn a_system_error_says_what_was_refused_and_is_not_configuration() {
        let error = Error::system("watch: cannot start the recovery thread: no threads".into());
        assert_eq!(
            error.to_string(),
            "watch: cannot start the recovery thread: no threads"
        );
        assert_eq!(
            format!("{error:?}"),
            r#"System("watch: cannot start the recovery thread: no threads")"#
        );
    }

    #[test]
    fn a_bulk_error_looks_through_to_its_failure_and_has_no_source() {
        let failure = auth(Some(429), None);
        let failing = answers(&failure);
        let error: Error = Repr::BulkIncomplete {
            bulk: BulkFailure::new(
                vec!["a".into()],
                vec!["b".into(), "c".into()],
                Vec::new(),
                failure,
            ),
        }
        .into();
        assert_eq!(
            answers(&error),
            Answers {
                kind: ErrorKind::BulkIncomplete,
                bulk: true,
                ..failing
            }
        );
        let bulk = error.bulk().unwrap();
        assert_eq!(bulk.applied_user_ids(), ["a"]);
        assert_eq!(bulk.not_applied_user_ids(), ["b", "c"]);
        assert!(bulk.applied().is_empty());
        assert_eq!(bulk.failure().kind(), ErrorKind::Auth);
        assert_eq!(
            error.to_string(),
            "bulk update stopped after 1 of 3 users: authentication failed at https://login.example: r after 3 attempts"
        );
        assert!(std::error::Error::source(&error).is_none());
    }

    #[cfg(feature = "notifications")]
    #[test]
    fn notification_errors_answer_their_own_accessors() {
        let socket = |kind| -> Error {
            Repr::Socket {
                host: "h".into(),
                kind,
                detail: "d".into(),
            }
            .into()
        };
        for (kind, retryable) in [
            (TransportKind::Timeout, true),
            (TransportKind::Io, true),
            (TransportKind::Tls, false),
            (TransportKind::TooLarge, false),
            (TransportKind::Other, false),
        ] {
            let error = socket(kind);
            assert_eq!(
                answers(&error),
                Answers {
                    transport_kind: Some(kind),
                    predicates: [false, false, false, kind == TransportKind::Timeout, retryable],
                    ..none(ErrorKind::Socket)
                }
            );
            assert_eq!((error.topic(), error.watch_kind()), (None, None));
        }
        for (kind, retryable) in [
            (WatchErrorKind::ChannelCeiling, true),
            (WatchErrorKind::EmptyConnections, false),
        ] {
            let error: Error = Repr::Watch {
                kind,
                detail: "d".into(),
            }
            .into();
            assert_eq!(
                answers(&error),
                Answers {
                    predicates: [false, false, false, false, retryable],
                    ..none(ErrorKind::Watch)
                }
            );
            assert_eq!((error.topic(), error.watch_kind()), (None, Some(kind)));
        }
        let refused: Error = Repr::TopicRejected {
            topic: "v2.users.u1.presence".into(),
            reason: "missing permission".into(),
        }
        .into();
        assert_eq!(answers(&refused), none(ErrorKind::TopicRejected));
        assert_eq!(refused.topic(), Some("v2.users.u1.presence"));
        assert_eq!(refused.watch_kind(), None);
    }
}
