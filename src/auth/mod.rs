//! Access tokens: a fixed one, or the OAuth client credentials grant with a
//! shared cache that fetches a new token once, however many threads ask.

use std::fmt;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Instant;

mod token_endpoint;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ureq::http::HeaderValue;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::Transport;

/// What the builder was given. `setting` names where the token came from
/// (`access_token`, or the environment variable), for errors.
#[derive(Debug)]
pub(crate) enum Credentials {
    Client { id: String, secret: Secret },
    Token { token: Secret, setting: &'static str },
}

/// The longest access token accepted, in bytes: far above the tokens
/// Genesys issues, and about what servers accept in one header line.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;
/// The longest client id or secret accepted, in bytes.
pub(crate) const MAX_CLIENT_CREDENTIAL_LEN: usize = 1024;

/// How a session authenticates its calls: the credentials, the token in
/// use, and where and how new tokens are asked for.
pub(crate) struct Auth {
    kind: Kind,
    /// The login base URL that serves `/oauth/token`.
    login_url: String,
}

enum Kind {
    Fixed(HeaderValue),
    Client(ClientCredentials),
}

struct ClientCredentials {
    client_id: String,
    secret: Secret,
    /// The base64 `id:secret` pair, to keep it out of error text.
    encoded_pair: Secret,
    basic: HeaderValue,
    current: RwLock<Option<Token>>,
    /// Held while a token is fetched, so that only one request is made at a time.
    fetching: Mutex<()>,
}

struct Token {
    header: HeaderValue,
    refresh_at: Instant,
    generation: u64,
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
            Kind::Client(c) => f
                .debug_struct("ClientCredentials")
                .field("client_id", &c.client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
        }
    }
}

impl Auth {
    /// Checks the credentials. `login_url` serves `/oauth/token`.
    pub(crate) fn new(credentials: Credentials, login_url: String) -> Result<Auth> {
        let kind = Kind::new(credentials)?;
        Ok(Auth { kind, login_url })
    }

    /// The login base URL tokens are requested from.
    pub(crate) fn login_url(&self) -> &str {
        &self.login_url
    }
}

impl Kind {
    fn new(credentials: Credentials) -> Result<Kind> {
        match credentials {
            Credentials::Token { token, setting } => {
                let token = check_token(token.expose(), setting)?;
                Ok(Kind::Fixed(sensitive(&format!("Bearer {token}"), setting)?))
            }
            Credentials::Client { id, secret } => {
                let id = id.trim().to_owned();
                if id.is_empty() {
                    return Err(Error::config("client id is empty".into()));
                }
                if id.len() > MAX_CLIENT_CREDENTIAL_LEN {
                    return Err(Error::config("client id is longer than 1024 bytes".into()));
                }
                if id.contains(':') || id.chars().any(char::is_control) {
                    // Basic authentication separates the id from the secret with `:`.
                    return Err(Error::config(
                        "client id must not contain `:` or control characters".into(),
                    ));
                }
                if secret.expose().is_empty() {
                    return Err(Error::config("client secret is empty".into()));
                }
                if secret.expose().len() > MAX_CLIENT_CREDENTIAL_LEN {
                    return Err(Error::config("client secret is longer than 1024 bytes".into()));
                }
                if secret.expose().chars().any(char::is_control) {
                    return Err(Error::config(
                        "client secret has a control character in it (a line break read from a file?)".into(),
                    ));
                }
                let pair = format!("{id}:{}", secret.expose());
                let encoded_pair = Secret::new(STANDARD.encode(pair.as_bytes()));
                let basic = sensitive(&format!("Basic {}", encoded_pair.expose()), "client credentials")?;
                Ok(Kind::Client(ClientCredentials {
                    client_id: id,
                    secret,
                    encoded_pair,
                    basic,
                    current: RwLock::new(None),
                    fetching: Mutex::new(()),
                }))
            }
        }
    }
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
    /// True when a 401 can be answered by fetching a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.kind, Kind::Client(_))
    }

    /// Every value error text must not show: the token in use, and with
    /// client credentials the secret and the encoded `id:secret` pair.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let token = |header: &HeaderValue| {
            header
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        };
        match &self.kind {
            Kind::Fixed(header) => token(header).into_iter().collect(),
            Kind::Client(client) => {
                let current = client.current.read().unwrap_or_else(PoisonError::into_inner);
                let mut secrets = vec![
                    client.secret.expose().to_owned(),
                    client.encoded_pair.expose().to_owned(),
                ];
                secrets.extend(current.as_ref().and_then(|t| token(&t.header)));
                secrets
            }
        }
    }

    /// The header for the next call: the cached token, or a new one asked
    /// for through `transport`, retried per `retry`.
    pub(crate) fn bearer(&self, transport: &Transport, retry: &RetryPolicy) -> Result<Bearer> {
        let client = match &self.kind {
            Kind::Fixed(header) => {
                return Ok(Bearer {
                    header: header.clone(),
                    generation: 0,
                })
            }
            Kind::Client(client) => client,
        };
        if let Some(bearer) = client.fresh() {
            return Ok(bearer);
        }
        let _fetching = client.fetching.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have fetched one while this one waited.
        if let Some(bearer) = client.fresh() {
            return Ok(bearer);
        }
        let fetched = token_endpoint::fetch(transport, &self.login_url, retry, client)?;
        let mut current = client.current.write().unwrap_or_else(PoisonError::into_inner);
        let generation = current.as_ref().map_or(1, |t| t.generation + 1);
        let token = Token {
            header: fetched.0,
            refresh_at: fetched.1,
            generation,
        };
        let bearer = Bearer {
            header: token.header.clone(),
            generation,
        };
        *current = Some(token);
        Ok(bearer)
    }

    /// Marks the token a call was made with as no longer valid (after a 401),
    /// so the next [`bearer`](Auth::bearer) fetches a new one. A newer token
    /// is left alone.
    pub(crate) fn invalidate(&self, used: &Bearer) {
        if let Kind::Client(client) = &self.kind {
            let mut current = client.current.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(token) = current.as_mut().filter(|t| t.generation == used.generation) {
                token.refresh_at = Instant::now();
            }
        }
    }
}

impl ClientCredentials {
    fn fresh(&self) -> Option<Bearer> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .map(|t| Bearer {
                header: t.header.clone(),
                generation: t.generation,
            })
    }
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
