//! [`StoredTokens`]: a person's tokens as a program saves them between runs,
//! and the callback that hands new ones over.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// A person's tokens, to save between runs and to resume a session from
/// ([`SessionBuilder::tokens`](crate::SessionBuilder::tokens)): the access
/// token, when it expires, and the refresh token that renews it.
///
/// The session hands a new `StoredTokens` to the callback of
/// [`SessionBuilder::on_new_tokens`](crate::SessionBuilder::on_new_tokens)
/// each time it obtains tokens. The library never writes them anywhere:
/// where and how to keep them (a file readable by the user alone, the
/// system's key store) is the program's choice. Both tokens act as the
/// person: keep them as you would a password.
///
/// `Debug` shows the expiry and whether a refresh token is held, never a token.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredTokens {
    access_token: String,
    expires_at: Option<SystemTime>,
    refresh_token: Option<String>,
}

impl StoredTokens {
    /// Tokens saved earlier. `expires_at` is when the access token expires
    /// (`None`: unknown; it is used until the API answers 401). The
    /// session checks them in [`build`](crate::SessionBuilder::build): the
    /// access token as [`access_token`](crate::SessionBuilder::access_token)
    /// says, the refresh token likewise (one word of visible ASCII, at most 8 KiB).
    pub fn new(
        access_token: impl Into<String>,
        expires_at: Option<SystemTime>,
        refresh_token: Option<String>,
    ) -> StoredTokens {
        StoredTokens {
            access_token: access_token.into(),
            expires_at,
            refresh_token,
        }
    }

    /// The access token (sent as `Authorization: Bearer <token>`).
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// When the access token expires, if known: the time the session
    /// received it plus the token answer's `expires_in`.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The refresh token, if any. The login service replaces it at each
    /// refresh (rotation): only the newest one works.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokens")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// What [`SessionBuilder::on_new_tokens`](crate::SessionBuilder::on_new_tokens) keeps.
pub(crate) type NewTokens = Arc<dyn Fn(&StoredTokens) + Send + Sync>;
