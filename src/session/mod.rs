//! The [`Session`]: where to send calls, how to authenticate, and the
//! network path; [`SessionBuilder`] configures it.

mod builder;
mod env;
mod urls;

#[allow(unused_imports)] // for the watcher's check of the addresses it is given
pub(crate) use urls::is_loopback_host;

use std::fmt;
use std::sync::Arc;

pub use builder::SessionBuilder;

use crate::auth::Auth;
use crate::definitions_cache::DefinitionCache;
use crate::error::Result;
use crate::retry::RetryPolicy;
use crate::transport::Transport;

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
    inner: Arc<Inner>,
}

struct Inner {
    api_url: String,
    allow_insecure_http: bool,
    transport: Transport,
    auth: Auth,
    retry: RetryPolicy,
    definitions: DefinitionCache,
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
    /// The values are held to the bounds of the matching
    /// [`SessionBuilder`] setters: a token without its `Bearer ` prefix, a
    /// URL without a user or password, and plain `http://` only to a
    /// loopback host (`127.0.0.1`, `[::1]`, `localhost`). There is no
    /// variable to allow plain `http://` elsewhere; a program that needs it
    /// calls `SessionBuilder::from_env()?.allow_insecure_http(true).build()`
    /// ([`SessionBuilder::allow_insecure_http`]).
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming the variable that is missing or wrong: no
    /// token and not both client variables, an unknown region, a bad URL, a
    /// value outside its bounds.
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

    /// The API base URL calls go to, e.g. `https://api.mypurecloud.com`,
    /// without a trailing `/`, its scheme and host in lower case.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// True when API calls go over `https://` (the rule a server-given
    /// WebSocket address is held to: no `ws://` under an `https://` API).
    #[cfg(feature = "notifications")]
    pub(crate) fn api_is_https(&self) -> bool {
        self.inner.api_url.starts_with("https://")
    }

    /// True when the caller allowed plain `http://` to hosts that are not
    /// loopback ([`SessionBuilder::allow_insecure_http`]).
    #[cfg(feature = "notifications")]
    pub(crate) fn allows_insecure_http(&self) -> bool {
        self.inner.allow_insecure_http
    }

    /// Drops the presence definitions cached for name lookups, so that the
    /// next lookup reads them again (after you create or rename one, say).
    pub fn forget_cached_definitions(&self) {
        self.inner.definitions.forget();
    }

    /// Makes sure the session holds a usable access token, asking the login
    /// service for one now if it has none (or it is about to expire), as the
    /// first call would: `POST {login}/oauth/token` with the session's
    /// grant, retried per its [`RetryPolicy`]. With a fixed
    /// [`access_token`](SessionBuilder::access_token) nothing is sent. Use
    /// it to find out at start-up, rather than at the first call, that an
    /// authorization code, refresh token or client secret is refused.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when no token could be had, with
    /// [`Error::is_sign_in_required`](crate::Error::is_sign_in_required)
    /// true when the person's code or refresh token was refused;
    /// [`Config`](crate::ErrorKind::Config) when called from the session's
    /// own [`observer`](SessionBuilder::observer).
    pub fn authenticate(&self) -> Result<()> {
        self.transport().outside_observer()?;
        let auth = self.auth();
        let redactor = crate::secret::Redactor::new(self.secrets());
        auth.bearer(self.transport(), self.retry_policy())
            .map(drop)
            .map_err(|e| e.bounded(&redactor))
    }

    /// Every value error text and logs must not show: the credentials'
    /// and tokens' ([`Auth::secrets`]), and the longer values of the
    /// caller's own headers.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = self.auth().secrets();
        secrets.extend(self.transport().custom_headers().secrets());
        secrets
    }

    /// The `inin-ratelimit-*` figures of the latest API answer that carried
    /// them (from any thread using this session or its clones), or `None`
    /// before the first. Genesys Cloud counts requests per access token, so
    /// after a new token the figures start again.
    pub fn rate_limit(&self) -> Option<crate::exchange::RateLimit> {
        self.inner.transport.latest_rate_limit()
    }

    /// The login base URL tokens are requested from, e.g. `https://login.mypurecloud.com`.
    pub fn login_url(&self) -> &str {
        self.inner.auth.login_url()
    }

    pub(crate) fn new(
        api_url: String,
        allow_insecure_http: bool,
        transport: Transport,
        auth: Auth,
        retry: RetryPolicy,
        definitions: DefinitionCache,
    ) -> Session {
        Session {
            inner: Arc::new(Inner {
                api_url,
                allow_insecure_http,
                transport,
                auth,
                retry,
                definitions,
            }),
        }
    }

    /// The network path: agent, timeouts, limits, pacing.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The credentials and the token in use.
    pub(crate) fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// How failed API calls are retried.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The presence definitions kept for name lookups.
    pub(crate) fn definitions_cache(&self) -> &DefinitionCache {
        &self.inner.definitions
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("api_url", &self.inner.api_url)
            .field("login_url", &self.login_url())
            .field("allow_insecure_http", &self.inner.allow_insecure_http)
            .field("auth", &self.inner.auth)
            .field("transport", &self.inner.transport)
            .field("retry", &self.inner.retry)
            .field("definitions_cache_ttl", &self.inner.definitions.ttl())
            .finish()
    }
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
}
