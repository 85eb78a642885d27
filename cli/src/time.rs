//! Instants as the tool writes them: RFC 3339 in UTC, to the second.

use std::time::SystemTime;

/// `at` as `2025-06-01T12:00:00Z`; `None` outside the years jiff knows.
pub fn rfc3339(at: SystemTime) -> Option<String> {
    let at = jiff::Timestamp::try_from(at).ok()?;
    let seconds = jiff::Timestamp::from_second(at.as_second()).ok()?;
    Some(seconds.to_string())
}

/// An RFC 3339 instant; `None` when `text` is not one.
pub fn parse(text: &str) -> Option<SystemTime> {
    text.parse::<jiff::Timestamp>().ok().map(SystemTime::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn round_trips_to_the_second() {
        let at = UNIX_EPOCH + Duration::from_millis(1_750_000_000_700);
        let text = rfc3339(at).unwrap();
        assert_eq!(text, "2025-06-15T15:06:40Z");
        assert_eq!(
            parse(&text),
            Some(UNIX_EPOCH + Duration::from_secs(1_750_000_000))
        );
        assert_eq!(parse("soon"), None);
    }
}
