//! Secrets: a string that must never be printed ([`Secret`]), and the
//! [`Redactor`] that hides secrets in text a server sent back, in whatever
//! form the server echoed them.

use std::fmt;

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;

/// Holds a secret value. `Debug` prints a placeholder and there is no
/// `Display`, so the value cannot leak through formatting by accident.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The only way to read the value. Call it only to put the value on the wire.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What a hidden secret is replaced with.
pub(crate) const REDACTED: &str = "<redacted>";

/// How many layers of escaping are undone when looking for a secret: one
/// (`\/`, `%2F`, `&#47;`), or two (`\u00252F`: a percent-encoded `/`,
/// JSON-escaped).
const LAYERS: u8 = 2;

/// The longest run of white space one white-space character of a secret
/// may have become (a message folded or re-wrapped).
const MAX_SPACE_RUN: usize = 16;

/// The shortest base64 piece looked for: shorter ones would hide innocent
/// words.
const MIN_BASE64_PIECE: usize = 6;

/// Hides secrets in text that came from a server.
///
/// A server may echo a secret as it was sent, or escaped: JSON (`\/`,
/// `\u00XX` for any character, surrogate pairs, `\"`, `\\`, `\n`…, and
/// `\xXX`), percent-encoding (`%2F`, either case, `+` for a space), HTML
/// character references (`&#47;`, `&#x2F;`, `&amp;`…), any mix of those
/// character by character, and two layers deep (`\u00252F`). It may also
/// echo it in base64 (standard or URL-safe alphabet, inside a longer
/// encoded value at any alignment, as in a `Basic` header's `id:secret`).
/// Every such form is replaced with `<redacted>`, in raw bodies and in
/// decoded text alike.
#[derive(Default)]
pub(crate) struct Redactor {
    /// Each secret, and each base64 form of it, as characters.
    needles: Vec<Vec<char>>,
    /// The most raw bytes one needle can span once escaped.
    widest: usize,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

impl Redactor {
    /// A redactor for `secrets` (empty ones are ignored).
    pub(crate) fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Redactor {
        let mut texts: Vec<String> = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            if secret.is_empty() {
                continue;
            }
            texts.push(secret.to_owned());
            // A base64 value (the `id:secret` pair) in the other alphabet, and
            // without its padding.
            if secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/-_=".contains(&b))
            {
                let bare = secret.trim_end_matches('=');
                texts.push(bare.to_owned());
                texts.push(bare.replace('+', "-").replace('/', "_"));
                texts.push(bare.replace('-', "+").replace('_', "/"));
            }
            texts.extend(base64_pieces(secret.as_bytes()));
        }
        texts.sort();
        texts.dedup();
        let needles: Vec<Vec<char>> = texts.iter().map(|t| t.chars().collect()).collect();
        // `&#1114111;` is the longest escape of one character (10 bytes),
        // twice escaped at most 10 times that; white space may be a run.
        let widest = needles
            .iter()
            .map(|n| {
                n.iter()
                    .map(|c| {
                        if c.is_whitespace() {
                            MAX_SPACE_RUN * 100
                        } else {
                            100
                        }
                    })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        Redactor { needles, widest }
    }

    /// The most bytes of raw text one hidden secret can take up: a prefix
    /// this much longer than what is shown holds every secret that starts
    /// in what is shown.
    pub(crate) fn widest_match(&self) -> usize {
        self.widest
    }

    /// The start of `text`, secrets replaced, at most `max_chars`
    /// characters, followed by `…` when something was left out.
    pub(crate) fn quote(&self, text: &str, max_chars: usize) -> String {
        let (mut shown, cut) = self.redact_prefix(text, max_chars);
        if cut {
            shown.push('…');
        }
        shown
    }

    /// `text` with every secret, in any form, replaced.
    #[cfg(test)]
    pub(crate) fn redact(&self, text: &str) -> String {
        self.redact_prefix(text, usize::MAX).0
    }

    /// The start of `text`, secrets replaced, at most `max_chars`
    /// characters long (a replacement is never cut); and whether anything
    /// was left out.
    pub(crate) fn redact_prefix(&self, text: &str, max_chars: usize) -> (String, bool) {
        let marker = REDACTED.chars().count();
        let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
        let mut shown = 0;
        let mut pos = 0;
        let mut units = Vec::new();
        while pos < text.len() {
            if shown >= max_chars {
                return (out, true);
            }
            if let Some(end) = self.longest_match(text, pos, &mut units) {
                if shown + marker > max_chars {
                    return (out, true);
                }
                out.push_str(REDACTED);
                shown += marker;
                pos = end;
                continue;
            }
            let Some(c) = text[pos..].chars().next() else {
                break;
            };
            out.push(c);
            shown += 1;
            pos += c.len_utf8();
        }
        (out, false)
    }

    /// The end of the longest secret starting at `pos`, if one does.
    fn longest_match(&self, text: &str, pos: usize, units: &mut Vec<(char, usize)>) -> Option<usize> {
        if self.needles.is_empty() {
            return None;
        }
        units.clear();
        read_units(text, pos, LAYERS, units);
        let mut best = None;
        for needle in &self.needles {
            let Some(&first) = needle.first() else {
                continue;
            };
            if !units.iter().any(|&(c, _)| same(first, c)) {
                continue;
            }
            if let Some(end) = match_needle(text, pos, needle) {
                best = best.max(Some(end));
            }
        }
        best
    }
}

/// True when `found` stands for `wanted`: the same character, or any white
/// space for white space.
fn same(wanted: char, found: char) -> bool {
    wanted == found || (wanted.is_whitespace() && found.is_whitespace())
}

/// Where `needle`, in any of the forms [`Redactor`] knows, ends when it
/// starts at `pos` (the furthest end when several forms fit).
///
/// A run of white space in the needle is matched as one: by 1 to
/// [`MAX_SPACE_RUN`] white-space characters for each of its own, each
/// position of the text visited once, so that a secret with a long run of
/// spaces costs time in proportion to the text, not to its square.
fn match_needle(text: &str, pos: usize, needle: &[char]) -> Option<usize> {
    let mut reach = vec![pos];
    let mut units = Vec::new();
    let mut i = 0;
    while let Some(&wanted) = needle.get(i) {
        let mut next: Vec<usize> = Vec::new();
        if wanted.is_whitespace() {
            let run = needle[i..].iter().take_while(|c| c.is_whitespace()).count();
            let mut seen = std::collections::HashSet::new();
            let mut from = reach;
            for _ in 0..run.saturating_mul(MAX_SPACE_RUN) {
                let mut further = Vec::new();
                for &p in &from {
                    units.clear();
                    read_units(text, p, LAYERS, &mut units);
                    for &(c, end) in &units {
                        if c.is_whitespace() && seen.insert(end) {
                            further.push(end);
                        }
                    }
                }
                if further.is_empty() {
                    break;
                }
                next.extend_from_slice(&further);
                from = further;
            }
            i += run;
        } else {
            for &p in &reach {
                units.clear();
                read_units(text, p, LAYERS, &mut units);
                next.extend(units.iter().filter(|&&(c, _)| c == wanted).map(|&(_, end)| end));
            }
            next.sort_unstable();
            next.dedup();
            i += 1;
        }
        if next.is_empty() {
            return None;
        }
        reach = next;
    }
    reach.into_iter().max()
}

/// Every way of reading one character at `pos`, with up to `layers` layers
/// of escaping undone: `(character, end)`.
fn read_units(text: &str, pos: usize, layers: u8, out: &mut Vec<(char, usize)>) {
    let Some(c) = text.get(pos..).and_then(|rest| rest.chars().next()) else {
        return;
    };
    out.push((c, pos + c.len_utf8()));
    if layers > 0 && c == '+' {
        // A form-encoded space.
        out.push((' ', pos + 1));
    }
    // Every other escape starts with one of these, escaped or not.
    if layers == 0 || !matches!(c, '\\' | '%' | '&') {
        return;
    }
    let inner = layers - 1;
    json_escape(text, pos, inner, out);
    percent_escape(text, pos, inner, out);
    html_reference(text, pos, inner, out);
}

/// Positions reached while reading an escape, each with the value read so far.
type States = Vec<(usize, u32)>;

/// From each state, reads one character (with `layers` of escaping undone)
/// that `accept` takes, folding it into the state's value.
fn step(
    text: &str,
    states: &[(usize, u32)],
    layers: u8,
    accept: impl Fn(char, u32) -> Option<u32>,
) -> States {
    let mut next = Vec::new();
    let mut units = Vec::new();
    for &(pos, value) in states {
        units.clear();
        read_units(text, pos, layers, &mut units);
        for &(c, end) in &units {
            if let Some(value) = accept(c, value) {
                if !next.contains(&(end, value)) {
                    next.push((end, value));
                }
            }
        }
    }
    next
}

fn literal(wanted: char) -> impl Fn(char, u32) -> Option<u32> {
    move |c, value| (c == wanted).then_some(value)
}

fn digit(radix: u32) -> impl Fn(char, u32) -> Option<u32> {
    move |c, value| c.to_digit(radix).map(|d| value * radix + d)
}

/// `count` hex digits from each state, as a number.
fn hex_digits(text: &str, states: &[(usize, u32)], layers: u8, count: usize) -> States {
    let mut states: States = states.iter().map(|&(pos, _)| (pos, 0)).collect();
    for _ in 0..count {
        if states.is_empty() {
            break;
        }
        states = step(text, &states, layers, digit(16));
    }
    states
}

/// `\/`, `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` (and surrogate
/// pairs), `\xXX`.
fn json_escape(text: &str, pos: usize, layers: u8, out: &mut Vec<(char, usize)>) {
    let slash = step(text, &[(pos, 0)], layers, literal('\\'));
    if slash.is_empty() {
        return;
    }
    for (letter, c) in [
        ('/', '/'),
        ('"', '"'),
        ('\\', '\\'),
        ('b', '\u{8}'),
        ('f', '\u{c}'),
        ('n', '\n'),
        ('r', '\r'),
        ('t', '\t'),
    ] {
        for (end, _) in step(text, &slash, layers, literal(letter)) {
            out.push((c, end));
        }
    }
    let u = step(text, &slash, layers, literal('u'));
    for (end, unit) in hex_digits(text, &u, layers, 4) {
        if (0xD800..0xDC00).contains(&unit) {
            let low = step(text, &[(end, 0)], layers, literal('\\'));
            let low = step(text, &low, layers, literal('u'));
            for (end, low) in hex_digits(text, &low, layers, 4) {
                if (0xDC00..0xE000).contains(&low) {
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    out.extend(char::from_u32(code).map(|c| (c, end)));
                }
            }
        } else {
            out.extend(char::from_u32(unit).map(|c| (c, end)));
        }
    }
    let x = step(text, &slash, layers, literal('x'));
    for (end, byte) in hex_digits(text, &x, layers, 2) {
        out.extend(char::from_u32(byte).map(|c| (c, end)));
    }
}

/// `%XX` bytes making one UTF-8 character.
fn percent_escape(text: &str, pos: usize, layers: u8, out: &mut Vec<(char, usize)>) {
    let percent_byte = |states: &[(usize, u32)]| {
        let after = step(text, states, layers, literal('%'));
        hex_digits(text, &after, layers, 2)
    };
    for (end, first) in percent_byte(&[(pos, 0)]) {
        let width = match first {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => continue,
        };
        // The bytes read so far, packed into the value.
        let mut states = vec![(end, first)];
        for _ in 1..width {
            let mut next = Vec::new();
            for (pos, packed) in states {
                for (end, byte) in percent_byte(&[(pos, 0)]) {
                    if (0x80..0xC0).contains(&byte) {
                        next.push((end, (packed << 8) | byte));
                    }
                }
            }
            states = next;
        }
        for (end, packed) in states {
            let bytes = packed.to_be_bytes();
            let decoded = std::str::from_utf8(&bytes[4 - width..]).ok();
            out.extend(decoded.and_then(|s| s.chars().next()).map(|c| (c, end)));
        }
    }
}

/// `&#NN;`, `&#xHH;`, `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`.
fn html_reference(text: &str, pos: usize, layers: u8, out: &mut Vec<(char, usize)>) {
    let amp = step(text, &[(pos, 0)], layers, literal('&'));
    if amp.is_empty() {
        return;
    }
    for (name, c) in [
        ("amp;", '&'),
        ("lt;", '<'),
        ("gt;", '>'),
        ("quot;", '"'),
        ("apos;", '\''),
    ] {
        let mut states = amp.clone();
        for letter in name.chars() {
            states = step(text, &states, layers, literal(letter));
        }
        out.extend(states.into_iter().map(|(end, _)| (c, end)));
    }
    let hash = step(text, &amp, layers, literal('#'));
    let x = step(text, &hash, layers, |c, v| matches!(c, 'x' | 'X').then_some(v));
    for (states, radix) in [(hash, 10), (x, 16)] {
        let mut states: States = states.into_iter().map(|(p, _)| (p, 0)).collect();
        for _ in 0..7 {
            states = step(text, &states, layers, digit(radix));
            if states.is_empty() {
                break;
            }
            for (end, code) in step(text, &states, layers, literal(';')) {
                out.extend(char::from_u32(code).map(|c| (c, end)));
            }
        }
    }
}

/// The pieces of every base64 encoding that contains `secret`: at each of
/// the three alignments, the characters that depend on the secret's bytes
/// alone; in the standard and the URL-safe alphabets.
fn base64_pieces(secret: &[u8]) -> Vec<String> {
    let mut pieces = Vec::new();
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        // The whole encoding, as in `Basic <base64>`.
        pieces.push(engine.encode(secret));
        for offset in 0..3usize {
            let mut data = vec![0u8; offset];
            data.extend_from_slice(secret);
            let encoded = engine.encode(&data);
            let first = (offset * 8).div_ceil(6);
            let last = data.len() * 8 / 6;
            if let Some(piece) = encoded.get(first..last) {
                pieces.push(piece.to_owned());
            }
        }
    }
    pieces.retain(|p| p.len() >= MIN_BASE64_PIECE);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn secrets_are_replaced_as_they_are() {
        let r = Redactor::new(["tok-123", ""]);
        assert_eq!(
            r.redact("Bearer tok-123 tok-123!"),
            "Bearer <redacted> <redacted>!"
        );
        assert_eq!(r.redact("nothing here"), "nothing here");
        assert_eq!(Redactor::new([""; 0]).redact("tok-123"), "tok-123");
    }

    #[test]
    fn escaped_forms_are_replaced() {
        let r = Redactor::new(["a/b+c d\"é😀"]);
        for echoed in [
            r#"a\/b+c d\"é😀"#,
            r"\u0061\u002fb\u002Bc\u0020d\u0022\u00e9\ud83d\ude00",
            "a%2Fb%2Bc%20d%22%C3%A9%F0%9F%98%80",
            "a%2fb%2bc+d%22%c3%a9%f0%9f%98%80",
            "a&#47;b&#x2B;c d&quot;&#233;&#x1F600;",
            r"\x61/b+c\td\u0022é😀",
            // Two layers: JSON-escaped percent-encoding, and double JSON.
            r"a\u00252Fb\u0025\u0032\u0042c%20d%22%C3%A9%F0%9F%98%80",
            r#"a\\\/b+c d\\\"é😀"#,
        ] {
            let shown = r.redact(&format!("<{echoed}>"));
            assert_eq!(shown, "<<redacted>>", "{echoed}");
        }
    }

    #[test]
    fn base64_forms_are_replaced_at_any_alignment() {
        let secret = "S3cr3t-Zq9!x/?";
        let r = Redactor::new([secret]);
        for prefix in ["", "a", "ab", "abc:"] {
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(format!("{prefix}{secret}tail"));
                let shown = r.redact(&encoded);
                assert!(shown.contains(REDACTED), "{prefix:?}: {shown}");
                // At most a character on each side of the piece is left.
                assert!(shown.len() <= encoded.len() - 16 + REDACTED.len(), "{shown}");
            }
        }
    }

    #[test]
    fn a_prefix_is_cut_without_cutting_a_replacement() {
        let r = Redactor::new(["secret"]);
        assert_eq!(r.redact_prefix("abcdef", 3), ("abc".to_owned(), true));
        assert_eq!(r.redact_prefix("abc", 3), ("abc".to_owned(), false));
        assert_eq!(r.redact_prefix("ab secret", 5), ("ab ".to_owned(), true));
        assert_eq!(r.redact_prefix("é😀x", 2), ("é😀".to_owned(), true));
    }

    #[test]
    fn white_space_inside_a_secret_matches_any_run() {
        let r = Redactor::new(["two words"]);
        assert_eq!(r.redact("two\n  words"), REDACTED);
        assert_eq!(r.redact("two\\nwords"), REDACTED);
    }

    #[test]
    fn near_misses_and_escape_storms_take_linear_time() {
        // Linear, not quadratic: eight times the text takes about eight times
        // as long (quadratic would be 64 times; the quadratic version took
        // minutes). A ratio of the fastest of three runs, with slack for a
        // busy machine, rather than a deadline.
        fn fastest(r: &Redactor, text: &str) -> std::time::Duration {
            (0..3)
                .map(|_| {
                    let started = std::time::Instant::now();
                    let (shown, cut) = r.redact_prefix(text, usize::MAX);
                    assert_eq!((shown.len(), cut), (text.len(), false));
                    started.elapsed()
                })
                .min()
                .unwrap_or_default()
        }
        let r = Redactor::new(["tok-123456789", r"a\b%c&d"]);
        for (unit, repeat) in [("tok-12345678 ", 16_000), (r"\%25&#92;\", 4_000), ("%", 48_000)] {
            let small = fastest(&r, &unit.repeat(repeat / 8));
            let large = fastest(&r, &unit.repeat(repeat));
            let bound = small * 24 + std::time::Duration::from_millis(200);
            assert!(
                large < bound,
                "{unit:?}: {small:?} for 1/8 of the text, {large:?} for all of it"
            );
        }
    }
}
