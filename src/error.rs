//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use crate::models::ErrorBody;
use crate::secret::Redactor;

/// The result of every operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, with what a caller needs to act on it.
///
/// Branch with the accessors ([`status`](Error::status),
/// [`correlation_id`](Error::correlation_id), [`body`](Error::body),
/// [`retry_after`](Error::retry_after), [`is_timeout`](Error::is_timeout),
/// [`is_not_found`](Error::is_not_found)) rather than matching fields, so new
/// context can be added without breaking you.
///
/// `Display` is one line that says what happened and where, for example
/// `GET /api/v2/users/u1/presences/purecloud: 404 not.found: The requested resource was not found. (correlation id 5e0b…)`.
///
/// No variant ever holds the client secret or an access token, in whatever
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
/// The type is kept under 128 bytes, so returning `Result<T, Error>` from your
/// own functions does not trip clippy's `result_large_err`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status outside 2xx.
    #[error("{method} {}: {status}{}{}", Shown(path), describe_api(body.as_deref(), excerpt, *retry_after), describe_context(correlation_id.as_deref(), *attempts))]
    #[non_exhaustive]
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
        /// How many times the request was sent.
        attempts: u32,
    },

    /// A 2xx answer whose body is not what the operation returns.
    #[error("{method} {}: {status} but the body is not a valid {type_name}: {}; body starts {:?}{}", Shown(path), Shown(reason), Shown(excerpt), describe_context(correlation_id.as_deref(), *attempts))]
    #[non_exhaustive]
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
    #[non_exhaustive]
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
        /// How many times the token was asked for.
        attempts: u32,
        /// Why no answer arrived, when none did (`None` when the login
        /// service answered).
        transport: Option<TransportKind>,
    },

    /// The request did not get an answer: timeout, DNS, connect, TLS or I/O failure.
    #[error("{method} {}: {kind}: {}{}", Shown(path), Shown(detail), describe_context(None, *attempts))]
    #[non_exhaustive]
    Transport {
        /// HTTP method of the request.
        method: &'static str,
        /// Request path.
        path: String,
        /// What kind of failure.
        kind: TransportKind,
        /// The underlying error's text.
        detail: String,
        /// How many times the request was sent.
        attempts: u32,
    },

    /// An argument was rejected before any request was sent.
    #[error("invalid {what}: {}", Explained(why))]
    #[non_exhaustive]
    InvalidInput {
        /// The argument, e.g. `user_id`.
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },

    /// A bulk update split into several calls failed part-way: the users of
    /// the earlier calls were applied, those of the failing call and after
    /// were not (the failing call's own error is `source`).
    #[error("bulk update stopped after {} of {} users: {source}", applied_user_ids.len(), applied_user_ids.len() + not_applied_user_ids.len())]
    #[non_exhaustive]
    BulkIncomplete {
        /// The users whose presence was set, in input order.
        applied_user_ids: Vec<String>,
        /// The users whose presence was not set, in input order.
        not_applied_user_ids: Vec<String>,
        /// The API's answers for the applied users.
        applied: Vec<crate::models::UserPresence>,
        /// Why the failing call failed.
        source: Box<Error>,
    },

    /// A listing announced more pages than are followed (see
    /// [`definitions::MAX_PAGES`](crate::definitions::MAX_PAGES)); what was
    /// read is dropped rather than returned as if it were complete.
    #[error(
        "GET {}: still more pages after {pages}; narrow the query or read pages with list",
        Shown(path)
    )]
    #[non_exhaustive]
    TooManyPages {
        /// Request path of the listing.
        path: String,
        /// How many pages were read.
        pages: usize,
    },

    /// A listing's pages do not add up: the server answered another page
    /// than the one asked for, announced pages or items it did not deliver,
    /// or delivered more than it announced. What was read is dropped rather
    /// than returned as if it were complete; reading again usually helps
    /// (the listing may have changed while it was read).
    #[error("GET {}: incomplete listing: {}", Shown(path), Shown(detail))]
    #[non_exhaustive]
    IncompleteListing {
        /// Request path of the listing.
        path: String,
        /// What does not add up, e.g. `asked for page 3, the server answered page 2`.
        detail: String,
    },

    /// The session could not be built from the configuration given.
    #[error("session configuration: {}", Explained(.0))]
    Config(String),

    /// A notification topic was refused by the API (the caller lacks a
    /// permission, or the user does not exist). A
    /// [`Watcher`](crate::watch::Watcher) reports each refused user once, as an
    /// `Err` item, and goes on watching the others.
    #[cfg(feature = "notifications")]
    #[error("subscription to {} rejected: {}", Shown(topic), Explained(reason))]
    #[non_exhaustive]
    TopicRejected {
        /// The topic, e.g. `v2.users.{userId}.presence`.
        topic: String,
        /// The API's reason and the missing permissions, if it named them.
        reason: String,
    },

    /// The notification WebSocket could not be opened, or failed.
    ///
    /// Shows the host only: the socket's full address is the channel's
    /// `connectUri`, which is all it takes to read the channel's events.
    #[cfg(feature = "notifications")]
    #[error("notification socket to {}: {}", Shown(host), Shown(detail))]
    #[non_exhaustive]
    Socket {
        /// The WebSocket host, e.g. `streaming.mypurecloud.com`.
        host: String,
        /// What kind of failure.
        kind: TransportKind,
        /// What happened, starting with the kind of failure (`timed out: …`).
        detail: String,
    },

    /// A [`Watcher`](crate::watch::Watcher) hit one of its limits: it yields
    /// this as an `Err` item and goes on (see [`WatchErrorKind`]).
    #[cfg(feature = "notifications")]
    #[error("watch: {}", Explained(detail))]
    #[non_exhaustive]
    Watch {
        /// Which limit.
        kind: WatchErrorKind,
        /// What keeps happening, in words.
        detail: String,
    },
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Which limit of a [`Watcher`](crate::watch::Watcher) an [`Error::Watch`] is about.
#[cfg(feature = "notifications")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// that may quote several values (the reason of an
    /// [`InvalidInput`](Error::InvalidInput), a [`Config`](Error::Config)
    /// error, a refused topic's reason); each value in it is quoted as
    /// [`MAX_QUOTED_CHARS`](Error::MAX_QUOTED_CHARS) says. A longer one is
    /// cut and followed by `…`.
    pub const MAX_EXPLANATION_CHARS: usize = 1000;

    /// The HTTP status of the answer, for API, decode and authentication errors.
    pub fn status(&self) -> Option<u16> {
        match self.cause() {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            _ => None,
        }
    }

    /// The Genesys correlation id (`inin-correlation-id`), to quote to Genesys support.
    pub fn correlation_id(&self) -> Option<&str> {
        match self.cause() {
            Error::Api { correlation_id, .. }
            | Error::Decode { correlation_id, .. }
            | Error::Auth { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The decoded Genesys error body of an API error, when the answer had one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self.cause() {
            Error::Api { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// The Genesys error code (e.g. `not.found`), or the OAuth error code for
    /// authentication failures (e.g. `invalid_client`).
    pub fn code(&self) -> Option<&str> {
        match self.cause() {
            Error::Api { body, .. } => body.as_ref().and_then(|b| b.code.as_deref()),
            Error::Auth { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self.cause() {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How many times the failed request was sent (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        match self.cause() {
            Error::Api { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Auth { attempts, .. }
            | Error::Decode { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// True when a timeout expired before the answer arrived (from the API,
    /// the login service, or a notification socket).
    pub fn is_timeout(&self) -> bool {
        #[cfg(feature = "notifications")]
        if let Error::Socket {
            kind: TransportKind::Timeout,
            ..
        } = self
        {
            return true;
        }
        matches!(
            self.cause(),
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            } | Error::Auth {
                transport: Some(TransportKind::Timeout),
                ..
            }
        )
    }

    /// True for a 404 answer.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404) && matches!(self.cause(), Error::Api { .. })
    }

    /// The error itself, or for [`Error::BulkIncomplete`] the failing call's error.
    fn cause(&self) -> &Error {
        match self {
            Error::BulkIncomplete { source, .. } => source.cause(),
            other => other,
        }
    }

    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            why: Redactor::default().quote(&why.into(), Error::MAX_EXPLANATION_CHARS),
        }
    }

    /// This error with every text it quotes cut to [`Error::MAX_QUOTED_CHARS`]
    /// and every secret `redactor` knows replaced, in any form (see
    /// [`Redactor`]); a Genesys error body is bounded as [`ErrorBody`] says.
    /// Every error leaving the request path goes through here.
    pub(crate) fn bounded(self, redactor: &Redactor) -> Error {
        let quote = |text: &str| redactor.quote(text, Error::MAX_QUOTED_CHARS);
        let explain = |text: &str| redactor.quote(text, Error::MAX_EXPLANATION_CHARS);
        let quote_opt = |text: Option<String>| text.map(|t| quote(&t));
        let boxed = |text: &str| Box::<str>::from(quote(text));
        match self {
            Error::Api {
                method,
                path,
                status,
                mut body,
                excerpt,
                correlation_id,
                retry_after,
                attempts,
            } => {
                if let Some(body) = body.as_deref_mut() {
                    body.bound(redactor);
                }
                Error::Api {
                    method,
                    path: quote(&path),
                    status,
                    body,
                    excerpt: boxed(&excerpt),
                    correlation_id: quote_opt(correlation_id),
                    retry_after,
                    attempts,
                }
            }
            Error::Decode {
                method,
                path,
                status,
                type_name,
                reason,
                excerpt,
                correlation_id,
                attempts,
            } => Error::Decode {
                method,
                path: quote(&path),
                status,
                type_name,
                reason: boxed(&reason),
                excerpt: boxed(&excerpt),
                correlation_id: quote_opt(correlation_id),
                attempts,
            },
            Error::Auth {
                login_url,
                status,
                code,
                reason,
                correlation_id,
                attempts,
                transport,
            } => Error::Auth {
                login_url: quote(&login_url),
                status,
                code: quote_opt(code),
                reason: quote(&reason),
                correlation_id: quote_opt(correlation_id),
                attempts,
                transport,
            },
            Error::Transport {
                method,
                path,
                kind,
                detail,
                attempts,
            } => Error::Transport {
                method,
                path: quote(&path),
                kind,
                detail: quote(&detail),
                attempts,
            },
            Error::InvalidInput { what, why } => Error::InvalidInput {
                what,
                why: explain(&why),
            },
            Error::BulkIncomplete {
                applied_user_ids,
                not_applied_user_ids,
                applied,
                source,
            } => Error::BulkIncomplete {
                applied_user_ids,
                not_applied_user_ids,
                applied,
                source: Box::new(source.bounded(redactor)),
            },
            Error::TooManyPages { path, pages } => Error::TooManyPages {
                path: quote(&path),
                pages,
            },
            Error::IncompleteListing { path, detail } => Error::IncompleteListing {
                path: quote(&path),
                detail: quote(&detail),
            },
            Error::Config(text) => Error::Config(explain(&text)),
            #[cfg(feature = "notifications")]
            Error::TopicRejected { topic, reason } => Error::TopicRejected {
                topic: quote(&topic),
                reason: explain(&reason),
            },
            #[cfg(feature = "notifications")]
            Error::Socket { host, kind, detail } => Error::Socket {
                host: quote(&host),
                kind,
                detail: quote(&detail),
            },
            #[cfg(feature = "notifications")]
            Error::Watch { kind, detail } => Error::Watch {
                kind,
                detail: explain(&detail),
            },
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
    fn errors_stay_small_enough_for_callers_results() {
        // clippy's result_large_err fires at 128 bytes, in callers' code too.
        assert!(
            std::mem::size_of::<Error>() < 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
