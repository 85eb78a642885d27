//! The one place that sends requests and turns answers into `Result`s.
//!
//! Operations only describe a call ([`Call`]) and hand it to [`send_json`] or
//! [`send_empty`]; URLs, headers, the token, timeouts, status handling and
//! decoding all happen here.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::http::{header, HeaderValue, Request};

use crate::auth;
use crate::error::{excerpt, TransportKind};
use crate::models::ErrorBody;
use crate::retry::Attempts;
use crate::secret::{redact, redact_bytes};
use crate::session::Session;
use crate::{Error, Result};

const JSON: &str = "application/json";

/// The HTTP methods the Presence API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    /// Only the notifications' "does this channel exist" check uses it.
    #[cfg_attr(not(feature = "notifications"), allow(dead_code))]
    Head,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// True when sending the request twice has the effect of sending it once.
    pub(crate) fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete | Method::Head)
    }

    fn to_http(self) -> ureq::http::Method {
        match self {
            Method::Get => ureq::http::Method::GET,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
            Method::Patch => ureq::http::Method::PATCH,
            Method::Delete => ureq::http::Method::DELETE,
            Method::Head => ureq::http::Method::HEAD,
        }
    }
}

/// A description of one API call: method, path (already encoded), query pairs
/// in the order they are sent, and an optional JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl Call {
    pub(crate) fn new(method: Method, path: String) -> Call {
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
        }
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
            percent_encode_into(&mut url, value);
        }
        url
    }
}

/// Percent-encodes `value` as one path segment. Every byte outside
/// `A-Z a-z 0-9 - . _ ~` is encoded, `/` included, so an id can never change
/// the path.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming `what` when the value is empty or blank.
pub(crate) fn segment(what: &'static str, value: &str) -> Result<String> {
    crate::args::require_text(what, value)?;
    Ok(percent_encode(value))
}

/// `value` with every byte outside `A-Z a-z 0-9 - . _ ~` percent-encoded.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(&mut out, value);
    out
}

fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Sends `call` and decodes a 2xx answer's body as `T`.
pub(crate) fn send_json<T: DeserializeOwned>(session: &Session, call: &Call) -> Result<T> {
    let (reply, attempts) = execute(session, call)?;
    serde_json::from_slice(&reply.body).map_err(|e| {
        // serde quotes what it could not decode: the body may echo a secret.
        let secrets = session.inner.auth.secrets();
        Error::Decode {
            method: call.method.as_str(),
            path: call.path.clone(),
            status: reply.status,
            type_name: shorten(std::any::type_name::<T>()).into(),
            reason: redact(&e.to_string(), &secrets).into(),
            excerpt: excerpt(&redact_bytes(&reply.body, &secrets)).into(),
            correlation_id: reply.correlation_id.map(|id| redact(&id, &secrets)),
            attempts,
        }
    })
}

/// Sends `call` and ignores a 2xx answer's body.
pub(crate) fn send_empty(session: &Session, call: &Call) -> Result<()> {
    execute(session, call).map(drop)
}

/// An answer, read whole.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) correlation_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// Why no answer arrived.
pub(crate) struct Failure {
    pub(crate) kind: TransportKind,
    pub(crate) detail: String,
}

/// Sends `call` with the session's token, following the session's
/// [`RetryPolicy`](crate::RetryPolicy); a 401 with client credentials fetches a
/// new token and sends the call once more. Returns a 2xx answer and how many
/// sends it took, or the error the last answer (or failure) means.
fn execute(session: &Session, call: &Call) -> Result<(Reply, u32)> {
    let url = call.url(&session.inner.api_url);
    let body = call.body.as_deref().map(|b| (JSON, b));
    let mut attempts = Attempts::new(&session.inner.retry, call.method.is_idempotent());
    let mut refreshed = false;
    loop {
        let bearer = auth::bearer(session)?;
        attempts.begin();
        let reply = match exchange(session, call.method, &url, &bearer.header, body) {
            Ok(reply) => reply,
            Err(failure) if attempts.again_after_failure(failure.kind) => continue,
            Err(failure) => {
                return Err(Error::Transport {
                    method: call.method.as_str(),
                    path: call.path.clone(),
                    kind: failure.kind,
                    detail: failure.detail,
                    attempts: attempts.made(),
                })
            }
        };
        if (200..300).contains(&reply.status) {
            return Ok((reply, attempts.made()));
        }
        if reply.status == 401 && !refreshed && session.inner.auth.can_refresh() {
            auth::invalidate(session, &bearer);
            refreshed = true;
            continue;
        }
        if !attempts.again_after_status(reply.status, reply.retry_after) {
            return Err(api_error(session, call, reply, attempts.made()));
        }
    }
}

/// The error an answer outside 2xx means. The body is shown in part, so any
/// secret it echoes (a server quoting the `Authorization` header, say) is
/// redacted first.
fn api_error(session: &Session, call: &Call, reply: Reply, attempts: u32) -> Error {
    let secrets = session.inner.auth.secrets();
    let shown = redact_bytes(&reply.body, &secrets);
    let body = serde_json::from_slice::<ErrorBody>(&shown)
        .ok()
        .filter(|b| b.code.is_some() || b.message.is_some());
    let correlation_id = reply
        .correlation_id
        .map(|id| redact(&id, &secrets))
        .or_else(|| body.as_ref().and_then(|b| b.context_id.clone()));
    Error::Api {
        method: call.method.as_str(),
        path: call.path.clone(),
        status: reply.status,
        excerpt: if body.is_some() {
            Box::default()
        } else {
            excerpt(&shown).into()
        },
        body: body.map(Box::new),
        correlation_id,
        retry_after: reply.retry_after,
        attempts,
    }
}

/// Sends one request and reads the whole answer, whatever its status.
pub(crate) fn exchange(
    session: &Session,
    method: Method,
    url: &str,
    authorization: &HeaderValue,
    body: Option<(&'static str, &[u8])>,
) -> std::result::Result<Reply, Failure> {
    let inner = &session.inner;
    if let Some(pacer) = &inner.pacer {
        pacer.wait();
    }
    let builder = Request::builder()
        .method(method.to_http())
        .uri(url)
        .header(header::ACCEPT, HeaderValue::from_static(JSON))
        .header(header::AUTHORIZATION, authorization.clone())
        .header(header::USER_AGENT, inner.user_agent.clone());
    let sent = match body {
        Some((content_type, bytes)) => {
            let request = builder
                .header(header::CONTENT_TYPE, HeaderValue::from_static(content_type))
                .body(bytes)
                .map_err(|e| failure(TransportKind::Other, e.to_string()))?;
            run(session, request)
        }
        None => {
            let request = builder
                .body(())
                .map_err(|e| failure(TransportKind::Other, e.to_string()))?;
            run(session, request)
        }
    };
    let response = sent.map_err(classify)?;
    let status = response.status().as_u16();
    let headers = response.headers();
    let correlation_id = headers
        .get("inin-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response
        .into_body()
        .into_with_config()
        .limit(inner.max_response_bytes)
        .read_to_vec()
        .map_err(classify)?;
    Ok(Reply {
        status,
        correlation_id,
        retry_after,
        body,
    })
}

fn run<B: ureq::AsSendBody>(
    session: &Session,
    request: Request<B>,
) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let inner = &session.inner;
    if !inner.custom_agent {
        return inner.agent.run(request);
    }
    // A caller's agent keeps its pool, proxy and TLS; our error handling and
    // timeouts are laid on top for this request only.
    let request = inner
        .agent
        .configure_request(request)
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(inner.connect_timeout))
        .timeout_send_request(Some(inner.timeout))
        .timeout_send_body(Some(inner.timeout))
        .timeout_recv_response(Some(inner.timeout))
        .timeout_recv_body(Some(inner.timeout))
        .build();
    inner.agent.run(request)
}

fn failure(kind: TransportKind, detail: String) -> Failure {
    Failure { kind, detail }
}

fn classify(error: ureq::Error) -> Failure {
    use std::io::ErrorKind;
    let kind = match &error {
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::HostNotFound => TransportKind::Dns,
        ureq::Error::ConnectionFailed => TransportKind::Connect,
        ureq::Error::BodyExceedsLimit(_) => TransportKind::TooLarge,
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportKind::Tls,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable | ErrorKind::NotConnected => {
                TransportKind::Connect
            }
            _ => TransportKind::Io,
        },
        ureq::Error::Protocol(_) => TransportKind::Io,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportKind::Tls,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => TransportKind::Tls,
        _ => TransportKind::Other,
    };
    let detail = match &error {
        ureq::Error::BodyExceedsLimit(limit) => format!("the body is larger than {limit} bytes"),
        other => other.to_string(),
    };
    Failure { kind, detail }
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
