//! [`OAuthClient`]: the OAuth client tokens are asked for through, with its
//! secret (a confidential client) or without (a public client using PKCE),
//! and the checked form the token requests use.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ureq::http::HeaderValue;

use super::{sensitive, MAX_CLIENT_CREDENTIAL_LEN};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// An OAuth client of your org (Admin > Integrations > OAuth), as the
/// refresh of a person's tokens needs it:
/// [`confidential`](OAuthClient::confidential) with its secret (the
/// authorization code grant), or [`public`](OAuthClient::public) with its
/// id alone (PKCE).
///
/// `Debug` shows the id, never the secret.
///
/// Bounds, checked by [`SessionBuilder::build`](crate::SessionBuilder::build):
/// the id (trimmed) is not empty, has no `:` (it separates id and secret in
/// HTTP Basic) and no control characters; a secret is not empty and has no
/// control characters; each is at most 1024 bytes.
#[derive(Clone)]
pub struct OAuthClient {
    id: String,
    secret: Option<Secret>,
}

impl OAuthClient {
    /// A client with a secret: token requests carry
    /// `Authorization: Basic base64(id:secret)`, as every official SDK sends it.
    pub fn confidential(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        OAuthClient {
            id: client_id.into(),
            secret: Some(Secret::new(client_secret)),
        }
    }

    /// A public client (PKCE): token requests carry no `Authorization` and
    /// name the client with a `client_id` form field instead.
    pub fn public(client_id: impl Into<String>) -> Self {
        OAuthClient {
            id: client_id.into(),
            secret: None,
        }
    }

    /// The client id, as given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// True for a client with a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.id)
            .field("client_secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A checked client: the id, and for a confidential client the secret, the
/// base64 `id:secret` pair and the `Basic` header.
pub(super) struct Checked {
    pub(super) id: String,
    pub(super) secret: Option<Secret>,
    /// The base64 `id:secret` pair, to keep it out of error text.
    pub(super) encoded_pair: Option<Secret>,
    pub(super) basic: Option<HeaderValue>,
}

impl Checked {
    /// Checks `client` against the bounds [`OAuthClient`] documents.
    pub(super) fn new(client: OAuthClient) -> Result<Checked> {
        let id = client.id.trim().to_owned();
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
        let Some(secret) = client.secret else {
            return Ok(Checked {
                id,
                secret: None,
                encoded_pair: None,
                basic: None,
            });
        };
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
        Ok(Checked {
            id,
            secret: Some(secret),
            encoded_pair: Some(encoded_pair),
            basic: Some(basic),
        })
    }

    /// The client's secrets (the secret and the encoded pair), for error text.
    pub(super) fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secret
            .iter()
            .chain(self.encoded_pair.iter())
            .map(Secret::expose)
    }
}
