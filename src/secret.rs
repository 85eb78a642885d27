//! A string that must never be printed: client secrets and access tokens.

use std::fmt;

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

/// `text` with every occurrence of each of `secrets` replaced by `<redacted>`.
pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "<redacted>")
        })
}

/// Like [`redact`], for a body that may not be UTF-8: bytes are left alone
/// unless a secret occurs in them.
pub(crate) fn redact_bytes<'a>(bytes: &'a [u8], secrets: &[String]) -> std::borrow::Cow<'a, [u8]> {
    let occurs = secrets
        .iter()
        .any(|s| !s.is_empty() && bytes.windows(s.len()).any(|w| w == s.as_bytes()));
    if !occurs {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    'scan: while !rest.is_empty() {
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if rest.starts_with(secret.as_bytes()) {
                out.extend_from_slice(b"<redacted>");
                rest = &rest[secret.len()..];
                continue 'scan;
            }
        }
        out.push(rest[0]);
        rest = &rest[1..];
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_in_text_and_bytes() {
        let secrets = vec!["tok-123".to_string(), String::new()];
        assert_eq!(
            redact("Bearer tok-123 tok-123!", &secrets),
            "Bearer <redacted> <redacted>!"
        );
        let bytes: &[u8] = b"a tok-123 \xff";
        assert_eq!(&*redact_bytes(bytes, &secrets), b"a <redacted> \xff");
        assert!(matches!(
            redact_bytes(b"nothing here", &secrets),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }
}
