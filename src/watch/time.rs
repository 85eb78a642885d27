//! ISO-8601 dates of the API as instants.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `2024-05-02T14:03:11.123Z` (or with `±HH:MM`, without fractions) as
/// milliseconds since 1970; `None` for anything else.
pub(super) fn unix_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, offset_minutes) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
        let (hours, minutes) = (hours.parse::<i64>().ok()?, minutes.parse::<i64>().ok()?);
        if !(0..24).contains(&hours) || !(0..60).contains(&minutes) {
            return None;
        }
        (clock, sign * (hours * 60 + minutes))
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let seconds = clock_parts.next().unwrap_or("0");
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let second: i64 = whole.parse().ok()?;
    // The first three digits (by character: the text is the server's).
    let millis: i64 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(3).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{digits:0<3}").parse().ok()?
    };
    // Four-digit years, as ISO 8601 writes them: the arithmetic below
    // cannot overflow then.
    let valid = (0..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    if !valid {
        return None;
    }
    // Howard Hinnant's days-from-civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// How long until an ISO-8601 date, zero if it has passed; `None` if unreadable.
pub(super) fn until(text: &str) -> Option<Duration> {
    let at = unix_millis(text)?;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()?;
    Some(Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_with_and_without_fractions_and_offsets() {
        assert_eq!(unix_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_millis("2024-05-02T14:03:11.123Z"), Some(1_714_658_591_123));
        assert_eq!(unix_millis("2024-05-02T14:03:11.1Z"), Some(1_714_658_591_100));
        assert_eq!(
            unix_millis("2024-05-02T16:03:11.123+02:00"),
            Some(1_714_658_591_123)
        );
        assert_eq!(unix_millis("2000-02-29T00:00:00.000Z"), Some(951_782_400_000));
        assert_eq!(unix_millis("2024-13-02T14:03:11Z"), None);
        assert_eq!(unix_millis("yesterday"), None);
        assert_eq!(until("2000-01-01T00:00:00Z"), Some(Duration::ZERO));
    }

    #[test]
    fn odd_dates_are_unreadable_not_a_panic() {
        assert_eq!(unix_millis("2024-05-02T14:03:11.12\u{e9}Z"), None);
        assert_eq!(unix_millis("2024-05-02T14:03:11.\u{e9}Z"), None);
        assert_eq!(unix_millis("999999999-01-01T00:00:00Z"), None);
        assert_eq!(unix_millis("-999999999999-01-01T00:00:00Z"), None);
        assert_eq!(unix_millis("2024-05-02T14:03:11+99999999999999999:00"), None);
        assert_eq!(
            unix_millis("2024-05-02T14:03:11.1234567Z"),
            Some(1_714_658_591_123)
        );
    }
}
