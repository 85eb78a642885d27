//! Access tokens: a fixed one, or the OAuth client credentials grant with a
//! shared cache that fetches a new token once, however many threads ask.

use std::fmt;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use ureq::http::HeaderValue;

use crate::retry::Attempts;
use crate::secret::Secret;
use crate::transport::{Method, Outgoing, Reply, Transport};
use crate::{Error, Result, RetryPolicy};

/// The token request's content type and body.
const FORM: &str = "application/x-www-form-urlencoded";
const GRANT: &[u8] = b"grant_type=client_credentials";
/// A token is replaced this long before it expires (or after 90% of its
/// lifetime, for tokens shorter than ten minutes).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token answer has no `expires_in`.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// Longer lifetimes are capped to this (Genesys issues at most 48 hours).
const LONGEST_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the builder was given.
#[derive(Debug)]
pub(crate) enum Credentials {
    Client { id: String, secret: Secret },
    Token(Secret),
}

/// How a session authenticates its calls: the credentials, the token in
/// use, and where and how new tokens are asked for.
pub(crate) struct Auth {
    kind: Kind,
    /// The login base URL that serves `/oauth/token`.
    login_url: String,
    /// How token requests are retried.
    retry: RetryPolicy,
}

enum Kind {
    Fixed(HeaderValue),
    Client(ClientCredentials),
}

pub(crate) struct ClientCredentials {
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
    /// Checks the credentials. `login_url` serves `/oauth/token`; `retry`
    /// says how token requests are retried.
    pub(crate) fn new(credentials: Credentials, login_url: String, retry: RetryPolicy) -> Result<Auth> {
        let kind = Kind::new(credentials)?;
        Ok(Auth {
            kind,
            login_url,
            retry,
        })
    }

    /// The login base URL tokens are requested from.
    pub(crate) fn login_url(&self) -> &str {
        &self.login_url
    }
}

impl Kind {
    fn new(credentials: Credentials) -> Result<Kind> {
        match credentials {
            Credentials::Token(token) => {
                let token = token.expose().trim();
                if token.is_empty() {
                    return Err(Error::Config("access_token is empty".into()));
                }
                Ok(Kind::Fixed(sensitive(
                    &format!("Bearer {token}"),
                    "access_token",
                )?))
            }
            Credentials::Client { id, secret } => {
                let id = id.trim().to_owned();
                if id.is_empty() {
                    return Err(Error::Config("client id is empty".into()));
                }
                if secret.expose().is_empty() {
                    return Err(Error::Config("client secret is empty".into()));
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
    /// for through `transport`.
    pub(crate) fn bearer(&self, transport: &Transport) -> Result<Bearer> {
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
        let fetched = self.fetch_token(transport, client)?;
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
    /// Makes text from the token endpoint safe to show: the secret, the
    /// encoded credentials, whatever follows `Basic`/`Bearer`, and any word that
    /// looks like a token are replaced with `<redacted>`; line breaks are folded.
    fn redact(&self, text: &str) -> String {
        let mut words = Vec::new();
        let mut after_scheme = false;
        for word in text.split_whitespace() {
            let hidden = after_scheme
                || word.contains(self.secret.expose())
                || word.contains(self.encoded_pair.expose())
                || looks_like_a_token(word);
            let bare = word
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_ascii_lowercase();
            after_scheme = bare == "basic" || bare == "bearer";
            words.push(if hidden { "<redacted>" } else { word });
        }
        // A secret with spaces in it spans words.
        words.join(" ").replace(self.secret.expose(), "<redacted>")
    }

    /// True when showing `text` would show the secret or part of it.
    fn would_reveal(&self, text: &str) -> bool {
        let secret = self.secret.expose();
        text.contains(secret) || (text.len() >= 4 && secret.contains(text))
    }

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

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
    description: Option<String>,
    message: Option<String>,
}

impl Auth {
    /// `POST {login}/oauth/token` with the client credentials grant. Returns the
    /// bearer header and when to replace it.
    fn fetch_token(
        &self,
        transport: &Transport,
        client: &ClientCredentials,
    ) -> Result<(HeaderValue, Instant)> {
        let login_url = &self.login_url;
        let url = format!("{login_url}/oauth/token");
        let started = Instant::now();
        // Asking for a token twice is harmless, so every retryable failure is retried.
        let mut attempts = Attempts::new(&self.retry, true);
        let request = Outgoing {
            method: Method::Post,
            url: &url,
            authorization: &client.basic,
            body: Some((FORM, GRANT)),
        };
        let outcome = loop {
            attempts.begin();
            match transport.send(&request) {
                Ok(reply) if (200..300).contains(&reply.status) => break Ok(reply),
                Ok(reply) if attempts.again_after_status(throttle_as_429(&reply), reply.retry_after) => {}
                Err(failure) if attempts.again_after_failure(failure.kind) => {}
                other => break other,
            }
        };
        let attempts = attempts.made();
        let auth_error = |status: Option<u16>,
                          code: Option<String>,
                          reason: String,
                          correlation_id: Option<String>| Error::Auth {
            login_url: login_url.clone(),
            status,
            code,
            reason,
            correlation_id,
            attempts,
            transport: None,
        };
        let reply = outcome.map_err(|failure| Error::Auth {
            login_url: login_url.clone(),
            status: None,
            code: None,
            reason: format!("POST /oauth/token: {}: {}", failure.kind, failure.detail),
            correlation_id: None,
            attempts,
            transport: Some(failure.kind),
        })?;
        if !(200..300).contains(&reply.status) {
            // The body is parsed only for its error fields: it is never quoted.
            let answer: TokenError = serde_json::from_slice(&reply.body).unwrap_or_default();
            let code = answer
                .error
                .filter(|c| is_error_code(c) && !client.would_reveal(c));
            let description = answer
                .error_description
                .or(answer.description)
                .or(answer.message)
                .map(|text| client.redact(&text));
            let reason = match (&code, description) {
                (Some(code), Some(text)) => format!("{} {code}: {text}", reply.status),
                (Some(code), None) => format!("{} {code}", reply.status),
                (None, Some(text)) => format!("{} {text}", reply.status),
                (None, None) => format!("{} from the token endpoint", reply.status),
            };
            return Err(auth_error(Some(reply.status), code, reason, reply.correlation_id));
        }
        let invalid = |what: &str| {
            auth_error(
                Some(reply.status),
                None,
                format!("the token endpoint answered {} with {what}", reply.status),
                reply.correlation_id.clone(),
            )
        };
        let answer: TokenAnswer = serde_json::from_slice(&reply.body)
            .map_err(|_| invalid("a body that is not a token answer (JSON with access_token)"))?;
        let token = answer
            .access_token
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| invalid("no access_token"))?;
        let lifetime = match answer.expires_in {
            None | Some(serde_json::Value::Null) => ASSUMED_LIFETIME,
            Some(value) => value
                .as_u64()
                .or_else(|| value.as_f64().filter(|v| *v >= 0.0).map(|v| v as u64))
                .or_else(|| value.as_str().and_then(|v| v.trim().parse().ok()))
                .map(Duration::from_secs)
                .ok_or_else(|| invalid("an expires_in that is not a number of seconds"))?,
        };
        let lifetime = lifetime.min(LONGEST_LIFETIME);
        let margin = REFRESH_MARGIN.min(lifetime / 10);
        let header = sensitive(
            &format!("Bearer {}", token.trim()),
            "access token from the token endpoint",
        )
        .map_err(|_| invalid("an access_token that is not a valid header value"))?;
        Ok((header, started + lifetime.saturating_sub(margin)))
    }
}

/// The token endpoint throttles with `400 invalid_request` and a description
/// starting `rate limit exceeded;` rather than a 429: such an answer counts
/// as a 429 for retrying. Any other answer keeps its status.
fn throttle_as_429(reply: &Reply) -> u16 {
    if reply.status != 400 {
        return reply.status;
    }
    let answer: TokenError = serde_json::from_slice(&reply.body).unwrap_or_default();
    let throttled = answer.error.as_deref() == Some("invalid_request")
        && [answer.error_description, answer.description]
            .iter()
            .flatten()
            .any(|text| {
                text.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("rate limit exceeded")
            });
    if throttled {
        429
    } else {
        reply.status
    }
}

/// An OAuth error code is a short word such as `invalid_client`.
fn is_error_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !looks_like_a_token(code)
}

/// A long word that mixes letters and digits: possibly a token or a key.
fn looks_like_a_token(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    word.len() >= 16 && word.chars().any(|c| c.is_ascii_digit()) && word.chars().any(char::is_alphabetic)
}

fn sensitive(value: &str, what: &str) -> Result<HeaderValue> {
    // Visible ASCII only: ureq refuses to send anything else.
    let mut header = HeaderValue::from_str(value)
        .ok()
        .filter(|h| h.to_str().is_ok())
        .ok_or_else(|| Error::Config(format!("{what} has characters a header cannot carry")))?;
    header.set_sensitive(true);
    Ok(header)
}
