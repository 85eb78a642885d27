//! [`SessionBuilder`]: every setting of a session, checked by `build`.

use std::fmt;
use std::time::Duration;

use super::urls::{check_url, derive_login_url};
use super::Session;
use crate::auth::{Auth, Credentials};
use crate::definitions_cache::{DefinitionCache, DEFAULT_DEFINITIONS_CACHE_TTL};
use crate::error::{Error, Result};
use crate::region::Region;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{self, Transport};

/// Configures and builds a [`Session`]. Every setter names its default; bad
/// values are reported by [`build`](SessionBuilder::build), before any call.
#[derive(Default)]
pub struct SessionBuilder {
    region: Option<Region>,
    base_url: Option<String>,
    login_url: Option<String>,
    credentials: Vec<Credentials>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    agent: Option<ureq::Agent>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    max_requests_per_second: Option<f64>,
    definitions_cache_ttl: Option<Duration>,
    locale: Option<String>,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("login_url", &self.login_url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("agent", &self.agent.as_ref().map(|_| "custom"))
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_requests_per_second", &self.max_requests_per_second)
            .field("definitions_cache_ttl", &self.definitions_cache_ttl)
            .field("locale", &self.locale)
            .finish()
    }
}

impl SessionBuilder {
    /// The Genesys Cloud region; sets both the API and the login URL.
    /// Default: [`Region::UsEast1`]. [`base_url`](SessionBuilder::base_url) overrides it.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Any API base URL, e.g. `https://api.mypurecloud.com` or
    /// `http://127.0.0.1:8080` for a local server; overrides the region.
    /// Default: the region's API URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The login base URL that serves `/oauth/token`. Default: derived from the
    /// API URL, whose `api.` host becomes `login.`; a URL without an `api.`
    /// host (a local server, say) is used as it is.
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = Some(url.into());
        self
    }

    /// Authenticate with the OAuth client credentials grant. The token is
    /// fetched on first use, reused, and fetched again shortly before it
    /// expires or once after the API answers 401.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credentials::Client {
            id: client_id.into(),
            secret: Secret::new(client_secret),
        });
        self
    }

    /// Authenticate with an access token you already have. It is used as is: a
    /// 401 from the API is returned to you.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.credentials.push(Credentials::Token(Secret::new(token)));
        self
    }

    /// The longest each step of an attempt may take once connected: sending
    /// the request, waiting for the answer's head, and reading its body. A
    /// server that stalls or trickles is given up on ([`Error::is_timeout`]),
    /// so an attempt lasts at most `connect_timeout + 3 × timeout` (plus the
    /// host name lookup, which the system resolver bounds), and a retried
    /// call that plus the waits of its [`RetryPolicy`].
    /// Default: [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) (30 s). Must not be zero.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long opening a connection (TCP and TLS) may take.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT) (10 s). Must not be zero.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Your program's name and version, sent in the `User-Agent` header before
    /// the crate's own (`status-light/1.0 genesys-presence/0.1.0`).
    /// Default: only `genesys-presence/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Use this `ureq` agent (for a proxy or custom TLS). Its connection
    /// pool, proxy and TLS settings (root certificates, client certificate,
    /// provider) are used for the token requests, every API call and the
    /// WebSocket of `watch` (feature `notifications`); the session's timeouts and error
    /// handling are applied to each request on top of its config.
    /// Default: an agent the session builds, which takes its proxy from
    /// `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY` and honours `NO_PROXY`.
    ///
    /// An agent made with a connector or resolver of your own
    /// (`ureq::Agent::with_parts`) lends the WebSocket its config only: the
    /// WebSocket connects with ureq's default connector and resolver.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// How failed calls are retried. Default: [`RetryPolicy::default()`]
    /// (rate limits, gateway errors and lost connections, never a write the
    /// server may have applied; see [`RetryPolicy`]). [`RetryPolicy::none()`]
    /// turns retrying off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body read, in bytes; a longer one fails the call
    /// with [`TransportKind::TooLarge`](crate::TransportKind::TooLarge) instead
    /// of filling memory. Default: [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES) (16 MiB).
    /// Must not be zero.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Paces the session's requests to at most `per_second` a second, across
    /// all threads that share it (token requests included), so that a long
    /// bulk job stays under the org's rate limit instead of collecting `429`s.
    /// Genesys's default limit for a client-credentials token is 300 requests
    /// a minute: `4.5` leaves some room. Default: no pacing. Must be positive.
    pub fn max_requests_per_second(mut self, per_second: f64) -> Self {
        self.max_requests_per_second = Some(per_second);
        self
    }

    /// How long the organization's presence definitions, read to resolve
    /// presence names ([`user::set_presence_by_name`](crate::user::set_presence_by_name)),
    /// are reused before being read again. Default: [`DEFAULT_DEFINITIONS_CACHE_TTL`]
    /// (5 minutes); zero reads them on every use.
    pub fn definitions_cache_ttl(mut self, ttl: Duration) -> Self {
        self.definitions_cache_ttl = Some(ttl);
        self
    }

    /// The locale whose labels presence names are matched against first,
    /// e.g. `fr` or `en_US` (labels in other locales are tried next).
    /// Default: `en_US`.
    pub fn locale(mut self, locale_code: impl Into<String>) -> Self {
        self.locale = Some(locale_code.into());
        self
    }

    /// Checks the configuration and builds the session. No request is sent.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when: no credentials or both kinds were given; an id,
    /// secret or token is empty; a URL is not an `http`/`https` URL with a
    /// host; an `https` URL is used in a build without TLS; a timeout or the
    /// response size limit is zero; the user agent is not a valid header value;
    /// without an [`agent`](SessionBuilder::agent), a proxy variable
    /// (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, lowercase too) is set but is
    /// not a proxy URL.
    pub fn build(self) -> Result<Session> {
        let transport = Transport::new(transport::Settings {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_response_bytes: self.max_response_bytes,
            max_requests_per_second: self.max_requests_per_second,
            user_agent: self.user_agent,
            agent: self.agent,
        })?;
        let locale = self.locale.unwrap_or_else(|| "en_US".to_owned());
        if locale.trim().is_empty() {
            return Err(Error::Config("locale must not be empty".into()));
        }
        let definitions = DefinitionCache::new(
            self.definitions_cache_ttl
                .unwrap_or(DEFAULT_DEFINITIONS_CACHE_TTL),
            locale,
        );
        let region = self.region.unwrap_or_default();
        let api_url = match &self.base_url {
            Some(url) => check_url("base_url", url)?,
            None => region.api_url().to_owned(),
        };
        let login_url = match (&self.login_url, &self.base_url) {
            (Some(url), _) => check_url("login_url", url)?,
            (None, Some(_)) => derive_login_url(&api_url),
            (None, None) => region.login_url().to_owned(),
        };
        let mut credentials = self.credentials;
        let credentials =
            match credentials.len() {
                0 => {
                    return Err(Error::Config(
                        "no credentials: call client_credentials(id, secret) or access_token(token)".into(),
                    ))
                }
                1 => credentials.remove(0),
                _ => return Err(Error::Config(
                    "more than one set of credentials: give either client_credentials or access_token, once"
                        .into(),
                )),
            };
        let retry = self.retry.unwrap_or_default();
        let auth = Auth::new(credentials, login_url)?;
        Ok(Session::new(api_url, transport, auth, retry, definitions))
    }
}
