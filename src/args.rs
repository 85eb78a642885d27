//! Checks of the caller's arguments, made before anything is sent: each
//! failure is an [`InvalidInput`](crate::ErrorKind::InvalidInput) error naming the argument.

use std::collections::HashSet;

use crate::error::{Error, Result};

/// `value` must have something besides spaces.
pub(crate) fn require_text(what: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(what, "must not be empty"));
    }
    Ok(())
}

/// The most characters of an e-mail address (RFC 5321's limit on a path,
/// less its angle brackets).
const MAX_EMAIL_CHARS: usize = 254;

/// `value` must look like an e-mail address: `local@domain`, both parts
/// non-empty, no spaces or control characters, at most 254 characters.
pub(crate) fn require_email(what: &'static str, value: &str) -> Result<()> {
    require_text(what, value)?;
    if value.chars().count() > MAX_EMAIL_CHARS {
        return Err(Error::invalid(
            what,
            format!("must be at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            what,
            "must not contain spaces or control characters",
        ));
    }
    match value.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(()),
        _ => Err(Error::invalid(what, "must be an e-mail address (name@domain)")),
    }
}

/// Like [`require_text`] for an optional value: `None` is fine.
pub(crate) fn optional_text(what: &'static str, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |value| require_text(what, value))
}

/// The ids without repeats, in first-seen order; an error naming the first
/// blank one.
pub(crate) fn distinct_ids<'a, S: AsRef<str>>(what: &'static str, ids: &'a [S]) -> Result<Vec<&'a str>> {
    let mut seen = HashSet::with_capacity(ids.len());
    let mut distinct = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let id = id.as_ref();
        if id.trim().is_empty() {
            return Err(Error::invalid(what, format!("element {i} is empty")));
        }
        if seen.insert(id) {
            distinct.push(id);
        }
    }
    Ok(distinct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_named() {
        assert_eq!(
            require_text("name", " \t").unwrap_err().to_string(),
            "invalid name: must not be empty"
        );
        assert!(optional_text("locale_code", None).is_ok());
        assert!(optional_text("locale_code", Some("")).is_err());
    }

    #[test]
    fn email_addresses_need_a_name_and_a_domain() {
        assert!(require_email("email", "alex@example.com").is_ok());
        assert!(require_email("email", "a@b").is_ok());
        let reason = |value: &str| require_email("email", value).unwrap_err().to_string();
        assert_eq!(reason(" "), "invalid email: must not be empty");
        assert_eq!(
            reason("alex"),
            "invalid email: must be an e-mail address (name@domain)"
        );
        assert_eq!(
            reason("@example.com"),
            "invalid email: must be an e-mail address (name@domain)"
        );
        assert_eq!(
            reason("alex@"),
            "invalid email: must be an e-mail address (name@domain)"
        );
        assert_eq!(
            reason("alex @example.com"),
            "invalid email: must not contain spaces or control characters"
        );
        assert_eq!(
            reason("alex@example.com\n"),
            "invalid email: must not contain spaces or control characters"
        );
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(long.len(), 255);
        assert_eq!(reason(&long), "invalid email: must be at most 254 characters");
        assert!(require_email("email", &long[1..]).is_ok());
    }

    #[test]
    fn ids_keep_their_first_order_without_repeats() {
        assert_eq!(distinct_ids("user_ids", &["b", "a", "b"]).unwrap(), ["b", "a"]);
        let err = distinct_ids("user_ids", &["a", " "]).unwrap_err().to_string();
        assert_eq!(err, "invalid user_ids: element 1 is empty");
    }
}
