//! Small helpers of the stand-in org: ids, tokens, timestamps, URL coding,
//! JSON bodies.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use super::server::Reply;

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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

/// The current UTC time as ISO-8601 with milliseconds: `2024-05-02T14:03:11.123Z`.
pub(super) fn now_iso() -> String {
    iso_at(SystemTime::now())
}

/// A time as ISO-8601 UTC with milliseconds.
pub(super) fn iso_at(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    iso_from_unix_millis(since.as_millis())
}

fn iso_from_unix_millis(millis: u128) -> String {
    let secs = millis / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        millis % 1000
    )
}

/// Percent-encodes everything but the unreserved characters, for one path
/// segment or query value: `a/b c` gives `a%2Fb%20c`.
pub(super) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); a `%` not
/// followed by two hex digits is kept; invalid UTF-8 becomes U+FFFD.
pub(super) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    if plus_is_space {
        percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    } else {
        percent_decode_str(text).decode_utf8_lossy().into_owned()
    }
}

/// Splits a request target into decoded path segments and decoded query pairs.
/// `/api/v2/users/a%2Fb/presences/purecloud?x=1` gives
/// `["api", "v2", "users", "a/b", "presences", "purecloud"]` and `[("x", "1")]`.
pub(super) fn split_target(target: &str) -> (Vec<String>, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.split('#').next().unwrap_or_default();
    let segments = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    (segments, parse_form(query.split('#').next().unwrap_or_default()))
}

/// Parses `a=1&b=two+words` (a query string or a form body) into decoded pairs.
pub(super) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// A request body as JSON, or 400 `bad.request`.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|e| Reply::bad_request(format!("the body is not valid JSON: {e}")))
}

/// A request body that must be a JSON object; `what` is the 400 message otherwise.
pub(super) fn json_object(body: &[u8], what: &str) -> Result<Map<String, Value>, Reply> {
    match parse_json(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(Reply::bad_request(what)),
    }
}

/// The object inside a `json!({...})` value (an empty map for any other value).
pub(super) fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601() {
        assert_eq!(iso_from_unix_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_from_unix_millis(1_714_658_591_123),
            "2024-05-02T14:03:11.123Z"
        );
        assert_eq!(iso_from_unix_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn uuids_are_uuid_shaped_and_unique() {
        let (a, b) = (uuid(), uuid());
        assert_ne!(a, b);
        let lengths: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn targets_are_decoded_per_segment() {
        let (segments, query) = split_target("/api/v2/users/a%2Fb%20c/presences/x?k=a+b%26&e&%ZZ=%");
        assert_eq!(segments, ["api", "v2", "users", "a/b c", "presences", "x"]);
        assert_eq!(
            query,
            [
                ("k".into(), "a b&".into()),
                ("e".into(), String::new()),
                ("%ZZ".into(), "%".into())
            ]
        );
        assert_eq!(percent_decode("%FF%C3%A9", false), "\u{FFFD}é");
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(percent_encode("Az09-._~!*'é"), "Az09-._~%21%2A%27%C3%A9");
        assert_eq!(percent_decode("a+b%2B", true), "a b+");
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
        assert_eq!(random_string(43).len(), 43);
    }
}
