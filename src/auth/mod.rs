//! Access tokens: a fixed one, or tokens the session renews itself (client
//! credentials, or a person's code, refresh token, SAML2 assertion or stored
//! tokens) with a shared cache that asks for a new token once, however many
//! threads need it.

use std::cell::Cell;
use std::fmt;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Instant, SystemTime};

mod authorize;
mod client;
mod grant;
mod stored;
mod token_endpoint;

pub use authorize::AuthorizeUrl;
pub use client::OAuthClient;
pub(crate) use stored::NewTokens;
pub use stored::StoredTokens;

use ureq::http::HeaderValue;

use self::client::Checked;
use self::grant::Grant;
use self::token_endpoint::{Fetched, TokenRequest, REFRESH_MARGIN};
use crate::error::{Error, Repr, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::Transport;

/// What the builder was given. `setting` names where the token came from
/// (`access_token`, or the environment variable), for errors.
#[derive(Debug)]
pub(crate) enum Credentials {
    Client { id: String, secret: Secret },
    Token { token: Secret, setting: &'static str },
    User { client: OAuthClient, start: UserStart },
}

/// How a person's tokens are first obtained.
#[derive(Debug)]
pub(crate) enum UserStart {
    /// Exchange an authorization code (with the PKCE verifier, if any).
    Code {
        code: Secret,
        redirect_uri: String,
        verifier: Option<Secret>,
    },
    /// Exchange a SAML2 assertion.
    Saml2 { org_name: String, assertion: Secret },
    /// Renew with a refresh token.
    Refresh(Secret),
    /// Start from tokens saved earlier.
    Stored(StoredTokens),
}

/// The longest access or refresh token accepted, in bytes: far above the
/// tokens Genesys issues, and about what servers accept in one header line.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;
/// The longest client id or secret accepted, in bytes.
pub(crate) const MAX_CLIENT_CREDENTIAL_LEN: usize = 1024;
/// The longest authorization code, redirect URI or organization name accepted, in bytes.
const MAX_GRANT_FIELD_LEN: usize = 8 * 1024;
/// The longest SAML2 assertion accepted, in bytes (base64 of a signed XML document).
const MAX_ASSERTION_LEN: usize = 256 * 1024;
/// How many refresh tokens error text keeps hiding: the newest and the one before.
const REFRESH_TOKENS_HIDDEN: usize = 2;

/// How a session authenticates its calls: the credentials, the token in
/// use, and where and how new tokens are asked for.
pub(crate) struct Auth {
    kind: Kind,
    /// The login base URL that serves `/oauth/token`.
    login_url: String,
}

enum Kind {
    Fixed(HeaderValue),
    Renewing(Box<Renewing>),
}

/// Tokens the session asks for itself.
struct Renewing {
    client: Checked,
    current: RwLock<Option<Token>>,
    /// The next token request. Held while a token is asked for, so that only
    /// one request is made at a time.
    next: Mutex<Grant>,
    /// The secrets of the grants used so far (the newest refresh tokens),
    /// readable while a request is under way.
    grant_secrets: RwLock<Vec<String>>,
    on_new_tokens: Option<NewTokens>,
}

struct Token {
    header: HeaderValue,
    /// `None`: no known expiry (stored tokens without one); used until a 401.
    refresh_at: Option<Instant>,
    generation: u64,
}

thread_local! {
    /// The session whose `on_new_tokens` callback this thread is running
    /// (its [`Renewing`]'s address; 0 for none). Asking that session for a
    /// new token from inside the callback would wait for itself.
    static IN_CALLBACK: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as running `renewing`'s callback until dropped.
struct CallbackGuard(usize);

impl CallbackGuard {
    fn enter(renewing: &Renewing) -> CallbackGuard {
        let outer = IN_CALLBACK.with(|c| c.replace(std::ptr::from_ref(renewing) as usize));
        CallbackGuard(outer)
    }

    fn active(renewing: &Renewing) -> bool {
        IN_CALLBACK.with(Cell::get) == std::ptr::from_ref(renewing) as usize
    }
}

impl Drop for CallbackGuard {
    fn drop(&mut self) {
        IN_CALLBACK.with(|c| c.set(self.0));
    }
}

/// The `Authorization` value for a call, and which token it came from.
pub(crate) struct Bearer {
    pub(crate) header: HeaderValue,
    generation: u64,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Fixed(_) => f.write_str("AccessToken(<redacted>)"),
            Kind::Renewing(r) => {
                let next = r.next.try_lock().map(|g| g.name()).unwrap_or("(being renewed)");
                let mut out = if next == "client credentials" {
                    f.debug_struct("ClientCredentials")
                } else {
                    f.debug_struct("UserTokens")
                };
                out.field("client_id", &r.client.id);
                if r.client.secret.is_some() {
                    out.field("client_secret", &"<redacted>");
                }
                if next != "client credentials" {
                    out.field("next", &next);
                }
                out.finish()
            }
        }
    }
}

impl Auth {
    /// Checks the credentials. `login_url` serves `/oauth/token`;
    /// `on_new_tokens` is called with each token the session obtains.
    pub(crate) fn new(
        credentials: Credentials,
        login_url: String,
        on_new_tokens: Option<NewTokens>,
    ) -> Result<Auth> {
        let kind = Kind::new(credentials, on_new_tokens)?;
        Ok(Auth { kind, login_url })
    }

    /// The login base URL tokens are requested from.
    pub(crate) fn login_url(&self) -> &str {
        &self.login_url
    }
}

impl Kind {
    fn new(credentials: Credentials, on_new_tokens: Option<NewTokens>) -> Result<Kind> {
        let (client, grant, current) = match credentials {
            Credentials::Token { token, setting } => {
                let token = check_token(token.expose(), setting)?;
                return Ok(Kind::Fixed(sensitive(&format!("Bearer {token}"), setting)?));
            }
            Credentials::Client { id, secret } => (
                Checked::new(OAuthClient::confidential(id, secret.expose()))?,
                Grant::ClientCredentials,
                None,
            ),
            Credentials::User { client, start } => {
                let client = Checked::new(client)?;
                let (grant, current) = user_grant(start)?;
                (client, grant, current)
            }
        };
        let secrets = grant.secrets();
        Ok(Kind::Renewing(Box::new(Renewing {
            client,
            current: RwLock::new(current),
            next: Mutex::new(grant),
            grant_secrets: RwLock::new(secrets),
            on_new_tokens,
        })))
    }
}

/// The first grant of a person's session, checked, and the token to start
/// with (stored tokens).
fn user_grant(start: UserStart) -> Result<(Grant, Option<Token>)> {
    let field = |value: &str, what: &str, max: usize| -> Result<()> {
        if value.trim().is_empty() {
            Err(Error::config(format!("{what} is empty")))
        } else if value.len() > max {
            Err(Error::config(format!("{what} is longer than {} KiB", max / 1024)))
        } else {
            Ok(())
        }
    };
    Ok(match start {
        UserStart::Code {
            code,
            redirect_uri,
            verifier,
        } => {
            field(code.expose(), "authorization code", MAX_GRANT_FIELD_LEN)?;
            field(&redirect_uri, "redirect_uri", MAX_GRANT_FIELD_LEN)?;
            if let Some(verifier) = &verifier {
                if !is_verifier(verifier.expose()) {
                    return Err(Error::config(
                        "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~".into(),
                    ));
                }
            }
            let code = Secret::new(code.expose().trim());
            (
                Grant::Code {
                    code,
                    redirect_uri,
                    verifier,
                },
                None,
            )
        }
        UserStart::Saml2 { org_name, assertion } => {
            field(&org_name, "SAML2 orgName", MAX_GRANT_FIELD_LEN)?;
            field(assertion.expose(), "SAML2 assertion", MAX_ASSERTION_LEN)?;
            let assertion = Secret::new(assertion.expose().trim());
            let org_name = org_name.trim().to_owned();
            (Grant::Saml2 { org_name, assertion }, None)
        }
        UserStart::Refresh(token) => {
            let token = check_token(token.expose(), "refresh_token")?;
            (Grant::Refresh(Secret::new(token)), None)
        }
        UserStart::Stored(stored) => {
            let access = check_token(stored.access_token(), "stored access token")?;
            let header = sensitive(&format!("Bearer {access}"), "stored access token")?;
            let grant = match stored.refresh_token() {
                Some(token) => Grant::Refresh(Secret::new(check_token(token, "stored refresh token")?)),
                None => Grant::SignInAgain("the stored tokens have no refresh token"),
            };
            // Its whole lifetime is unknown: replaced a full margin before it expires.
            let refresh_at = stored.expires_at().map(|expires| {
                let left = expires.duration_since(SystemTime::now()).unwrap_or_default();
                Instant::now() + left.saturating_sub(REFRESH_MARGIN)
            });
            let token = Token {
                header,
                refresh_at,
                generation: 1,
            };
            (grant, Some(token))
        }
    })
}

/// True for a PKCE verifier: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636).
pub(crate) fn is_verifier(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The token alone, trimmed, when it can be sent as `Bearer <token>`:
/// visible ASCII without spaces, at most [`MAX_TOKEN_LEN`] bytes, and not
/// itself starting with an authorization scheme. Errors name `setting` and
/// never quote the token.
fn check_token<'a>(token: &'a str, setting: &str) -> Result<&'a str> {
    let token = token.trim();
    let first_word = token.split_whitespace().next().unwrap_or_default();
    let why = if token.is_empty() {
        "is empty"
    } else if ["bearer", "basic"]
        .iter()
        .any(|scheme| first_word.eq_ignore_ascii_case(scheme))
    {
        "starts with an authorization scheme (`Bearer`): pass the token alone, \
         without `Bearer ` (the session adds it)"
    } else if token.len() > MAX_TOKEN_LEN {
        "is longer than 8 KiB"
    } else if token.chars().any(char::is_whitespace) {
        "has spaces or line breaks in it: a token is one word of visible ASCII characters"
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        "has characters a token cannot have: only visible ASCII characters (no control \
         characters, no non-ASCII letters)"
    } else {
        return Ok(token);
    };
    Err(Error::config(format!("{setting} {why}")))
}

impl Auth {
    /// True when a 401 can be answered by asking for a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.kind, Kind::Renewing(_))
    }

    /// Every value error text must not show: the token in use, the client
    /// secret and the encoded `id:secret` pair, and the grant's code,
    /// verifier, assertion or newest refresh tokens.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match &self.kind {
            Kind::Fixed(header) => bearer_token(header).into_iter().collect(),
            Kind::Renewing(r) => {
                let mut secrets: Vec<String> = r.client.secrets().map(str::to_owned).collect();
                secrets.extend(
                    r.grant_secrets
                        .read()
                        .unwrap_or_else(PoisonError::into_inner)
                        .iter()
                        .cloned(),
                );
                let current = r.current.read().unwrap_or_else(PoisonError::into_inner);
                secrets.extend(current.as_ref().and_then(|t| bearer_token(&t.header)));
                secrets
            }
        }
    }

    /// The header for the next call: the cached token, or a new one asked
    /// for through `transport`, retried per `retry`.
    pub(crate) fn bearer(&self, transport: &Transport, retry: &RetryPolicy) -> Result<Bearer> {
        let renewing = match &self.kind {
            Kind::Fixed(header) => {
                return Ok(Bearer {
                    header: header.clone(),
                    generation: 0,
                })
            }
            Kind::Renewing(renewing) => renewing,
        };
        if let Some(bearer) = renewing.fresh() {
            return Ok(bearer);
        }
        if CallbackGuard::active(renewing) {
            // The callback runs while `next` is held: waiting for it would never end.
            return Err(Error::config(
                "the on_new_tokens callback made a call that needs a new token (the one it was \
                 given has already expired or was refused): a call from inside the callback \
                 can only use that token"
                    .into(),
            ));
        }
        let mut next = renewing.next.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have renewed it while this one waited.
        if let Some(bearer) = renewing.fresh() {
            return Ok(bearer);
        }
        let Some(form) = next.form(&renewing.client) else {
            let why = match &*next {
                Grant::SignInAgain(why) => why,
                _ => "no grant",
            };
            log::warn!("no new access token: {why}; the user must sign in again");
            return Err(self.sign_in_again(format!("{why}: the user must sign in again")));
        };
        let grant_name = next.name();
        let renewal = renewing
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        let mut secrets = self.secrets();
        secrets.extend(transport.custom_headers().secrets());
        let request = TokenRequest {
            authorization: renewing.client.basic.as_ref(),
            form: &form,
            secrets: &secrets,
        };
        let fetched = token_endpoint::fetch(transport, &self.login_url, retry, &request);
        log_token_outcome(grant_name, renewal, &fetched);
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(error) if error.code() == Some("invalid_grant") && next.is_personal() => {
                let what = next.name();
                let grant = std::mem::replace(&mut *next, Grant::SignInAgain(""));
                *next = grant.after_refusal();
                return Err(error.into_sign_in_again(what));
            }
            Err(error) => return Err(error),
        };
        let grant = std::mem::replace(&mut *next, Grant::SignInAgain(""));
        *next = grant.after_answer(fetched.refresh_token.clone());
        renewing.remember(&next);
        let bearer = renewing.install(&fetched);
        if let Some(callback) = &renewing.on_new_tokens {
            // Under `next`: callbacks see the tokens in the order they came.
            let _inside = CallbackGuard::enter(renewing);
            callback(&StoredTokens::new(
                fetched.access_token.expose(),
                SystemTime::now().checked_add(fetched.lifetime),
                fetched.refresh_token.as_ref().map(|t| t.expose().to_owned()),
            ));
        }
        Ok(bearer)
    }

    /// After the session's token was revoked (signing out): a person's
    /// session forgets its token and its grant (refresh token, assertion),
    /// so that it does not sign back in by itself; later calls fail with
    /// the sign-in-again error. A client-credentials session is left as
    /// it is: its next call gets a 401 and fetches a new token.
    pub(crate) fn signed_out(&self) {
        let Kind::Renewing(renewing) = &self.kind else {
            return;
        };
        let mut next = renewing.next.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*next, Grant::ClientCredentials) {
            return;
        }
        *next = Grant::SignInAgain("the session signed out (its token was revoked)");
        *renewing.current.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The error that says the person must sign in again.
    fn sign_in_again(&self, reason: String) -> Error {
        Error::from(Repr::Auth {
            login_url: self.login_url.clone(),
            status: None,
            code: None,
            reason,
            correlation_id: None,
            attempts: 0,
            transport: None,
            sign_in_again: true,
            throttled: false,
        })
    }

    /// Marks the token a call was made with as no longer valid (after a 401),
    /// so the next [`bearer`](Auth::bearer) asks for a new one. A newer token
    /// is left alone.
    pub(crate) fn invalidate(&self, used: &Bearer) {
        if let Kind::Renewing(renewing) = &self.kind {
            let mut current = renewing.current.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(token) = current.as_mut().filter(|t| t.generation == used.generation) {
                token.refresh_at = Some(Instant::now());
            }
        }
    }
}

impl Renewing {
    fn fresh(&self) -> Option<Bearer> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|t| t.refresh_at.is_none_or(|at| Instant::now() < at))
            .map(|t| Bearer {
                header: t.header.clone(),
                generation: t.generation,
            })
    }

    /// Keeps the secrets of `next` for error text, with the refresh tokens
    /// before it (up to [`REFRESH_TOKENS_HIDDEN`]).
    fn remember(&self, next: &Grant) {
        let mut secrets = self.grant_secrets.write().unwrap_or_else(PoisonError::into_inner);
        let mut kept = next.secrets();
        for old in secrets.drain(..) {
            if kept.len() < REFRESH_TOKENS_HIDDEN && !kept.contains(&old) {
                kept.push(old);
            }
        }
        *secrets = kept;
    }

    /// Makes `fetched` the token in use; returns its bearer.
    fn install(&self, fetched: &Fetched) -> Bearer {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let generation = current.as_ref().map_or(1, |t| t.generation + 1);
        *current = Some(Token {
            header: fetched.header.clone(),
            refresh_at: Some(fetched.refresh_at),
            generation,
        });
        Bearer {
            header: fetched.header.clone(),
            generation,
        }
    }
}

/// Logs a token request's outcome: the grant, the lifetime and when the
/// token will be replaced at info level; a failure at warn. Never a token.
fn log_token_outcome(grant: &str, renewal: bool, outcome: &Result<Fetched>) {
    let what = if renewal { "renewed" } else { "obtained" };
    match outcome {
        Ok(fetched) => log::info!(
            "access token {what} with the {grant} grant: valid for {} s, replaced in {} s{}",
            fetched.lifetime.as_secs(),
            fetched
                .refresh_at
                .saturating_duration_since(Instant::now())
                .as_secs(),
            if fetched.refresh_token.is_some() {
                ", with a new refresh token"
            } else {
                ""
            }
        ),
        Err(error) => log::warn!("no access token {what} with the {grant} grant: {error}"),
    }
}

/// The token of a `Bearer <token>` header.
fn bearer_token(header: &HeaderValue) -> Option<String> {
    header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

fn sensitive(value: &str, what: &str) -> Result<HeaderValue> {
    // Visible ASCII only: ureq refuses to send anything else.
    let mut header = HeaderValue::from_str(value)
        .ok()
        .filter(|h| h.to_str().is_ok())
        .ok_or_else(|| Error::config(format!("{what} has characters a header cannot carry")))?;
    header.set_sensitive(true);
    Ok(header)
}
