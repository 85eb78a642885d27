//! The access token a session uses (`/api/v2/tokens/me`): what it is, and
//! signing out.
//!
//! Not part of the Presence API: the official SDKs have these in their
//! `TokensApi`.

use crate::models::TokenInfo;
use crate::request::{self, Call};
use crate::{Result, Session};

const ME: &str = "/api/v2/tokens/me";

/// Reads what the API knows of the session's access token: its
/// organization, OAuth client, scopes and, for a user's token, when it idles.
///
/// `GET /api/v2/tokens/me`. Official SDKs: `get_tokens_me`, `getTokensMe`.
/// Retried like every GET (rate limits, gateway errors, lost connections,
/// per the session's [`RetryPolicy`](crate::RetryPolicy)).
///
/// # Errors
///
/// an error of kind [`Api`](crate::ErrorKind::Api) for an error answer (401 for a token
/// that expired or was revoked, when the session cannot fetch a new one),
/// an error of kind [`Transport`](crate::ErrorKind::Transport) when no answer arrived,
/// an error of kind [`Decode`](crate::ErrorKind::Decode) when the answer is not a
/// TokenInfo.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// let token = genesys_presence::tokens::me(&session)?;
/// let org = token.organization.and_then(|o| o.name);
/// println!("signed in to {org:?} with scopes {:?}", token.authorized_scope);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn me(session: &Session) -> Result<TokenInfo> {
    request::send_json(session, &Call::get(ME.into()))
}

/// Signs out: revokes the session's access token.
///
/// `DELETE /api/v2/tokens/me`. Official SDKs: `delete_tokens_me`,
/// `deleteTokensMe`. Retried like every DELETE; a replay after a lost
/// answer may get 401, because the first one did revoke the token.
///
/// Afterwards the token the session holds is unusable. A person's session
/// (authorization code, PKCE, refresh token, SAML2, stored tokens) also
/// forgets its refresh token or assertion, so that it does not sign back in
/// by itself: every later call fails with
/// [`Error::is_sign_in_required`](crate::Error::is_sign_in_required), and
/// tokens the program saved from
/// [`on_new_tokens`](crate::SessionBuilder::on_new_tokens) should be deleted
/// too. A session built
/// with a token you gave ([`access_token`](crate::SessionBuilder::access_token))
/// gets 401 on every later call: build a new one. A client-credentials
/// session gets a 401 on its next call, fetches a new token and sends that
/// call again, so revoking only costs one round trip there.
///
/// # Errors
///
/// an error of kind [`Api`](crate::ErrorKind::Api) for an error answer (401 for a token
/// that was already unusable), an error of kind [`Transport`](crate::ErrorKind::Transport)
/// when no answer arrived.
///
/// # Example
///
/// ```no_run
/// # let session = genesys_presence::Session::builder().access_token("t").build()?;
/// genesys_presence::tokens::revoke(&session)?;
/// // `session` is signed out: build a new one to go on.
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub fn revoke(session: &Session) -> Result<()> {
    request::send_empty(session, &Call::delete(ME.into()))?;
    session.auth().signed_out();
    Ok(())
}
