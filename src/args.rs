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
    fn ids_keep_their_first_order_without_repeats() {
        assert_eq!(distinct_ids("user_ids", &["b", "a", "b"]).unwrap(), ["b", "a"]);
        let err = distinct_ids("user_ids", &["a", " "]).unwrap_err().to_string();
        assert_eq!(err, "invalid user_ids: element 1 is empty");
    }
}
