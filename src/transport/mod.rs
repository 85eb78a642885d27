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
mod pacing;
#[cfg(feature = "notifications")]
mod stream;

use std::fmt;
use std::time::Duration;

use ureq::http::{header, HeaderValue, Request};

pub(crate) use classify::{classify, Failure};
#[cfg(feature = "notifications")]
pub(crate) use stream::{failure_of_io, Stream, StreamStop};

use crate::error::TransportKind;
use crate::error::{Error, Result};
use pacing::Pacer;

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
    pub(crate) method: Method,
    /// The whole URL, query included.
    pub(crate) url: &'a str,
    pub(crate) authorization: &'a HeaderValue,
    /// The content type and the bytes of the body, if any.
    pub(crate) body: Option<(&'static str, &'a [u8])>,
}

/// An answer, read whole.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) correlation_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// What the session builder hands to [`Transport::new`]; `None` means the default.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_response_bytes: Option<u64>,
    pub(crate) max_requests_per_second: Option<f64>,
    pub(crate) user_agent: Option<String>,
    pub(crate) agent: Option<ureq::Agent>,
}

/// The HTTP agent and everything that applies to each exchange.
pub(crate) struct Transport {
    agent: ureq::Agent,
    /// True when the agent came from the caller: its config is not ours, so
    /// timeouts and status handling are applied on each request instead.
    custom_agent: bool,
    user_agent: HeaderValue,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: u64,
    pacer: Option<Pacer>,
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
            .field("custom_agent", &self.custom_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "max_requests_per_second",
                &self.pacer.as_ref().map(Pacer::per_second),
            )
            .finish()
    }
}

impl Transport {
    /// Checks the settings and builds the agent (unless the caller gave one).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the setting: a zero timeout or size limit, a
    /// pacing rate that is not a positive number, a user agent that is not a
    /// valid header value.
    pub(crate) fn new(settings: Settings) -> Result<Transport> {
        let timeout = positive("timeout", settings.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = positive(
            "connect_timeout",
            settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let max_response_bytes = settings.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(Error::Config(
                "max_response_bytes must be greater than zero".into(),
            ));
        }
        let pacer = match settings.max_requests_per_second {
            None => None,
            Some(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e9 => Some(Pacer::new(rate)),
            Some(rate) => {
                return Err(Error::Config(format!(
                    "max_requests_per_second must be a positive number, not {rate}"
                )))
            }
        };
        let user_agent = match &settings.user_agent {
            Some(ua) => format!("{} {CRATE_USER_AGENT}", ua.trim()),
            None => CRATE_USER_AGENT.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::Config(format!("user_agent {user_agent:?} is not a valid header value")))?;
        let (agent, custom_agent) = match settings.agent {
            Some(agent) => (agent, true),
            None => {
                env_proxy::check_variables()?;
                (build_agent(timeout, connect_timeout), false)
            }
        };
        Ok(Transport {
            agent,
            custom_agent,
            user_agent,
            timeout,
            connect_timeout,
            max_response_bytes,
            pacer,
            #[cfg(feature = "notifications")]
            stream_connector: std::sync::OnceLock::new(),
        })
    }

    /// The `User-Agent` every request and the WebSocket handshake carry.
    #[cfg_attr(not(feature = "notifications"), allow(dead_code))]
    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// Sends one request (after its pacing slot) and reads the whole answer,
    /// whatever its status. Redirects are not followed.
    pub(crate) fn send(&self, request: &Outgoing<'_>) -> std::result::Result<Reply, Failure> {
        if let Some(pacer) = &self.pacer {
            pacer.wait();
        }
        let builder = Request::builder()
            .method(request.method.to_http())
            .uri(request.url)
            .header(header::ACCEPT, HeaderValue::from_static("application/json"))
            .header(header::AUTHORIZATION, request.authorization.clone())
            .header(header::USER_AGENT, self.user_agent.clone());
        let sent = match request.body {
            Some((content_type, bytes)) => {
                let request = builder
                    .header(header::CONTENT_TYPE, HeaderValue::from_static(content_type))
                    .body(bytes)
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
            .limit(self.max_response_bytes)
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

fn positive(what: &str, value: Duration) -> Result<Duration> {
    if value.is_zero() {
        Err(Error::Config(format!("{what} must be greater than zero")))
    } else {
        Ok(value)
    }
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
