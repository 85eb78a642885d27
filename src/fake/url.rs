//! URL coding: percent-encoding ids into paths (`selfUri`s, `connectUri`s),
//! and decoding request targets and form bodies.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(percent_decode("a+b%2B", true), "a b+");
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
    }

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(percent_encode("Az09-._~!*'é"), "Az09-._~%21%2A%27%C3%A9");
    }
}
