//! [`SessionBuilder`]: every setting of a session, checked by `build`.

use std::fmt;
use std::time::Duration;

use ureq::http::Uri;

use super::urls::{check_url, derive_login_url, is_loopback_host, shown, INSECURE_SETTING};
use super::Session;
use crate::auth::{Auth, Credentials, NewTokens, OAuthClient, StoredTokens, UserStart};
use crate::definitions_cache::{DefinitionCache, DEFAULT_DEFINITIONS_CACHE_TTL};
use crate::error::{quoted, Error, Result};
use crate::exchange::{Exchange, Observer};
use crate::region::Region;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{self, Transport};

/// The longest [`definitions_cache_ttl`](SessionBuilder::definitions_cache_ttl): one day.
const MAX_DEFINITIONS_CACHE_TTL: Duration = Duration::from_secs(24 * 3600);
/// The most attempts a [`RetryPolicy`] given to a session may make.
/// The longest [`locale`](SessionBuilder::locale) code, in bytes (BCP 47's practical limit).
const MAX_LOCALE_LEN: usize = 35;

/// Configures and builds a [`Session`]. Every setter names its default; bad
/// values are reported by [`build`](SessionBuilder::build), before any call.
#[derive(Default)]
pub struct SessionBuilder {
    region: Option<Region>,
    /// The URL and the setting (or environment variable) it came from.
    base_url: Option<(String, &'static str)>,
    login_url: Option<String>,
    allow_insecure_http: bool,
    credentials: Vec<Credentials>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    agent: Option<ureq::Agent>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    pacing: transport::PacingSettings,
    definitions_cache_ttl: Option<Duration>,
    locale: Option<String>,
    on_new_tokens: Option<NewTokens>,
    observer: Option<Observer>,
    /// The caller's own headers, in the order set.
    headers: Vec<(String, Secret)>,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_ref().map(|(url, _)| shown(url)))
            .field("login_url", &self.login_url.as_deref().map(shown))
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("agent", &self.agent.as_ref().map(|_| "custom"))
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("pacing", &self.pacing)
            .field("definitions_cache_ttl", &self.definitions_cache_ttl)
            .field("locale", &self.locale)
            .field("on_new_tokens", &self.on_new_tokens.as_ref().map(|_| "set"))
            .field("observer", &self.observer.as_ref().map(|_| "set"))
            .field("headers", &self.header_names())
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
    ///
    /// Bounds: an `https://` URL, or a plain `http://` one to a loopback
    /// host (see [`allow_insecure_http`](SessionBuilder::allow_insecure_http));
    /// a host, and a port from 1 to 65535 if any; a path is kept, a trailing
    /// `/` dropped; no query, no fragment, and no `@` anywhere, so no user
    /// or password (`https://user:pw@host` is refused without quoting it:
    /// give credentials with
    /// [`client_credentials`](SessionBuilder::client_credentials) or
    /// [`access_token`](SessionBuilder::access_token)). The scheme and host
    /// are kept in lower case ([`Session::api_url`]).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.base_url_from(url, "base_url")
    }

    /// [`base_url`](SessionBuilder::base_url), with `setting` named in errors.
    pub(super) fn base_url_from(mut self, url: impl Into<String>, setting: &'static str) -> Self {
        self.base_url = Some((url.into(), setting));
        self
    }

    /// The login base URL that serves `/oauth/token`. Default: derived from the
    /// API URL, whose `api.` host becomes `login.`; a URL without an `api.`
    /// host (a local server, say) is used as it is. Bounds: as
    /// [`base_url`](SessionBuilder::base_url).
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = Some(url.into());
        self
    }

    /// Lets the API and login URLs be plain `http://` to any host. Default:
    /// `false`, and plain `http://` is accepted only for a host on this
    /// machine, where nothing crosses a network: `127.0.0.0/8` written as
    /// four decimal numbers (`127.0.0.1`, `127.8.9.10`), `[::1]`, and
    /// `localhost` in any case. Not loopback, so refused: `localhost.` with a
    /// trailing dot and `*.localhost` names (a resolver may ask DNS for
    /// them), `0.0.0.0`, `[::]`, names such as `127.0.0.1.nip.io`, and
    /// shortened forms such as `127.1`. `https://` is always accepted.
    ///
    /// The same holds for a loopback URL that the session's proxy
    /// (`HTTP_PROXY` and the like, or your [`agent`](SessionBuilder::agent)'s)
    /// would carry to a proxy on another host.
    ///
    /// **Insecure**: with `true`, the access token, and with client
    /// credentials the client id and secret, are sent unencrypted to a
    /// remote host, where anyone on the path can read and reuse them. Meant
    /// for a test server on another machine or in a container, never for a
    /// real org. There is no environment variable for it: a session built
    /// with [`Session::from_env`] refuses such URLs, and a program that
    /// really wants them says so with
    /// `SessionBuilder::from_env()?.allow_insecure_http(true)`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Authenticate with the OAuth client credentials grant. The token is
    /// fetched on first use, reused, and fetched again shortly before it
    /// expires or once after the API answers 401.
    ///
    /// Bounds: the id (trimmed) is not empty, has no `:` (it separates id
    /// and secret in HTTP Basic) and no control characters; the secret is
    /// not empty and has no control characters; each is at most 1024 bytes.
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
    ///
    /// Pass the token alone: the session sends `Authorization: Bearer <token>`
    /// itself, so `"Bearer abc"` (any case) is refused rather than sent as
    /// `Bearer Bearer abc`. Bounds: spaces around it are dropped; what is left
    /// is one word of visible ASCII characters (no spaces, line breaks,
    /// control or non-ASCII characters), at most 8 KiB. An error never
    /// quotes the token.
    pub fn access_token(self, token: impl Into<String>) -> Self {
        self.access_token_from(token, "access_token")
    }

    /// [`access_token`](SessionBuilder::access_token), with `setting` named in errors.
    pub(super) fn access_token_from(mut self, token: impl Into<String>, setting: &'static str) -> Self {
        self.credentials.push(Credentials::Token {
            token: Secret::new(token),
            setting,
        });
        self
    }

    /// Authenticate as a person with the OAuth authorization code grant
    /// (confidential client): the `code` your redirect URI received from
    /// `GET {login}/oauth/authorize` (see [`AuthorizeUrl`](crate::AuthorizeUrl))
    /// is exchanged on first use for an access token and a refresh token,
    /// with `POST {login}/oauth/token`, `Authorization: Basic
    /// base64(id:secret)` and the form `grant_type=authorization_code&code=…&redirect_uri=…`.
    /// `redirect_uri` must be the one of the authorize request. The session
    /// then renews the token with the refresh token, as
    /// [`refresh_token`](SessionBuilder::refresh_token) says. Official
    /// SDKs: Python `get_code_authorization_token`, Node `loginCodeAuthorizationGrant`.
    ///
    /// A code works once and only briefly: an error exchanging it (it
    /// expired, or was used) is an [`Auth`](crate::ErrorKind::Auth) error
    /// for which [`Error::is_sign_in_required`] is true. Bounds: as
    /// [`client_credentials`](SessionBuilder::client_credentials) for the
    /// client; the code and the redirect URI are not empty and at most 8 KiB.
    pub fn authorization_code(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        code: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credentials::User {
            client: OAuthClient::confidential(client_id, client_secret),
            start: UserStart::Code {
                code: Secret::new(code),
                redirect_uri: redirect_uri.into(),
                verifier: None,
            },
        });
        self
    }

    /// Authenticate as a person with the authorization code grant and PKCE
    /// (public client, no secret): the `code` is exchanged on first use with
    /// `POST {login}/oauth/token`, no `Authorization` header, and the form
    /// `grant_type=authorization_code&code=…&code_verifier=…&client_id=…&redirect_uri=…`.
    /// The session then renews the token with the refresh token (sending
    /// `client_id` in place of a secret). Official SDKs: Python
    /// `get_pkce_token`, Node `authorizePKCEGrant`. The loopback helper
    /// `sign_in::LoopbackSignIn` (feature
    /// `sign-in`) does the whole flow.
    ///
    /// Errors as [`authorization_code`](SessionBuilder::authorization_code).
    /// Bounds: as there, and `code_verifier` is 43 to 128 characters of
    /// `A-Z a-z 0-9 - . _ ~` (RFC 7636).
    pub fn pkce_authorization_code(
        mut self,
        client_id: impl Into<String>,
        code: impl Into<String>,
        code_verifier: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credentials::User {
            client: OAuthClient::public(client_id),
            start: UserStart::Code {
                code: Secret::new(code),
                redirect_uri: redirect_uri.into(),
                verifier: Some(Secret::new(code_verifier)),
            },
        });
        self
    }

    /// Authenticate as a person with a refresh token saved earlier: the
    /// first call renews the access token with `POST {login}/oauth/token`
    /// and the form `grant_type=refresh_token&refresh_token=…` (with
    /// `&client_id=…` and no `Authorization` for a public client; with
    /// `Authorization: Basic` for a confidential one). Official SDKs: Python
    /// `refresh_code_authorization_token`, Node `refreshCodeAuthorizationGrant`.
    ///
    /// Renewal: the access token is renewed a minute before it expires (after
    /// 90% of lifetimes under ten minutes) and once after the API answers
    /// 401, with one request however many threads need it at that moment;
    /// the refresh token each answer carries replaces the one held (they
    /// rotate: the old one stops working). Token requests are retried per
    /// the session's [`RetryPolicy`]. A refresh token the login service
    /// refuses (`invalid_grant`) gives an [`Auth`](crate::ErrorKind::Auth)
    /// error saying the user must sign in again, for which
    /// [`Error::is_sign_in_required`] is true; the session then makes no
    /// more token requests. Bounds: as
    /// [`client_credentials`](SessionBuilder::client_credentials) for the
    /// client; the token as [`access_token`](SessionBuilder::access_token).
    pub fn refresh_token(mut self, client: OAuthClient, refresh_token: impl Into<String>) -> Self {
        self.credentials.push(Credentials::User {
            client,
            start: UserStart::Refresh(Secret::new(refresh_token)),
        });
        self
    }

    /// Authenticate as a person with the SAML2 bearer grant: `assertion`
    /// (the base64 SAML assertion your identity provider issued) is
    /// exchanged on first use, and again when the token expires, with `POST
    /// {login}/oauth/token`, `Authorization: Basic base64(id:secret)` and
    /// the form `grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer&orgName=…&assertion=…`.
    /// No refresh token comes with it. Official SDKs: Python
    /// `get_saml2bearer_token`, Node `loginSaml2BearerGrant`.
    ///
    /// A refused assertion is an [`Auth`](crate::ErrorKind::Auth) error.
    /// Bounds: as [`client_credentials`](SessionBuilder::client_credentials)
    /// for the client; `org_name` (your org's short name) is not empty and
    /// at most 8 KiB; the assertion is not empty and at most 256 KiB.
    pub fn saml2_bearer(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        org_name: impl Into<String>,
        assertion: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credentials::User {
            client: OAuthClient::confidential(client_id, client_secret),
            start: UserStart::Saml2 {
                org_name: org_name.into(),
                assertion: Secret::new(assertion),
            },
        });
        self
    }

    /// Resume a person's session from tokens saved earlier (see
    /// [`on_new_tokens`](SessionBuilder::on_new_tokens)): the access token
    /// is used until shortly before `expires_at` (or until a 401 when
    /// unknown), then renewed with the refresh token as
    /// [`refresh_token`](SessionBuilder::refresh_token) says. Without a
    /// refresh token, a call that needs a new token fails with
    /// [`Error::is_sign_in_required`]. No request is made to check them
    /// (call [`Session::authenticate`] or
    /// [`tokens::me`](crate::tokens::me) for that).
    ///
    /// Bounds: as [`StoredTokens::new`] says.
    pub fn tokens(mut self, client: OAuthClient, tokens: StoredTokens) -> Self {
        self.credentials.push(Credentials::User {
            client,
            start: UserStart::Stored(tokens),
        });
        self
    }

    /// Calls `callback` each time the session obtains tokens (a code or
    /// assertion exchanged, a refresh, a client credentials token), with
    /// the access token, its expiry and the newest refresh token, so that
    /// the program can save them; the library itself never writes them
    /// anywhere. Default: none.
    ///
    /// It is called on the thread that asked for the token, before that
    /// thread's call goes on, one call at a time, in the order the tokens
    /// came: keep it short (write a file, send to a channel). A panic in
    /// it reaches the call that asked for the token; the session keeps the
    /// new tokens. A call to the same session from inside the callback
    /// uses the token just obtained; one that would need yet another token
    /// (that one already expired or was refused) fails with a
    /// [`Config`](crate::ErrorKind::Config) error instead of waiting for itself.
    pub fn on_new_tokens(mut self, callback: impl Fn(&StoredTokens) + Send + Sync + 'static) -> Self {
        self.on_new_tokens = Some(std::sync::Arc::new(callback));
        self
    }

    /// The login URL [`build`](SessionBuilder::build) will use, checked as
    /// there (for the sign-in helper's authorize URL).
    #[cfg_attr(not(feature = "sign-in"), allow(dead_code))]
    pub(crate) fn resolved_login_url(&self) -> Result<String> {
        self.resolved_urls().map(|(_, login_url)| login_url)
    }

    /// The API and login URLs, checked: the base URL given or the region's,
    /// and the login URL given or derived from it.
    fn resolved_urls(&self) -> Result<(String, String)> {
        let insecure = self.allow_insecure_http;
        let region = self.region.unwrap_or_default();
        let api_url = match &self.base_url {
            Some((url, setting)) => check_url(setting, url, insecure)?,
            None => region.api_url().to_owned(),
        };
        let login_url = login_url_for(
            self.login_url.as_deref(),
            self.base_url.is_some(),
            &api_url,
            region,
            insecure,
        )?;
        Ok((api_url, login_url))
    }

    /// The longest each step of an attempt may take once connected: sending
    /// the request, waiting for the answer's head, and reading its body. A
    /// server that stalls or trickles is given up on ([`Error::is_timeout`]),
    /// so an attempt lasts at most `connect_timeout + 3 × timeout` (plus the
    /// host name lookup, which the system resolver bounds), and a retried
    /// call that plus the waits of its [`RetryPolicy`].
    /// Default: [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) (30 s).
    /// Bounds: from 1 ms to 1 day.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long opening a connection (TCP and TLS) may take.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT) (10 s).
    /// Bounds: from 1 ms to 1 day.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Your program's name and version, sent in the `User-Agent` header before
    /// the crate's own (`status-light/1.0 genesys-presence/0.1.0`), on REST
    /// calls and the WebSocket handshake alike.
    /// Default: only `genesys-presence/<version>`.
    ///
    /// Bounds: spaces around it are dropped; what is left is not empty, at
    /// most 256 bytes, of visible ASCII characters and spaces only (`a`–`z`,
    /// digits, punctuation; no accents or other non-ASCII letters, no tabs,
    /// line breaks or other control characters), so that it travels unchanged
    /// everywhere.
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
    ///
    /// Bounds: the agent's own `timeout_global`, `timeout_per_call`,
    /// `timeout_resolve` and `timeout_await_100`, when set, are at most 1 day
    /// (ureq's clock would overflow on longer ones).
    ///
    /// ureq is a public dependency of this crate: build the agent with
    /// [`genesys_presence::ureq`](crate::ureq), the ureq 3 this crate links:
    /// a `ureq` of your own `Cargo.toml` of another major version has another
    /// `Agent` type, which does not fit. A release of this crate that moves
    /// to a new major version of ureq is a breaking release (see
    /// [Versioning and MSRV](crate#versioning-and-msrv)).
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// How failed calls are retried. Default: [`RetryPolicy::default()`]
    /// (rate limits, gateway errors and lost connections, never a write the
    /// server may have applied; see [`RetryPolicy`]). [`RetryPolicy::none()`]
    /// turns retrying off. Bounds: at most 100
    /// [`max_attempts`](RetryPolicy::max_attempts), 1 day of
    /// [`max_total_wait`](RetryPolicy::max_total_wait), 1 hour of
    /// [`backoff`](RetryPolicy::backoff) `max_delay`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body read, in bytes; a longer one fails the call
    /// with [`TransportKind::TooLarge`](crate::TransportKind::TooLarge) instead
    /// of filling memory. Default: [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES) (16 MiB).
    /// Bounds: from 1 byte to 1 GiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// A budget of at most `requests` API requests in any span of 60 s,
    /// shared by every thread using the session and its clones. Requests
    /// within the budget go at once (a burst of up to `requests`); one over
    /// it waits until the request `requests` places before it is a minute
    /// old, and waiting requests go in the order they came. So no fixed
    /// minute of the server's ever sees more than `requests` of them, which
    /// a plain token bucket could not promise (it lets about twice its size
    /// through across one fixed window).
    ///
    /// Genesys Cloud's default limit for a client-credentials token is 300
    /// API requests a minute; a budget of 300 keeps a job under it when the
    /// session is the token's only user. The budget counts API requests,
    /// retries included, as that limit does; token requests
    /// (`POST /oauth/token`) are not counted or paced. A wait that the
    /// budget imposes is logged at warn level (once per minute of waiting,
    /// the others at debug level) under `genesys_presence::transport::pacing`.
    ///
    /// Default: no budget (the session still paces itself from the
    /// server's figures: see [`rate_limit_pacing`](SessionBuilder::rate_limit_pacing)).
    /// Bounds: from 1 to 1 000 000; [`build`](SessionBuilder::build)
    /// refuses 0, a larger number, and a session given both this and
    /// [`max_requests_per_second`](SessionBuilder::max_requests_per_second).
    pub fn max_requests_per_minute(mut self, requests: u32) -> Self {
        self.pacing.per_minute = Some(requests);
        self
    }

    /// A budget stated as a rate: `max(1, floor(per_second))` API requests
    /// in any span of `max(1, floor(per_second)) / per_second` seconds (for
    /// `4.5`, 4 requests per 889 ms; for `0.5`, 1 per 2 s), shared by all
    /// threads of the session. Requests within the budget go at once and
    /// only those over it wait, as with
    /// [`max_requests_per_minute`](SessionBuilder::max_requests_per_minute),
    /// which states a per-minute limit as Genesys Cloud does and is the
    /// better fit for it. Token requests are not counted or paced.
    ///
    /// Default: no budget. Bounds: from `1.0 / 3600.0` (one request an
    /// hour) to `1_000_000.0`; zero, negative numbers, NaN and infinities
    /// are refused by [`build`](SessionBuilder::build), as is a session
    /// given both this and `max_requests_per_minute`.
    pub fn max_requests_per_second(mut self, per_second: f64) -> Self {
        self.pacing.per_second = Some(per_second);
        self
    }

    /// Whether the session paces its API requests by the rate-limit figures
    /// the server sends. Default: `true`.
    ///
    /// When API answers carry `inin-ratelimit-count`,
    /// `inin-ratelimit-allowed` and `inin-ratelimit-reset`, the session
    /// keeps an estimate of the server's current window (how many requests
    /// it allows, how many were sent in it, the latest it can end) and,
    /// once the window is full, holds every thread's next API request until
    /// the window ends, so that a long job stays under the limit instead of
    /// collecting `429`s. A `429` with `Retry-After` holds every thread
    /// until then, not only the call that got it. Figures that make no
    /// sense are tolerated: a count over the allowance waits for the
    /// window's end, an allowance of 0 is ignored, a missing reset is taken
    /// as 60 s, and no wait is longer than 5 minutes (a later end or
    /// `Retry-After` is taken as 5 minutes away). The first wait for each
    /// window is logged at warn level under
    /// `genesys_presence::transport::pacing`, with the figures; the others
    /// at debug level.
    ///
    /// Until an answer carries figures (or a `429` with `Retry-After`),
    /// nothing changes: no request waits. Token requests are never paced.
    /// `false` turns this off: a `429` is then only retried, as the
    /// [`retry_policy`](SessionBuilder::retry_policy) says.
    pub fn rate_limit_pacing(mut self, enabled: bool) -> Self {
        self.pacing.from_server = Some(enabled);
        self
    }

    /// Calls `observer` after every HTTP exchange the session makes, API
    /// calls and token requests alike, on the thread that made it, with an
    /// [`Exchange`]: method, path, status, duration, attempt, correlation
    /// id, `Retry-After` and the `inin-ratelimit-*` figures. A retried call
    /// is reported once per send. Default: none.
    ///
    /// The observer runs before the call returns, so keep it short (count,
    /// record, send on a channel); a panic in it unwinds into the call.
    /// It may not make calls with its own session (or a clone): it can run
    /// while the session holds a lock those calls need (during a token
    /// request, say), so they fail at once with a
    /// [`Config`](crate::ErrorKind::Config) error instead of waiting for
    /// ever. [`Session::rate_limit`] (the latest figures alone),
    /// [`Session::forget_cached_definitions`] and other sessions are fine.
    pub fn observer(mut self, observer: impl Fn(&Exchange) + Send + Sync + 'static) -> Self {
        self.observer = Some(Observer::new(observer));
        self
    }

    /// Sends the header `name: value` on every request the session makes:
    /// every API call, every token request to the login service and the
    /// WebSocket handshake of a watcher (feature `notifications`), so that a
    /// header a gateway in front of Genesys Cloud wants (an API key, say)
    /// goes everywhere; or one the API reads, such as `Genesys-App:
    /// my-company-status-sync` (which the official Node SDK sends). Setting
    /// a name again (in any case) replaces its value. Default: none.
    ///
    /// The value is handled as a secret: the session's `Debug` shows the
    /// names only, an error about a header names it without quoting its
    /// value, and values of 8 bytes or more are hidden, as tokens are, in
    /// error text and logs; so are shorter ones (not empty) when the name
    /// has `key`, `token`, `secret`, `auth`, `pass`, `signature`, `session`
    /// or `credential` in it, in any case (`X-Api-Key`, `X-Auth-Token`).
    ///
    /// Bounds, checked by [`build`](SessionBuilder::build): the name is 1 to
    /// 128 letters, digits and ``!#$%&'*+-.^_`|~``; the value, spaces and
    /// tabs around it dropped, is at most 4096 bytes of visible ASCII,
    /// spaces and tabs (it must travel unchanged on the WebSocket
    /// handshake too); at most 32 names. Refused names, in any case:
    /// `Authorization` and `Proxy-Authorization` (the session sends its
    /// token; a proxy's credentials go in its URL), `Host`, `Content-Length`,
    /// `Content-Type`, `Content-Encoding`, `Accept` and `Accept-Encoding`
    /// (the session sets them), `User-Agent` (use
    /// [`user_agent`](SessionBuilder::user_agent)), `Cookie` (a cookie
    /// belongs to one host; these headers go to the API, login and
    /// notification hosts alike), the connection's own (`Connection`,
    /// `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `TE`,
    /// `Trailer`, `Upgrade`, `Expect`) and `Sec-WebSocket-*`.
    ///
    /// ```
    /// use genesys_presence::Session;
    ///
    /// # // An https URL needs a TLS feature (the default `rustls`).
    /// # #[cfg(any(feature = "rustls", feature = "native-tls"))] {
    /// let session = Session::builder()
    ///     .base_url("https://gw.example.com/genesys/api")
    ///     .login_url("https://gw.example.com/genesys/login")
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .header("X-Gateway-Key", "gateway-key-from-the-vault")
    ///     .header("Genesys-App", "status-sync")
    ///     .build()?;
    /// assert!(!format!("{session:?}").contains("gateway-key-from-the-vault"));
    /// # }
    /// # Ok::<(), genesys_presence::Error>(())
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), Secret::new(value)));
        self
    }

    /// The names of [`header`](SessionBuilder::header), as `Debug` shows them.
    fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.headers {
            let shown = transport::shown_header_name(name);
            if !names.iter().any(|known| known.eq_ignore_ascii_case(shown)) {
                names.push(shown);
            }
        }
        names
    }

    /// How long the organization's presence definitions, read to resolve
    /// presence names ([`user::set_presence_by_name`](crate::user::set_presence_by_name)),
    /// are reused before being read again. Default: [`DEFAULT_DEFINITIONS_CACHE_TTL`]
    /// (5 minutes); zero reads them on every use. Bounds: from zero to 1 day.
    pub fn definitions_cache_ttl(mut self, ttl: Duration) -> Self {
        self.definitions_cache_ttl = Some(ttl);
        self
    }

    /// The locale whose labels presence names are matched against first,
    /// e.g. `fr` or `en_US` (labels in other locales are tried next).
    /// Default: `en_US`. Bounds: spaces around it are dropped; what is left
    /// is 1 to 35 ASCII letters, digits, `-` and `_`.
    pub fn locale(mut self, locale_code: impl Into<String>) -> Self {
        self.locale = Some(locale_code.into());
        self
    }

    /// Checks the configuration and builds the session. No request is sent.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming the setting, without quoting a secret, when:
    /// no credentials or both kinds were given; an id, secret or token is
    /// outside its bounds (a token given with its `Bearer ` prefix, say); a
    /// URL is not an `http`/`https` URL with a host, holds a user or
    /// password, or is plain `http://` to a host that is not loopback
    /// without [`allow_insecure_http`](SessionBuilder::allow_insecure_http);
    /// an `https` URL is used in a build without TLS; a timeout, the
    /// response size limit, the pacing budget (or both budgets given), the
    /// cache lifetime, the locale, the user agent, a
    /// [`header`](SessionBuilder::header) (named, its value never quoted) or
    /// the retry policy's attempts are outside the bounds their setters
    /// document; without an [`agent`](SessionBuilder::agent),
    /// a proxy variable (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, lowercase
    /// too) is set but is not a proxy URL.
    pub fn build(self) -> Result<Session> {
        // Resolved before the fields move out; its error is reported in turn.
        let urls = self.resolved_urls();
        let transport = Transport::new(transport::Settings {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_response_bytes: self.max_response_bytes,
            pacing: self.pacing,
            user_agent: self.user_agent,
            agent: self.agent,
            observer: self.observer,
            headers: self.headers,
        })?;
        let locale = check_locale(self.locale.as_deref().unwrap_or("en_US"))?;
        let ttl = self
            .definitions_cache_ttl
            .unwrap_or(DEFAULT_DEFINITIONS_CACHE_TTL);
        if ttl > MAX_DEFINITIONS_CACHE_TTL {
            return Err(Error::config(format!(
                "definitions_cache_ttl must be at most 1 day (86400 s), not {ttl:?}"
            )));
        }
        let definitions = DefinitionCache::new(ttl, locale);
        let retry = self.retry.unwrap_or_default();
        if let Some(why) = retry.out_of_bounds() {
            return Err(Error::config(format!("retry_policy: {why}")));
        }
        let insecure = self.allow_insecure_http;
        let (api_url, login_url) = urls?;
        if !insecure {
            let api_setting = self.base_url.as_ref().map_or("base_url", |(_, setting)| setting);
            check_clear_text_proxy(api_setting, &api_url, &transport)?;
            check_clear_text_proxy("login_url", &login_url, &transport)?;
        }
        let mut credentials = self.credentials;
        let credentials = match credentials.len() {
            0 => {
                return Err(Error::config(
                    "no credentials: call client_credentials(id, secret), access_token(token) \
                         or one of the sign-in grants (authorization_code, pkce_authorization_code, \
                         refresh_token, saml2_bearer, tokens)"
                        .into(),
                ))
            }
            1 => credentials.remove(0),
            _ => {
                return Err(Error::config(
                    "more than one set of credentials: give one of client_credentials, access_token \
                     and the sign-in grants, once"
                        .into(),
                ))
            }
        };
        let auth = Auth::new(credentials, login_url, self.on_new_tokens)?;
        Ok(Session::new(
            api_url,
            insecure,
            transport,
            auth,
            retry,
            definitions,
        ))
    }
}

/// The login URL: the one given, checked; else derived from a given API
/// URL; else the region's.
fn login_url_for(
    login_url: Option<&str>,
    base_url_given: bool,
    api_url: &str,
    region: Region,
    insecure: bool,
) -> Result<String> {
    match (login_url, base_url_given) {
        (Some(url), _) => check_url("login_url", url, insecure),
        (None, true) => Ok(derive_login_url(api_url)),
        (None, false) => Ok(region.login_url().to_owned()),
    }
}

/// A plain `http://` URL (already known to name a loopback host) must not
/// be carried to a proxy on another machine: the proxy hop would be in the clear.
fn check_clear_text_proxy(setting: &str, url: &str, transport: &Transport) -> Result<()> {
    if !url.starts_with("http://") {
        return Ok(());
    }
    let Ok(uri) = url.parse::<Uri>() else {
        return Ok(());
    };
    match transport.proxy_host_for(&uri) {
        Some(proxy) if !is_loopback_host(&proxy) => Err(Error::config(format!(
            "{setting} {} is plain http:// and would be sent through the proxy at {proxy} \
             (from the proxy environment variables or the agent), so the access token and the \
             client credentials would cross the network unencrypted. Exempt the host with \
             NO_PROXY, use https://, or, to send them in the clear anyway, set {INSECURE_SETTING}",
            quoted(url)
        ))),
        _ => Ok(()),
    }
}

/// The locale code, trimmed, when it is 1 to [`MAX_LOCALE_LEN`] ASCII
/// letters, digits, `-` and `_`.
fn check_locale(locale: &str) -> Result<String> {
    let trimmed = locale.trim();
    if trimmed.is_empty() {
        return Err(Error::config("locale must not be empty".into()));
    }
    if trimmed.len() > MAX_LOCALE_LEN
        || !trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        let quoted: String = format!("{trimmed:?}").chars().take(60).collect();
        return Err(Error::config(format!(
            "locale {quoted} must be a locale code such as `en_US` or `fr`: 1 to 35 ASCII \
             letters, digits, `-` and `_`"
        )));
    }
    Ok(trimmed.to_owned())
}
