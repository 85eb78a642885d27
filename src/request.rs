//! The one place that sends requests and turns answers into `Result`s.
//!
//! Operations only describe a call ([`Call`]) and hand it to [`send_json`] or
//! [`send_empty`]; URLs, headers, the token, timeouts, status handling and
//! decoding all happen here.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use ureq::http::HeaderValue;

use crate::error::excerpt;
use crate::error::{Error, Repr, Result};
use crate::exchange::ExchangeKind;
use crate::models::ErrorBody;
use crate::retry::Attempts;
use crate::secret::Redactor;
use crate::session::Session;
use crate::transport::{Method, Outgoing, Reply};

const JSON: &str = "application/json";

/// A description of one API call: method, path (already encoded), query pairs
/// in the order they are sent, an optional JSON body, and whether sending it
/// twice does what sending it once does.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    idempotent: bool,
}

impl Call {
    pub(crate) fn new(method: Method, path: String) -> Call {
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotent: method.is_idempotent(),
        }
    }

    /// Marks a POST that only reads (a search) as safe to send again after
    /// a gateway error or a lost connection, as a GET is.
    pub(crate) fn read_only(mut self) -> Call {
        self.idempotent = true;
        self
    }

    pub(crate) fn get(path: String) -> Call {
        Call::new(Method::Get, path)
    }

    pub(crate) fn post(path: String) -> Call {
        Call::new(Method::Post, path)
    }

    pub(crate) fn put(path: String) -> Call {
        Call::new(Method::Put, path)
    }

    pub(crate) fn patch(path: String) -> Call {
        Call::new(Method::Patch, path)
    }

    pub(crate) fn delete(path: String) -> Call {
        Call::new(Method::Delete, path)
    }

    /// Adds a query pair (encoded when sent).
    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Call {
        self.query.push((key, value.into()));
        self
    }

    /// Adds a query pair when there is a value.
    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl Into<String>>) -> Call {
        match value {
            Some(value) => self.query(key, value),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Call> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be written as JSON: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn url(&self, api_url: &str) -> String {
        let mut url = String::with_capacity(api_url.len() + self.path.len() + 16 * self.query.len());
        url.push_str(api_url);
        url.push_str(&self.path);
        for (i, (key, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.extend(utf8_percent_encode(value, RESERVED));
        }
        url
    }
}

/// Percent-encodes `value` as one path segment. Every byte outside
/// `A-Z a-z 0-9 - . _ ~` is encoded, `/` included, and `.` and `..` (which
/// a server or proxy resolves as "this" and "the parent" directory) are
/// refused, so an id can never change the path.
///
/// # Errors
///
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming `what` when the
/// value is empty, blank, `.` or `..`.
pub(crate) fn segment(what: &'static str, value: &str) -> Result<String> {
    let mut encoded = String::with_capacity(value.len());
    push_segment(&mut encoded, what, value)?;
    Ok(encoded)
}

/// [`segment`], written at the end of `path` (no string of its own).
///
/// # Errors
///
/// As [`segment`]'s.
pub(crate) fn push_segment(path: &mut String, what: &'static str, value: &str) -> Result<()> {
    require_segment(what, value)?;
    path.extend(utf8_percent_encode(value, RESERVED));
    Ok(())
}

/// `value` can be one path segment: not empty or blank, not a dot segment.
fn require_segment(what: &'static str, value: &str) -> Result<()> {
    crate::args::require_text(what, value)?;
    if value == "." || value == ".." {
        return Err(crate::error::Error::invalid(
            what,
            format!("{value:?} would change the request's path"),
        ));
    }
    Ok(())
}

/// Every byte but `A-Z a-z 0-9 - . _ ~` (RFC 3986's unreserved characters).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Sends `call` and decodes a 2xx answer's body as `T`.
pub(crate) fn send_json<T: DeserializeOwned>(session: &Session, call: &Call) -> Result<T> {
    let (reply, attempts, bearer) = execute(session, call)?;
    serde_json::from_slice(&reply.body).map_err(|e| {
        // serde quotes what it could not decode: the body may echo a secret.
        let redactor = redactor(session, Some(&bearer));
        Error::from(Repr::Decode {
            method: call.method.as_str(),
            path: call.path.clone(),
            status: reply.status,
            type_name: shorten(std::any::type_name::<T>()).into(),
            reason: e.to_string().into(),
            excerpt: excerpt(&reply.body, &redactor).into(),
            correlation_id: reply.correlation_id,
            attempts,
        })
        .bounded(&redactor)
    })
}

/// Sends `call` and ignores a 2xx answer's body.
pub(crate) fn send_empty(session: &Session, call: &Call) -> Result<()> {
    execute(session, call).map(drop)
}

/// Sends `call` with the session's token, following the session's
/// [`RetryPolicy`](crate::RetryPolicy); a 401 with client credentials fetches a
/// new token and sends the call once more. Returns a 2xx answer, how many
/// sends it took and the `Authorization` it went with, or the error the last
/// answer (or failure) means, bounded and without any secret
/// ([`Error::bounded`]).
fn execute(session: &Session, call: &Call) -> Result<(Reply, u32, HeaderValue)> {
    let mut used = None;
    let outcome = send_with_retries(session, call, &mut used);
    outcome.map_err(|error| error.bounded(&redactor(session, used.as_ref())))
}

/// [`execute`]'s loop; `used` is the last `Authorization` sent.
fn send_with_retries(
    session: &Session,
    call: &Call,
    used: &mut Option<HeaderValue>,
) -> Result<(Reply, u32, HeaderValue)> {
    let url = call.url(session.api_url());
    let body = call.body.as_deref().map(|b| (JSON, b));
    let (auth, transport) = (session.auth(), session.transport());
    transport.outside_observer()?;
    let mut attempts = Attempts::new(
        session.retry_policy(),
        call.idempotent,
        call.method.as_str(),
        &call.path,
    );
    let mut refreshed = false;
    loop {
        let bearer = auth.bearer(transport, session.retry_policy())?;
        *used = Some(bearer.header.clone());
        attempts.begin();
        let request = Outgoing {
            kind: ExchangeKind::Api,
            method: call.method,
            path: &call.path,
            attempt: attempts.made(),
            url: &url,
            authorization: Some(&bearer.header),
            body,
        };
        let reply = match transport.send(&request) {
            Ok(reply) => reply,
            Err(failure) if attempts.again_after_failure(failure.kind) => continue,
            Err(failure) => {
                return Err(Repr::Transport {
                    method: call.method.as_str(),
                    path: call.path.clone(),
                    kind: failure.kind,
                    detail: failure.detail,
                    attempts: attempts.made(),
                }
                .into())
            }
        };
        if log::log_enabled!(log::Level::Trace) {
            trace_bodies(session, call, &reply, &bearer.header);
        }
        if (200..300).contains(&reply.status) {
            return Ok((reply, attempts.made(), bearer.header));
        }
        if reply.status == 401 && !refreshed && auth.can_refresh() {
            log::info!(
                "{} {}: answered 401; asking for a new token and sending again",
                call.method.as_str(),
                call.path
            );
            auth.invalidate(&bearer);
            refreshed = true;
            continue;
        }
        if !attempts.again_after_status(reply.status, reply.retry_after) {
            return Err(api_error(session, call, reply, attempts.made(), &bearer.header));
        }
    }
}

/// Logs the bodies of one exchange at trace level, as error text quotes
/// them: every secret of [`redactor`] hidden, cut to
/// [`Error::MAX_QUOTED_CHARS`] characters.
fn trace_bodies(session: &Session, call: &Call, reply: &Reply, used: &HeaderValue) {
    let redactor = redactor(session, Some(used));
    let (method, path) = (call.method.as_str(), &call.path);
    if let Some(body) = &call.body {
        log::trace!(
            "{method} {path}: request body ({} bytes): {}",
            body.len(),
            excerpt(body, &redactor)
        );
    }
    log::trace!(
        "{method} {path}: answer body ({} bytes): {}",
        reply.body.len(),
        excerpt(&reply.body, &redactor)
    );
}

/// Every secret error text and logs must not show: the session's (client
/// secret, encoded credentials, current token, long header values) and the
/// token a call was sent with.
fn redactor(session: &Session, used: Option<&HeaderValue>) -> Redactor {
    let mut secrets = session.secrets();
    let token = used
        .and_then(|header| header.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    secrets.extend(token.map(str::to_owned));
    Redactor::new(secrets)
}

/// The error an answer outside 2xx means. The body is decoded first, then
/// whatever is shown of it (every string of the decoded body, or an
/// excerpt of the raw body) has any secret it echoes replaced, in any
/// encoding, and is cut to size ([`Error::bounded`]).
fn api_error(session: &Session, call: &Call, reply: Reply, attempts: u32, used: &HeaderValue) -> Error {
    let redactor = redactor(session, Some(used));
    let body = ErrorBody::decode(&reply.body);
    let correlation_id = reply
        .correlation_id
        .or_else(|| body.as_ref().and_then(|b| b.context_id.clone()));
    Error::from(Repr::Api {
        method: call.method.as_str(),
        path: call.path.clone(),
        status: reply.status,
        excerpt: if body.is_some() {
            Box::default()
        } else {
            excerpt(&reply.body, &redactor).into()
        },
        body: body.map(Box::new),
        correlation_id,
        retry_after: reply.retry_after,
        attempts,
    })
    .bounded(&redactor)
}

/// `genesys_presence::models::presence::UserPresence` → `UserPresence`,
/// `alloc::vec::Vec<…::SystemPresence>` → `Vec<SystemPresence>`.
fn shorten(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut token = String::new();
    for c in full.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            token.push(c);
        } else {
            out.push_str(token.rsplit("::").next().unwrap_or(&token));
            token.clear();
            if c != '\0' {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_encode_every_reserved_byte() {
        assert_eq!(segment("id", "a/b c?#%é").unwrap(), "a%2Fb%20c%3F%23%25%C3%A9");
        assert_eq!(segment("id", "Abc-1.2_3~").unwrap(), "Abc-1.2_3~");
        let err = segment("user_id", " ").unwrap_err().to_string();
        assert_eq!(err, "invalid user_id: must not be empty");
        for dots in [".", ".."] {
            let err = segment("user_id", dots).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("invalid user_id: {dots:?} would change the request's path")
            );
            let mut path = String::from("/api/v2/users/");
            assert!(push_segment(&mut path, "user_id", dots).is_err());
        }
        assert_eq!(segment("id", "...").unwrap(), "...");
    }

    #[test]
    fn urls_carry_encoded_query_pairs_in_order() {
        let call = Call::get("/api/v2/x".into())
            .query("pageSize", "2")
            .query("localeCode", "pt BR&x");
        assert_eq!(
            call.url("http://h"),
            "http://h/api/v2/x?pageSize=2&localeCode=pt%20BR%26x"
        );
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(
            shorten("alloc::vec::Vec<genesys_presence::models::SystemPresence>"),
            "Vec<SystemPresence>"
        );
        assert_eq!(
            shorten("genesys_presence::models::presence::UserPresence"),
            "UserPresence"
        );
    }
}
