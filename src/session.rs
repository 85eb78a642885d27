//! The [`Session`]: where to send calls, how to authenticate, and the HTTP agent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::{HeaderValue, Uri};

use crate::auth::{Auth, Credentials};
use crate::names::DefinitionCache;
use crate::pacing::Pacer;
use crate::secret::Secret;
use crate::{Error, Region, Result, RetryPolicy};

/// The default time each step of a call may take: sending the request,
/// waiting for the answer, reading it (see [`SessionBuilder::timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time allowed to open a connection (see [`SessionBuilder::connect_timeout`]).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default limit on the size of a response body (see
/// [`SessionBuilder::max_response_bytes`]): 16 MiB, far above any Presence answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The default time presence definitions are cached for name lookups (see
/// [`SessionBuilder::definitions_cache_ttl`]).
pub const DEFAULT_DEFINITIONS_CACHE_TTL: Duration = Duration::from_secs(300);

const CRATE_USER_AGENT: &str = concat!("genesys-presence/", env!("CARGO_PKG_VERSION"));

/// A connection to one Genesys Cloud org: API and login URLs, credentials, a
/// cached access token and a pooled HTTP agent.
///
/// Every operation takes a `&Session`. It is `Send + Sync` and cheap to clone
/// (clones share the agent and the token), so one session can serve many threads.
///
/// ```no_run
/// use genesys_presence::{Region, Session};
///
/// let session = Session::builder()
///     .region(Region::EuWest1)
///     .client_credentials("my-client-id", "my-client-secret")
///     .build()?;
/// let me = genesys_presence::user::get_purecloud_presence(&session, "3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44")?;
/// # Ok::<(), genesys_presence::Error>(())
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    /// True when the agent came from the caller: its config is not ours, so
    /// timeouts and status handling are applied on each request instead.
    pub(crate) custom_agent: bool,
    pub(crate) api_url: String,
    pub(crate) login_url: String,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: u64,
    pub(crate) pacer: Option<Pacer>,
    pub(crate) definitions: DefinitionCache,
}

impl Session {
    /// Starts configuring a session. See [`SessionBuilder`] for every option and its default.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// Builds a session from the environment variables Genesys's own CLI and
    /// Terraform provider read:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `GENESYSCLOUD_REGION` | region name (`eu-west-1`) or domain (`mypurecloud.ie`); default `us-east-1` |
    /// | `GENESYSCLOUD_API_URL` | full API base URL; overrides the region (`GENESYSCLOUD_API_REGION` is read too) |
    /// | `GENESYSCLOUD_ACCESS_TOKEN` | a ready-made bearer token; used when set |
    /// | `GENESYSCLOUD_OAUTHCLIENT_ID` | OAuth client id (client credentials grant) |
    /// | `GENESYSCLOUD_OAUTHCLIENT_SECRET` | OAuth client secret |
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming what is missing or wrong: no token and not both
    /// client variables, an unknown region, a bad URL.
    pub fn from_env() -> Result<Session> {
        SessionBuilder::from_env()?.build()
    }

    /// Like [`from_env`](Session::from_env), but reads each variable through
    /// `lookup` (for tests, or settings kept somewhere else).
    ///
    /// ```
    /// use genesys_presence::Session;
    ///
    /// let session = Session::from_env_with(|name| match name {
    ///     "GENESYSCLOUD_REGION" => Some("mypurecloud.de".into()),
    ///     "GENESYSCLOUD_ACCESS_TOKEN" => Some("a-token".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(session.api_url(), "https://api.mypurecloud.de");
    /// # Ok::<(), genesys_presence::Error>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Session> {
        SessionBuilder::from_env_with(lookup)?.build()
    }

    /// The API base URL calls go to, e.g. `https://api.mypurecloud.com`.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// Drops the presence definitions cached for name lookups, so that the
    /// next lookup reads them again (after you create or rename one, say).
    pub fn forget_cached_definitions(&self) {
        self.inner.definitions.forget();
    }

    /// The login base URL tokens are requested from, e.g. `https://login.mypurecloud.com`.
    pub fn login_url(&self) -> &str {
        &self.inner.login_url
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("api_url", &self.inner.api_url)
            .field("login_url", &self.inner.login_url)
            .field("auth", &self.inner.auth)
            .field("timeout", &self.inner.timeout)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("user_agent", &self.inner.user_agent)
            .field("custom_agent", &self.inner.custom_agent)
            .field("retry", &self.inner.retry)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field(
                "max_requests_per_second",
                &self.inner.pacer.as_ref().map(Pacer::per_second),
            )
            .field("definitions_cache_ttl", &self.inner.definitions.ttl())
            .finish()
    }
}

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
    /// A builder filled from the `GENESYSCLOUD_*` environment variables (see
    /// [`Session::from_env`]), to adjust before [`build`](SessionBuilder::build).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming what is missing or wrong.
    pub fn from_env() -> Result<SessionBuilder> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](SessionBuilder::from_env), reading each variable through `lookup`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming what is missing or wrong.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<SessionBuilder> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = Session::builder();
        if let Some(region) = get("GENESYSCLOUD_REGION") {
            let region = region
                .parse::<Region>()
                .map_err(|e| Error::Config(format!("GENESYSCLOUD_REGION: {e}")))?;
            builder = builder.region(region);
        }
        if let Some(url) = get("GENESYSCLOUD_API_URL").or_else(|| get("GENESYSCLOUD_API_REGION")) {
            builder = builder.base_url(url);
        }
        let id = get("GENESYSCLOUD_OAUTHCLIENT_ID");
        let secret = get("GENESYSCLOUD_OAUTHCLIENT_SECRET");
        builder = match (get("GENESYSCLOUD_ACCESS_TOKEN"), id, secret) {
            (Some(token), _, _) => builder.access_token(token),
            (None, Some(id), Some(secret)) => builder.client_credentials(id, secret),
            (None, id, secret) => {
                let mut missing = Vec::new();
                if id.is_none() {
                    missing.push("GENESYSCLOUD_OAUTHCLIENT_ID");
                }
                if secret.is_none() {
                    missing.push("GENESYSCLOUD_OAUTHCLIENT_SECRET");
                }
                return Err(Error::Config(format!(
                    "no credentials in the environment: set GENESYSCLOUD_ACCESS_TOKEN, or \
                     GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET (missing: {})",
                    missing.join(", ")
                )));
            }
        };
        Ok(builder)
    }

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
    /// Default: [`DEFAULT_TIMEOUT`] (30 s). Must not be zero.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long opening a connection (TCP and TLS) may take.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`] (10 s). Must not be zero.
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

    /// Use this `ureq` agent (for a proxy or custom TLS). Its connection pool,
    /// proxy and TLS settings are used; the session's timeouts and error
    /// handling are applied to each request on top of its config.
    /// Default: an agent the session builds.
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
    /// of filling memory. Default: [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB).
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
    /// response size limit is zero; the user agent is not a valid header value.
    pub fn build(self) -> Result<Session> {
        let timeout = positive("timeout", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = positive(
            "connect_timeout",
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let max_response_bytes = self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(Error::Config(
                "max_response_bytes must be greater than zero".into(),
            ));
        }
        let pacer = match self.max_requests_per_second {
            None => None,
            Some(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e9 => Some(Pacer::new(rate)),
            Some(rate) => {
                return Err(Error::Config(format!(
                    "max_requests_per_second must be a positive number, not {rate}"
                )))
            }
        };
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
        let auth = Auth::new(credentials)?;
        let user_agent = match &self.user_agent {
            Some(ua) => format!("{} {CRATE_USER_AGENT}", ua.trim()),
            None => CRATE_USER_AGENT.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::Config(format!("user_agent {user_agent:?} is not a valid header value")))?;
        let (agent, custom_agent) = match self.agent {
            Some(agent) => (agent, true),
            None => (build_agent(timeout, connect_timeout), false),
        };
        Ok(Session {
            inner: Arc::new(Inner {
                agent,
                custom_agent,
                api_url,
                login_url,
                user_agent,
                timeout,
                connect_timeout,
                auth,
                retry: self.retry.unwrap_or_default(),
                max_response_bytes,
                pacer,
                definitions,
            }),
        })
    }
}

fn positive(what: &str, value: Duration) -> Result<Duration> {
    if value.is_zero() {
        Err(Error::Config(format!("{what} must be greater than zero")))
    } else {
        Ok(value)
    }
}

/// Checks that `url` is an absolute http(s) URL with a host and no query, and
/// returns it without a trailing slash.
fn check_url(what: &str, url: &str) -> Result<String> {
    let bad = |why: &str| Error::Config(format!("{what} {url:?} {why}"));
    let trimmed = url.trim().trim_end_matches('/');
    let uri: Uri = trimmed.parse().map_err(|_| bad("is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            if !cfg!(any(feature = "rustls", feature = "native-tls")) {
                return Err(bad(
                    "is https, but this build has no TLS: enable the `rustls` or `native-tls` feature",
                ));
            }
        }
        _ => return Err(bad("must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(trimmed.to_owned())
}

/// `https://api.example.com` → `https://login.example.com`; other URLs unchanged.
fn derive_login_url(api_url: &str) -> String {
    api_url.replacen("://api.", "://login.", 1)
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
    config.build().new_agent()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn session_is_send_and_sync() {
        assert_send_sync::<Session>();
        assert_send_sync::<SessionBuilder>();
    }

    #[test]
    fn login_url_is_derived_from_an_api_host() {
        assert_eq!(
            derive_login_url("https://api.mypurecloud.ie"),
            "https://login.mypurecloud.ie"
        );
        assert_eq!(derive_login_url("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            check_url("base_url", "http://127.0.0.1:80/").unwrap(),
            "http://127.0.0.1:80"
        );
        for bad in [
            "",
            "ftp://x",
            "127.0.0.1:80",
            "http://",
            "http://h/?q=1",
            "not a url",
        ] {
            let err = check_url("base_url", bad).unwrap_err().to_string();
            assert!(err.starts_with("session configuration: base_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn https_works_only_with_a_tls_feature() {
        let result = check_url("base_url", "https://api.mypurecloud.com");
        if cfg!(any(feature = "rustls", feature = "native-tls")) {
            assert_eq!(result.unwrap(), "https://api.mypurecloud.com");
        } else {
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains("enable the `rustls` or `native-tls` feature"),
                "{err}"
            );
        }
    }
}
