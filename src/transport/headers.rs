//! A caller's own headers ([`SessionBuilder::header`](crate::SessionBuilder::header)):
//! checked once, then sent on every API request, every token request and
//! the WebSocket handshake.
//!
//! A value may be a gateway's API key, so it is handled as a secret: no
//! `Debug` shows it, no error quotes it, and error text and logs hide the
//! longer ones, and those of headers named as credentials, as they hide tokens.

use std::fmt;

use ureq::http::{HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// The longest header name accepted, in bytes.
pub(crate) const MAX_HEADER_NAME_LEN: usize = 128;
/// The longest header value accepted, in bytes.
pub(crate) const MAX_HEADER_VALUE_LEN: usize = 4096;
/// The most headers a session accepts.
pub(crate) const MAX_HEADERS: usize = 32;
/// Values at least this long are hidden in error text and logs. Shorter
/// ones (`1`, `v2`, `sync`) are hidden only when the header's name says it
/// carries a credential ([`CREDENTIAL_WORDS`]): hiding every `2` would
/// blank out status codes and innocent words.
const HIDDEN_FROM_LEN: usize = 8;
/// Words that, anywhere in a header's name (`X-Api-Key`, `X-Auth-Token`,
/// `X-Gateway-Secret`), mark its value as a credential, hidden whatever its length.
const CREDENTIAL_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "auth",
    "pass",
    "signature",
    "session",
    "credential",
];

/// Headers a caller may not set, lower case, and why. The session sets the
/// first ones itself; the others describe the connection or its framing
/// (hop by hop), which ureq and tungstenite manage; `cookie` belongs to one
/// host, while these headers go to three (API, login, notifications).
const REFUSED: &[(&str, &str)] = &[
    ("authorization", "the session sends its own token"),
    (
        "proxy-authorization",
        "give the proxy's credentials in its URL (HTTPS_PROXY) or on an agent",
    ),
    ("host", "it is taken from base_url and login_url"),
    ("content-length", "it is set from the body"),
    ("content-type", "the session sets it for each body"),
    ("content-encoding", "bodies are sent as they are"),
    ("accept", "the session asks for JSON itself"),
    ("accept-encoding", "answers are read uncompressed"),
    (
        "user-agent",
        "use SessionBuilder::user_agent, which keeps the crate's own part",
    ),
    (
        "cookie",
        "a cookie belongs to one host, and these headers go to the API, login and notification hosts alike",
    ),
    ("transfer-encoding", "it belongs to the connection"),
    ("connection", "it belongs to the connection"),
    ("keep-alive", "it belongs to the connection"),
    ("proxy-connection", "it belongs to the connection"),
    ("upgrade", "it belongs to the connection"),
    ("te", "it belongs to the connection"),
    ("trailer", "it belongs to the connection"),
    ("expect", "it belongs to the connection"),
];

/// The caller's headers, checked, in the order first set.
#[derive(Clone, Default)]
pub(crate) struct CustomHeaders(Vec<(HeaderName, HeaderValue)>);

impl fmt::Debug for CustomHeaders {
    /// Names only: a value may be an API key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl CustomHeaders {
    /// Checks `pairs` (a later value of a name replaces an earlier one).
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) naming the header (never
    /// quoting its value) as [`check`] says; more than [`MAX_HEADERS`] names.
    pub(crate) fn new(pairs: &[(String, crate::secret::Secret)]) -> Result<CustomHeaders> {
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        for (name, value) in pairs {
            let (name, value) = check(name, value.expose())?;
            match headers.iter_mut().find(|(known, _)| *known == name) {
                Some(slot) => slot.1 = value,
                None => headers.push((name, value)),
            }
        }
        if headers.len() > MAX_HEADERS {
            return Err(Error::config(format!(
                "header: at most {MAX_HEADERS} headers, not {}",
                headers.len()
            )));
        }
        Ok(CustomHeaders(headers))
    }

    /// Each name (lower case) and value.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(HeaderName, HeaderValue)> {
        self.0.iter()
    }

    /// The values error text and logs must hide: those of
    /// [`HIDDEN_FROM_LEN`] bytes or more, and every value (but an empty
    /// one) of a header whose name has one of [`CREDENTIAL_WORDS`].
    pub(crate) fn secrets(&self) -> impl Iterator<Item = String> + '_ {
        self.0
            .iter()
            .filter(|(name, value)| {
                value.len() >= HIDDEN_FROM_LEN
                    || (!value.is_empty() && CREDENTIAL_WORDS.iter().any(|w| name.as_str().contains(w)))
            })
            .filter_map(|(_, value)| value.to_str().ok().map(str::to_owned))
    }
}

/// One header, when it can travel as it is on every path (REST and the
/// WebSocket handshake): a name of 1 to [`MAX_HEADER_NAME_LEN`] token
/// characters that is not [`REFUSED`] nor `Sec-WebSocket-*`; a value, spaces
/// and tabs around it dropped, of at most [`MAX_HEADER_VALUE_LEN`] bytes of
/// visible ASCII, spaces and tabs.
fn check(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let valid = shown_name(name).len();
    if name.is_empty() {
        return Err(Error::config("header: the name is empty".into()));
    }
    if valid < name.len() {
        // Only the valid start is quoted: what follows may be a value
        // given as part of the name (`X-Api-Key: …`).
        let start: String = name[..valid].chars().take(MAX_HEADER_NAME_LEN).collect();
        return Err(Error::config(format!(
            "header name {start:?}… has a character a header name cannot have: only letters, \
             digits and !#$%&'*+-.^_`|~ (no spaces, no `:`)"
        )));
    }
    if name.len() > MAX_HEADER_NAME_LEN {
        return Err(Error::config(format!(
            "header name {:?}… is longer than {MAX_HEADER_NAME_LEN} bytes",
            &name[..32]
        )));
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, why)) = REFUSED.iter().find(|(refused, _)| *refused == lower) {
        return Err(Error::config(format!("header {name:?} cannot be set: {why}")));
    }
    if lower.starts_with("sec-websocket-") {
        return Err(Error::config(format!(
            "header {name:?} cannot be set: the WebSocket handshake sets the Sec-WebSocket-* headers"
        )));
    }
    let trimmed = value.trim_matches([' ', '\t']);
    let why = if trimmed.len() > MAX_HEADER_VALUE_LEN {
        Some("is longer than 4096 bytes")
    } else if !trimmed
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        Some(
            "may hold only visible ASCII characters, spaces and tabs (no line breaks or other \
             control characters, no non-ASCII letters), so that it travels unchanged on REST \
             calls and the WebSocket handshake alike",
        )
    } else {
        None
    };
    if let Some(why) = why {
        return Err(Error::config(format!("header {name:?}: the value {why}")));
    }
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::config(format!("header {name:?} is not a valid header name")))?;
    let mut value = HeaderValue::from_str(trimmed)
        .map_err(|_| Error::config(format!("header {name:?}: the value is not a valid header value")))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// The start of a name as given, up to its first character a header name
/// cannot have: what `Debug` shows of a builder's headers, so that a value
/// given as part of the name (`X-Api-Key: …`) is not shown.
pub(crate) fn shown_name(name: &str) -> &str {
    let valid = name.bytes().take_while(|b| is_token_char(*b)).count();
    &name[..valid]
}

/// RFC 9110's `tchar`.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn headers(pairs: &[(&str, &str)]) -> Result<CustomHeaders> {
        let pairs: Vec<(String, Secret)> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), Secret::new(*v)))
            .collect();
        CustomHeaders::new(&pairs)
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one_whatever_the_case() {
        let set = headers(&[("Genesys-App", "a"), ("X-Key", " k1 "), ("genesys-app", "b")]).unwrap();
        let shown: Vec<(&str, &str)> = set
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(shown, [("genesys-app", "b"), ("x-key", "k1")]);
        assert_eq!(format!("{set:?}"), r#"["genesys-app", "x-key"]"#);
    }

    #[test]
    fn long_values_and_those_of_credentials_are_hidden() {
        let set = headers(&[
            ("A", "short"),
            ("B", "0123456789abcdef"),
            ("X-Api-Version", "2"),
            ("X-API-KEY", "k3y"),
            ("X-Auth-Token", "t0k"),
            ("X-Gateway-Secret", "s"),
            ("X-Passphrase", "open"),
            ("X-Key-Empty", ""),
        ])
        .unwrap();
        assert_eq!(
            set.secrets().collect::<Vec<_>>(),
            ["0123456789abcdef", "k3y", "t0k", "s", "open"]
        );
    }

    #[test]
    fn a_bad_name_is_quoted_only_up_to_its_first_bad_character() {
        let error = headers(&[("X-Api-Key: s3cr3t", "")]).unwrap_err().to_string();
        assert!(error.contains(r#"header name "X-Api-Key"…"#), "{error}");
        assert!(!error.contains("s3cr3t"), "{error}");
        let error = headers(&[("", "v")]).unwrap_err().to_string();
        assert!(error.contains("the name is empty"), "{error}");
        let long = "X".repeat(MAX_HEADER_NAME_LEN + 1);
        let error = headers(&[(&long, "v")]).unwrap_err().to_string();
        assert!(error.contains("longer than 128 bytes"), "{error}");
        assert!(headers(&[(&long[1..], "v")]).is_ok());
    }

    #[test]
    fn values_are_bounded_and_never_quoted() {
        for bad in ["k\r\nX-Evil: 1", "caf\u{e9}", "a\u{0}b"] {
            let error = headers(&[("X-Key", bad)]).unwrap_err().to_string();
            assert!(
                error.contains(r#"header "X-Key": the value may hold only"#),
                "{error}"
            );
            assert!(!error.contains(bad), "{error}");
        }
        let long = "v".repeat(MAX_HEADER_VALUE_LEN + 1);
        let error = headers(&[("X-Key", &long)]).unwrap_err().to_string();
        assert!(
            error.ends_with(r#"header "X-Key": the value is longer than 4096 bytes"#),
            "{error}"
        );
        assert!(headers(&[("X-Key", &long[1..])]).is_ok());
        assert!(headers(&[("X-Key", "a\tb c")]).is_ok());
        assert!(headers(&[("X-Key", "")]).is_ok());
    }

    #[test]
    fn at_most_32_names() {
        let names: Vec<String> = (0..=MAX_HEADERS).map(|i| format!("X-{i}")).collect();
        let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let error = headers(&pairs).unwrap_err().to_string();
        assert!(error.contains("at most 32 headers, not 33"), "{error}");
        assert!(headers(&pairs[1..]).is_ok());
    }
}
