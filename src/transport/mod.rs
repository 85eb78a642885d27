//! The network path under everything: one HTTP agent, its timeouts, the
//! response size limit, pacing and the user agent.
//!
//! This layer sends what it is given and reads whole answers; it knows
//! nothing of sessions, tokens or the Presence API. Token requests and API
//! requests both go through [`Transport::send`]; with the `notifications`
//! feature, the WebSocket opens its connection through
//! [`Transport::open_stream`], over the same proxies and TLS settings.

mod classify;
mod env_proxy;
mod headers;
mod pacing;
mod reply_headers;
#[cfg(feature = "notifications")]
mod stream;

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use ureq::http::{header, HeaderValue, Request, Uri};

pub(crate) use classify::{classify, Failure};
#[cfg(feature = "notifications")]
pub(crate) use stream::{failure_of_io, Stream, StreamStop};

use crate::error::TransportKind;
use crate::error::{Error, Result};
use crate::exchange::{Exchange, ExchangeKind, Observer, RateLimit};
pub(crate) use headers::{shown_name as shown_header_name, CustomHeaders};
use pacing::Pacing;
pub(crate) use pacing::PacingSettings;
use reply_headers::ReplyHeaders;

/// The default time each step of a call may take: sending the request,
/// waiting for the answer, reading it (see [`SessionBuilder::timeout`](crate::SessionBuilder::timeout)).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time allowed to open a connection (see
/// [`SessionBuilder::connect_timeout`](crate::SessionBuilder::connect_timeout)).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on the size of a response body (see
/// [`SessionBuilder::max_response_bytes`](crate::SessionBuilder::max_response_bytes)):
/// 16 MiB, far above any Presence answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

const CRATE_USER_AGENT: &str = concat!("genesys-presence/", env!("CARGO_PKG_VERSION"));

/// The HTTP methods the crate uses.
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

/// One request, ready to send.
pub(crate) struct Outgoing<'a> {
    /// API call or token request.
    pub(crate) kind: ExchangeKind,
    pub(crate) method: Method,
    /// The path as errors and observers show it: no base URL, no query.
    pub(crate) path: &'a str,
    /// Which send of the call this is, from 1.
    pub(crate) attempt: u32,
    /// The whole URL, query included.
    pub(crate) url: &'a str,
    /// The `Authorization` header; none for a public client's token request.
    pub(crate) authorization: Option<&'a HeaderValue>,
    /// The content type and the bytes of the body, if any.
    pub(crate) body: Option<(&'static str, &'a [u8])>,
}

/// An answer, read whole.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) correlation_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    /// The `inin-ratelimit-*` figures, when the answer carried them.
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) body: Vec<u8>,
}

/// What the session builder hands to [`Transport::new`]; `None` means the default.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_response_bytes: Option<u64>,
    pub(crate) pacing: PacingSettings,
    pub(crate) user_agent: Option<String>,
    pub(crate) agent: Option<ureq::Agent>,
    pub(crate) observer: Option<Observer>,
    /// The caller's own headers, as set (checked by [`Transport::new`]).
    pub(crate) headers: Vec<(String, crate::secret::Secret)>,
}

/// The HTTP agent and everything that applies to each exchange.
pub(crate) struct Transport {
    agent: ureq::Agent,
    /// True when the agent came from the caller: its config is not ours, so
    /// timeouts and status handling are applied on each request instead.
    custom_agent: bool,
    user_agent: HeaderValue,
    /// The caller's own headers, sent on every request and the WebSocket handshake.
    headers: CustomHeaders,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: u64,
    /// The caller's budget and the server's figures.
    pacing: Pacing,
    /// The caller's observer of each exchange.
    observer: Option<Observer>,
    /// The rate-limit figures of the latest API answer that had them.
    latest_rate_limit: std::sync::Mutex<Option<RateLimit>>,
    /// ureq's connector chain for WebSocket connections, made once: it
    /// keeps the TLS configuration it builds from the agent's settings.
    #[cfg(feature = "notifications")]
    stream_connector: std::sync::OnceLock<std::sync::Arc<ureq::unversioned::transport::DefaultConnector>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("headers", &self.headers)
            .field("custom_agent", &self.custom_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("pacing", &self.pacing)
            .field("observer", &self.observer.as_ref().map(|_| "set"))
            .finish()
    }
}

impl Transport {
    /// Checks the settings and builds the agent (unless the caller gave one).
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming the setting: a timeout outside
    /// [`TIMEOUT_BOUNDS`], a size limit outside [`MAX_RESPONSE_BYTES_BOUNDS`],
    /// a pacing budget outside its bounds (see [`Pacing::new`]), a user agent that
    /// is not [`check_user_agent`]'s, a caller's header that is not
    /// [`CustomHeaders::new`]'s, a caller's agent whose own timeouts are
    /// too long, a proxy variable that is not a proxy URL.
    pub(crate) fn new(settings: Settings) -> Result<Transport> {
        let timeout = within_timeout_bounds("timeout", settings.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = within_timeout_bounds(
            "connect_timeout",
            settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let max_response_bytes = settings.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if !MAX_RESPONSE_BYTES_BOUNDS.contains(&max_response_bytes) {
            return Err(Error::config(format!(
                "max_response_bytes must be from 1 byte to 1 GiB ({} bytes), not {max_response_bytes}",
                MAX_RESPONSE_BYTES_BOUNDS.end()
            )));
        }
        let pacing = Pacing::new(&settings.pacing)?;
        let user_agent = match &settings.user_agent {
            Some(ua) => format!("{} {CRATE_USER_AGENT}", check_user_agent(ua)?),
            None => CRATE_USER_AGENT.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::config(format!("user_agent {user_agent:?} is not a valid header value")))?;
        let headers = CustomHeaders::new(&settings.headers)?;
        let (agent, custom_agent) = match settings.agent {
            Some(agent) => {
                check_agent_timeouts(&agent)?;
                (agent, true)
            }
            None => {
                env_proxy::check_variables()?;
                (build_agent(timeout, connect_timeout), false)
            }
        };
        Ok(Transport {
            agent,
            custom_agent,
            user_agent,
            headers,
            timeout,
            connect_timeout,
            max_response_bytes,
            pacing,
            observer: settings.observer,
            latest_rate_limit: std::sync::Mutex::new(None),
            #[cfg(feature = "notifications")]
            stream_connector: std::sync::OnceLock::new(),
        })
    }

    /// The host of the proxy a request to `url` goes through, when it goes
    /// through one (the agent's proxy, unless `NO_PROXY` exempts the host).
    pub(crate) fn proxy_host_for(&self, url: &Uri) -> Option<String> {
        let proxy = self.agent.config().proxy()?;
        (!proxy.is_no_proxy(url)).then(|| proxy.host().to_owned())
    }

    /// The `User-Agent` every request and the WebSocket handshake carry.
    #[cfg_attr(not(feature = "notifications"), allow(dead_code))]
    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// The caller's own headers, for the WebSocket handshake and for the
    /// secrets error text and logs hide.
    pub(crate) fn custom_headers(&self) -> &CustomHeaders {
        &self.headers
    }

    /// Refuses a call made from inside the session's observer: the thread
    /// may hold a lock of the session's (a token request's, the definitions
    /// cache's) that the call would wait for, for ever.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) when this thread is running the observer.
    pub(crate) fn outside_observer(&self) -> Result<()> {
        if self.observer.as_ref().is_some_and(Observer::is_running) {
            return Err(Error::config(
                "the observer made a call with its own session: it may run while the session \
                 holds a lock that call needs (a token request, a read of the definitions), so \
                 it may only record the exchange (or send it on a channel) for another thread \
                 to act on"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The rate-limit figures of the latest API answer that had them.
    pub(crate) fn latest_rate_limit(&self) -> Option<RateLimit> {
        *self
            .latest_rate_limit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends one request (after pacing lets it go) and reads the whole answer,
    /// whatever its status. Redirects are not followed. An answer is
    /// reported to the observer and its rate-limit figures kept. Each
    /// exchange is logged at debug level (target
    /// `genesys_presence::transport`), with or without an answer.
    pub(crate) fn send(&self, request: &Outgoing<'_>) -> std::result::Result<Reply, Failure> {
        let ticket = self.pacing.before_send(request.kind);
        // The clock is read only for someone who will see the duration.
        let timed = self.observer.is_some() || log::log_enabled!(log::Level::Debug);
        let started = timed.then(std::time::Instant::now);
        let reply = self.exchange(request);
        self.pacing
            .after_exchange(request.kind, ticket, reply.as_ref().ok());
        let reply = match reply {
            Ok(reply) => reply,
            Err(failure) => {
                log::debug!(
                    "{} {} {}: no answer ({}), attempt {}",
                    request.kind.label(),
                    request.method.as_str(),
                    request.path,
                    failure.kind,
                    request.attempt,
                );
                return Err(failure);
            }
        };
        let duration = started.map(|t| t.elapsed()).unwrap_or_default();
        log::debug!(
            "{} {} {}: {} in {} ms, attempt {}, correlation id {}",
            request.kind.label(),
            request.method.as_str(),
            request.path,
            reply.status,
            duration.as_millis(),
            request.attempt,
            reply.correlation_id.as_deref().unwrap_or("none"),
        );
        if let (ExchangeKind::Api, Some(limit)) = (request.kind, reply.rate_limit) {
            *self
                .latest_rate_limit
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(limit);
        }
        if let Some(observer) = &self.observer {
            observer.notify(&Exchange {
                kind: request.kind,
                method: request.method.as_str(),
                path: request.path.to_owned(),
                status: reply.status,
                duration,
                attempt: request.attempt,
                correlation_id: reply.correlation_id.clone(),
                retry_after: reply.retry_after,
                rate_limit: reply.rate_limit,
            });
        }
        Ok(reply)
    }

    /// [`send`](Transport::send)'s request and answer.
    fn exchange(&self, request: &Outgoing<'_>) -> std::result::Result<Reply, Failure> {
        let mut builder = Request::builder()
            .method(request.method.to_http())
            .uri(request.url)
            .header(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(authorization) = request.authorization {
            builder = builder.header(header::AUTHORIZATION, authorization.clone());
        }
        builder = builder.header(header::USER_AGENT, self.user_agent.clone());
        for (name, value) in self.headers.iter() {
            builder = builder.header(name, value.clone());
        }
        let sent = match request.body {
            Some((content_type, bytes)) => {
                let request = builder
                    .header(header::CONTENT_TYPE, HeaderValue::from_static(content_type))
                    .body(bytes)
                    .map_err(|e| Failure::new(TransportKind::Other, e.to_string()))?;
                self.run(request)
            }
            // An empty body rather than none: ureq would send a bodiless
            // POST chunked, where `Content-Length: 0` is what every gateway takes.
            None if matches!(request.method, Method::Post | Method::Put | Method::Patch) => {
                let request = builder
                    .body(&[][..])
                    .map_err(|e| Failure::new(TransportKind::Other, e.to_string()))?;
                self.run(request)
            }
            None => {
                let request = builder
                    .body(())
                    .map_err(|e| Failure::new(TransportKind::Other, e.to_string()))?;
                self.run(request)
            }
        };
        let response = sent.map_err(classify)?;
        let status = response.status().as_u16();
        let ReplyHeaders {
            correlation_id,
            retry_after,
            rate_limit,
        } = ReplyHeaders::read(response.headers());
        let body = response
            .into_body()
            .into_with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(classify)?;
        Ok(Reply {
            status,
            correlation_id,
            retry_after,
            rate_limit,
            body,
        })
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        request: Request<B>,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        if !self.custom_agent {
            return self.agent.run(request);
        }
        // A caller's agent keeps its pool, proxy and TLS; our error handling
        // and timeouts are laid on top for this request only.
        let request = self
            .agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_send_request(Some(self.timeout))
            .timeout_send_body(Some(self.timeout))
            .timeout_recv_response(Some(self.timeout))
            .timeout_recv_body(Some(self.timeout))
            .build();
        self.agent.run(request)
    }
}

/// The timeouts a session accepts: from 1 ms to 1 day. Longer ones would
/// overflow the clock inside ureq (`Instant + Duration`) on the first call.
pub(crate) const TIMEOUT_BOUNDS: RangeInclusive<Duration> =
    Duration::from_millis(1)..=Duration::from_secs(24 * 3600);
/// The response size limits a session accepts: from 1 byte to 1 GiB.
pub(crate) const MAX_RESPONSE_BYTES_BOUNDS: RangeInclusive<u64> = 1..=1024 * 1024 * 1024;
/// The longest user agent a caller may give, in bytes.
pub(crate) const MAX_USER_AGENT_LEN: usize = 256;

/// `value`, when within [`TIMEOUT_BOUNDS`]; else an error naming `what`.
pub(crate) fn within_timeout_bounds(what: &str, value: Duration) -> Result<Duration> {
    if TIMEOUT_BOUNDS.contains(&value) {
        Ok(value)
    } else if value.is_zero() {
        Err(Error::config(format!(
            "{what} must be greater than zero: from 1 ms to 1 day (86400 s)"
        )))
    } else {
        Err(Error::config(format!(
            "{what} must be from 1 ms to 1 day (86400 s), not {value:?}"
        )))
    }
}

/// A caller's user agent, trimmed, when it can travel as it is on every
/// path (REST and the WebSocket handshake): visible ASCII and spaces, not
/// empty, at most [`MAX_USER_AGENT_LEN`] bytes.
fn check_user_agent(user_agent: &str) -> Result<&str> {
    let trimmed = user_agent.trim();
    let why = if trimmed.is_empty() {
        "is empty: leave it unset to send only the crate's own"
    } else if trimmed.len() > MAX_USER_AGENT_LEN {
        "is longer than 256 bytes"
    } else if !trimmed.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        "is not a valid header value on every path (REST and the WebSocket): it may hold only \
         visible ASCII characters and spaces (no accents or other non-ASCII letters, no tabs, \
         line breaks or other control characters)"
    } else {
        return Ok(trimmed);
    };
    // Quoted with escapes, and cut short: it is the caller's own text, not a secret.
    let quoted: String = format!("{trimmed:?}").chars().take(80).collect();
    Err(Error::config(format!("user_agent {quoted} {why}")))
}

/// A caller's agent whose own timeouts (those the session does not lay
/// over each request: global, per call, resolve, 100-continue) exceed
/// [`TIMEOUT_BOUNDS`] would overflow ureq's clock on the first call.
fn check_agent_timeouts(agent: &ureq::Agent) -> Result<()> {
    let timeouts = agent.config().timeouts();
    for (name, value) in [
        ("timeout_global", timeouts.global),
        ("timeout_per_call", timeouts.per_call),
        ("timeout_resolve", timeouts.resolve),
        ("timeout_await_100", timeouts.await_100),
    ] {
        if let Some(value) = value {
            if value > *TIMEOUT_BOUNDS.end() {
                return Err(Error::config(format!(
                    "agent: its {name} must be at most 1 day (86400 s), not {value:?}"
                )));
            }
        }
    }
    Ok(())
}

fn build_agent(timeout: Duration, connect_timeout: Duration) -> ureq::Agent {
    // Per-step timeouts rather than ureq's global one: with a global timeout
    // ureq resolves the host on a new thread for every call, which more than
    // doubled the CPU cost of a call in benches/overhead.rs.
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(connect_timeout))
        .timeout_send_request(Some(timeout))
        .timeout_send_body(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(Some(timeout));
    // The `native-tls` feature asks for the system's TLS and its root
    // certificates, even when rustls is compiled in too.
    #[cfg(feature = "native-tls")]
    let config = config.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build(),
    );
    // ureq reads the proxy variables itself; only a `NO_PROXY` list with
    // spaces after its commas needs help (see `env_proxy`).
    let config = match env_proxy::with_trimmed_no_proxy() {
        Some(proxy) => config.proxy(Some(proxy)),
        None => config,
    };
    config.build().new_agent()
}
