//! [`PkceVerifier`]: the secret of a PKCE sign-in and its S256 challenge.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::secure_random::unreserved;
use crate::auth::is_verifier;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The length of [`PkceVerifier::generate`]'s verifiers: 64 characters of
/// 6 random bits each (384 bits; RFC 7636 asks for at least 256).
pub const GENERATED_VERIFIER_LEN: usize = 64;

/// A PKCE code verifier (RFC 7636): 43 to 128 characters of
/// `A-Z a-z 0-9 - . _ ~`. The authorize request carries its
/// [`challenge`](PkceVerifier::challenge); the token request carries the
/// verifier itself
/// ([`SessionBuilder::pkce_authorization_code`](crate::SessionBuilder::pkce_authorization_code)).
///
/// `Debug` hides it; [`secret`](PkceVerifier::secret) is the only way to read it.
#[derive(Clone)]
pub struct PkceVerifier(Secret);

impl PkceVerifier {
    /// A new verifier of [`GENERATED_VERIFIER_LEN`] characters from the
    /// operating system's secure random source (`getrandom`).
    ///
    /// # Errors
    ///
    /// [`System`](crate::ErrorKind::System) if the system's random source fails.
    pub fn generate() -> Result<PkceVerifier> {
        Ok(PkceVerifier(Secret::new(unreserved(GENERATED_VERIFIER_LEN)?)))
    }

    /// A verifier you already have (to exchange a code whose authorize
    /// request you made elsewhere, or RFC 7636's example).
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) (`code_verifier`,
    /// without quoting it) unless it is 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
    pub fn new(verifier: impl Into<String>) -> Result<PkceVerifier> {
        let verifier = verifier.into();
        if !is_verifier(&verifier) {
            return Err(Error::invalid(
                "code_verifier",
                "must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        Ok(PkceVerifier(Secret::new(verifier)))
    }

    /// The S256 challenge: base64url(SHA-256(verifier)) without padding.
    ///
    /// ```
    /// use genesys_presence::sign_in::PkceVerifier;
    ///
    /// let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// assert_eq!(verifier.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// # Ok::<(), genesys_presence::Error>(())
    /// ```
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.expose().as_bytes()))
    }

    /// The verifier itself, for the token request. Never log it.
    pub fn secret(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}
