//! Ids and opaque strings of the stand-in org (users, definitions, tokens,
//! correlation ids), from its own generator: std's randomly keyed hasher.
//! Nothing here is secret; a real org's ids need not be guessed either.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 64 random-looking bits for ids and tokens (not for anything secret): std's
/// randomly keyed hasher over a counter and the clock, so no two calls hash
/// the same input.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// A random version-4 UUID string, e.g. `6a3af858-942f-489d-9700-5f9bcdcdae9b`.
pub(super) fn uuid() -> String {
    let high = random_u64();
    let low = random_u64();
    let time_hi = (high & 0x0fff) | 0x4000;
    let clock = ((low >> 48) & 0x3fff) | 0x8000;
    format!(
        "{:08x}-{:04x}-{time_hi:04x}-{clock:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        low & 0xffff_ffff_ffff
    )
}

/// A random opaque string of `len` URL-safe characters (tokens, secrets).
pub(super) fn random_string(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(len);
    let mut bits = 0u64;
    let mut left = 0;
    while out.len() < len {
        if left < 6 {
            bits = random_u64();
            left = 64;
        }
        out.push(char::from(ALPHABET[(bits & 63) as usize]));
        bits >>= 6;
        left -= 6;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_uuid_shaped_and_unique() {
        let (a, b) = (uuid(), uuid());
        assert_ne!(a, b);
        let lengths: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn random_strings_have_the_length_asked() {
        assert_eq!(random_string(43).len(), 43);
        assert_ne!(random_string(64), random_string(64));
    }
}
