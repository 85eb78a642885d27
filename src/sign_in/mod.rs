//! Signing in as a person (feature `sign-in`): PKCE verifiers and their
//! challenges ([`PkceVerifier`]), and the loopback helper
//! ([`LoopbackSignIn`]) that lets a person sign in in their browser while
//! the program listens on `127.0.0.1` for the redirect.
//!
//! Randomness comes from the operating system's secure source (the
//! `getrandom` crate), SHA-256 from the `sha2` crate. The grants themselves
//! (code exchange, refresh, SAML2, stored tokens) need no feature: see
//! [`SessionBuilder`](crate::SessionBuilder) and the crate's
//! [Authentication](crate#authentication) section.
//!
//! The implicit grant (the token comes back in the redirect's `#fragment`,
//! which only a browser page can read) is for browser applications and is
//! not implemented: a program uses PKCE instead.

mod browser;
mod loopback;
mod pkce;
mod secure_random;

pub use loopback::{LoopbackSignIn, PendingSignIn, DEFAULT_SIGN_IN_TIMEOUT};
pub use pkce::{PkceVerifier, GENERATED_VERIFIER_LEN};

/// A new `state` value for an [`AuthorizeUrl`](crate::AuthorizeUrl): 32
/// characters of `A-Z a-z 0-9 - _` from the operating system's secure
/// random source (192 bits).
///
/// # Errors
///
/// [`System`](crate::ErrorKind::System) if the system's random source fails.
pub fn new_state() -> crate::Result<String> {
    secure_random::unreserved(32)
}
