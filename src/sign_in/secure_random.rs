//! Unguessable strings from the operating system's secure random source
//! (getrandom), for PKCE verifiers and `state`. Not the crate's jitter
//! random (`crate::random`), which is not for secrets.

use crate::error::{Error, Result};

/// 64 of the unreserved characters of RFC 3986, so that each random byte
/// picks one without bias (`byte % 64`).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `len` characters of [`ALPHABET`], 6 random bits each.
pub(super) fn unreserved(len: usize) -> Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::system(format!("the system's secure random source failed: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 64)]))
        .collect())
}
