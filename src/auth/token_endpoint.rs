//! The token endpoint: `POST {login}/oauth/token`, its answers and its
//! errors, shown without any secret.

use std::time::{Duration, Instant};

use serde::Deserialize;
use ureq::http::HeaderValue;

use super::sensitive;
use crate::error::{Error, Repr, Result};
use crate::exchange::ExchangeKind;
use crate::retry::Attempts;
use crate::retry::RetryPolicy;
use crate::secret::{Redactor, Secret};
use crate::transport::{Method, Outgoing, Reply, Transport};

/// The token request's content type.
const FORM: &str = "application/x-www-form-urlencoded";
/// A token is replaced this long before it expires (or after 90% of its
/// lifetime, for tokens shorter than ten minutes).
pub(super) const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token answer has no `expires_in`.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// Longer lifetimes are capped to this (Genesys issues at most 48 hours).
const LONGEST_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
}

/// A token the login service gave.
pub(super) struct Fetched {
    /// `Bearer <access token>`.
    pub(super) header: HeaderValue,
    /// The access token alone.
    pub(super) access_token: Secret,
    /// The refresh token that came with it, if any.
    pub(super) refresh_token: Option<Secret>,
    /// How long the access token lasts, from when the request was sent.
    pub(super) lifetime: Duration,
    /// When to replace it.
    pub(super) refresh_at: Instant,
}

/// One token request: the `Authorization` header (none for a public
/// client), the form body, and every secret the error text must not show.
pub(super) struct TokenRequest<'a> {
    pub(super) authorization: Option<&'a HeaderValue>,
    pub(super) form: &'a [u8],
    pub(super) secrets: &'a [String],
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
    description: Option<String>,
    message: Option<String>,
}

/// `POST {login_url}/oauth/token` with `token_request`, retried per
/// `retry`. Errors are [`Auth`](crate::ErrorKind::Auth) errors with every
/// secret of the request hidden.
pub(super) fn fetch(
    transport: &Transport,
    login_url: &str,
    retry: &RetryPolicy,
    token_request: &TokenRequest<'_>,
) -> Result<Fetched> {
    let redactor = Redactor::new(token_request.secrets);
    fetch_once(transport, login_url, retry, token_request).map_err(|e| e.bounded(&redactor))
}

fn fetch_once(
    transport: &Transport,
    login_url: &str,
    retry: &RetryPolicy,
    token_request: &TokenRequest<'_>,
) -> Result<Fetched> {
    let secrets = token_request.secrets;
    let url = format!("{login_url}/oauth/token");
    let started = Instant::now();
    // Asking for a token twice is harmless, so every retryable failure is retried.
    let mut attempts = Attempts::new(retry, true, "POST", "/oauth/token");
    let outcome = loop {
        attempts.begin();
        let request = Outgoing {
            kind: ExchangeKind::Token,
            method: Method::Post,
            path: "/oauth/token",
            attempt: attempts.made(),
            url: &url,
            authorization: token_request.authorization,
            body: Some((FORM, token_request.form)),
        };
        // Token requests and answers hold secrets in every part: their
        // sizes are all that is ever logged.
        log::trace!(
            "POST /oauth/token: a form of {} bytes (never logged), attempt {}",
            token_request.form.len(),
            attempts.made()
        );
        let sent = transport.send(&request);
        if let Ok(reply) = &sent {
            log::trace!(
                "POST /oauth/token: answered {} with {} bytes (never logged)",
                reply.status,
                reply.body.len()
            );
        }
        match sent {
            Ok(reply) if (200..300).contains(&reply.status) => break Ok(reply),
            Ok(reply) if attempts.again_after_status(throttle_as_429(&reply), reply.retry_after) => {}
            Err(failure) if attempts.again_after_failure(failure.kind) => {}
            other => break other,
        }
    };
    let attempts = attempts.made();
    let auth_error =
        |status: Option<u16>, code: Option<String>, reason: String, correlation_id: Option<String>| {
            Error::from(Repr::Auth {
                login_url: login_url.to_owned(),
                status,
                code,
                reason,
                correlation_id,
                attempts,
                transport: None,
                sign_in_again: false,
                throttled: false,
            })
        };
    let reply = outcome.map_err(|failure| {
        Error::from(Repr::Auth {
            login_url: login_url.to_owned(),
            status: None,
            code: None,
            reason: format!("POST /oauth/token: {}: {}", failure.kind, failure.detail),
            correlation_id: None,
            attempts,
            transport: Some(failure.kind),
            sign_in_again: false,
            throttled: false,
        })
    })?;
    if !(200..300).contains(&reply.status) {
        // The body is parsed only for its error fields: it is never quoted.
        let answer: TokenError = serde_json::from_slice(&reply.body).unwrap_or_default();
        let code = answer
            .error
            .filter(|c| is_error_code(c) && !would_reveal(secrets, c));
        let description = answer
            .error_description
            .or(answer.description)
            .or(answer.message)
            .map(|text| redact(secrets, &text));
        let reason = match (&code, description) {
            (Some(code), Some(text)) => format!("{} {code}: {text}", reply.status),
            (Some(code), None) => format!("{} {code}", reply.status),
            (None, Some(text)) => format!("{} {text}", reply.status),
            (None, None) => format!("{} from the token endpoint", reply.status),
        };
        return Err(Error::from(Repr::Auth {
            login_url: login_url.to_owned(),
            status: Some(reply.status),
            code,
            reason,
            correlation_id: reply.correlation_id.clone(),
            attempts,
            transport: None,
            sign_in_again: false,
            throttled: throttle_as_429(&reply) == 429,
        }));
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
    let token = token.trim();
    let header = sensitive(&format!("Bearer {token}"), "access token from the token endpoint")
        .map_err(|_| invalid("an access_token that is not a valid header value"))?;
    let refresh_token = answer
        .refresh_token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if refresh_token
        .as_deref()
        .is_some_and(|t| t.len() > super::MAX_TOKEN_LEN || !t.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(invalid(
            "a refresh_token that is not one word of visible ASCII of at most 8 KiB",
        ));
    }
    Ok(Fetched {
        header,
        access_token: Secret::new(token),
        refresh_token: refresh_token.map(Secret::new),
        lifetime,
        refresh_at: replace_at(started, lifetime),
    })
}

/// When a token received at `received` that lasts `lifetime` is replaced:
/// a minute before it expires, or after 90% of its lifetime for tokens
/// shorter than ten minutes.
fn replace_at(received: Instant, lifetime: Duration) -> Instant {
    let margin = REFRESH_MARGIN.min(lifetime / 10);
    received + lifetime.saturating_sub(margin)
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

/// Makes text from the token endpoint safe to show: the `secrets`,
/// whatever follows `Basic`/`Bearer`, and any word that looks like a token
/// are replaced with `<redacted>`; line breaks are folded.
fn redact(secrets: &[String], text: &str) -> String {
    let mut words = Vec::new();
    let mut after_scheme = false;
    for word in text.split_whitespace() {
        let hidden = after_scheme
            || secrets.iter().any(|s| !s.is_empty() && word.contains(s.as_str()))
            || looks_like_a_token(word);
        let bare = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        after_scheme = bare == "basic" || bare == "bearer";
        words.push(if hidden { "<redacted>" } else { word });
    }
    // A secret with spaces in it spans words.
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(words.join(" "), |text, secret| {
            text.replace(secret.as_str(), "<redacted>")
        })
}

/// True when showing `text` would show a secret or part of one.
fn would_reveal(secrets: &[String], text: &str) -> bool {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .any(|secret| text.contains(secret.as_str()) || (text.len() >= 4 && secret.contains(text)))
}
