//! ISO-8601 dates of the API as instants.
//!
//! Every date read here is a server's (a channel's `expires`, the
//! `modifiedDate` of a presence pushed or read), so any text must come out
//! as a value or as `None`, never as a panic. The reading is jiff's
//! ([`jiff::Timestamp`]'s RFC 3339 / ISO 8601 parser); nothing here takes
//! the text apart by hand.

use std::time::{Duration, SystemTime};

use jiff::Timestamp;

/// The instant a date stands for; `None` if jiff cannot read it.
///
/// What jiff reads (see [`jiff::fmt::temporal`]): a date, `T` (or `t` or a
/// space), a time of day with 0 to 9 fraction digits (after `.` or `,`),
/// then `Z` (or `z`) or an offset (`+02:00`, `-05:30`, `+0200`, `+02`, up to
/// ±25:59:59), and optionally a time zone annotation (`[Europe/Paris]`,
/// ignored: the offset decides). ISO 8601's other spellings are read too
/// (`20240502T140311Z`, `2024-05-02T14:03Z`, a signed six-digit year). A leap
/// second (`23:59:60`) reads as `23:59:59`. Whitespace around the date is
/// ignored.
///
/// Instants outside jiff's range (years -9999 to 9999, up to
/// `9999-12-30T22:00:00Z`: a `9999-12-31` "never" is beyond it), a date or
/// time that does not exist, a missing offset and anything after the date
/// are `None`.
fn instant(text: &str) -> Option<Timestamp> {
    text.trim().parse().ok()
}

/// `2024-05-02T14:03:11.123Z` (or with an offset, other fractions; see
/// [`instant`] for what is read) as milliseconds since 1970: the
/// millisecond the instant falls in, so digits after the third are dropped
/// (`.1234567` is 123 ms); `None` if unreadable.
pub(super) fn unix_millis(text: &str) -> Option<i64> {
    let nanos = instant(text)?.as_nanosecond();
    // Rounded down, also before 1970: jiff's `as_millisecond` rounds toward zero.
    i64::try_from(nanos.div_euclid(1_000_000)).ok()
}

/// The system clock, in ms since 1970 (0 if it is set before 1970).
pub(super) fn now_unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

/// How long until an ISO-8601 date (as [`unix_millis`] reads it), zero if it
/// has passed; `None` if unreadable (or if the system clock is outside jiff's
/// range).
pub(super) fn until(text: &str) -> Option<Duration> {
    let at = instant(text)?;
    // Not `Timestamp::now()`, which panics on a clock outside jiff's range.
    let now = Timestamp::try_from(SystemTime::now()).ok()?;
    // Negative (passed) does not convert: zero.
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use proptest::sample::select;

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

    /// The forms servers plausibly send, all for the same instant.
    #[test]
    fn the_forms_servers_send_are_read() {
        const AT: Option<i64> = Some(1_714_658_591_123);
        for text in [
            "2024-05-02T14:03:11.123Z",
            "2024-05-02t14:03:11.123z",
            "2024-05-02 14:03:11.123Z",
            "2024-05-02T14:03:11.123456789Z",
            "2024-05-02T16:03:11.123+02:00",
            "2024-05-02T16:03:11.123+0200",
            "2024-05-02T16:03:11.123+02",
            "2024-05-02T08:33:11.123-05:30",
            "2024-05-02T14:03:11.123-00:00",
            "2024-05-02T14:03:11.123+00:00",
            "2024-05-02T16:03:11.123+02:00[Europe/Paris]",
            " 2024-05-02T14:03:11.123Z\n",
            "2024-05-02T14:03:11,123Z",
            "20240502T140311.123Z",
            "+002024-05-02T14:03:11.123Z",
        ] {
            assert_eq!(unix_millis(text), AT, "{text:?}");
        }
        assert_eq!(unix_millis("2024-05-02T14:03:11Z"), Some(1_714_658_591_000));
        assert_eq!(unix_millis("2024-05-02T14:03Z"), Some(1_714_658_580_000));
        // A leap second is the second before it.
        assert_eq!(unix_millis("2016-12-31T23:59:60Z"), Some(1_483_228_799_000));
        // Before 1970, down to the millisecond the instant falls in.
        assert_eq!(unix_millis("1969-12-31T23:59:59.9996Z"), Some(-1));
        assert_eq!(unix_millis("0000-01-01T00:00:00Z"), Some(-62_167_219_200_000));
    }

    #[test]
    fn what_is_not_one_instant_is_unreadable() {
        for text in [
            "",
            " ",
            "2024-05-02T14:03:11",
            "2024-05-02",
            "2024-05-02T14:03:11.Z",
            "2024-05-02T14:03:11.1234567890Z",
            "2024-02-30T00:00:00Z",
            "2024-05-02T24:00:00Z",
            "2024-05-02T14:03:11+99:99",
            "2024-05-02T14:03:11.123Z\0",
            "2024-05-02T14:03:11\u{2212}02:00",
            "\u{ff12}\u{ff10}\u{ff12}\u{ff14}-05-02T14:03:11Z",
            "9999-12-31T23:59:59Z",
            "+99999-01-01T00:00:00Z",
        ] {
            assert_eq!(unix_millis(text), None, "{text:?}");
            assert_eq!(until(text), None, "{text:?}");
        }
    }

    #[test]
    fn until_counts_to_a_future_date() {
        let left = until("9999-01-01T00:00:00Z").unwrap();
        assert!(left > Duration::from_secs(7_000 * 365 * 86_400), "{left:?}");
        assert_eq!(until("0001-01-01T00:00:00+25:59"), Some(Duration::ZERO));
    }

    // ------------------------------------------------------------ properties

    /// The date of `days` since 1970-01-01 (Howard Hinnant's
    /// civil-from-days): the expected values below are computed without jiff.
    fn civil_from_days(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    #[test]
    fn civil_from_days_knows_its_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_845), (2024, 5, 2));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-719_162), (1, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(2_932_896), (9999, 12, 31));
    }

    /// 0001-01-01T00:00:00Z.
    const FIRST_MS: i64 = -62_135_596_800_000;
    /// 9999-12-30T21:59:59.999Z: jiff's last instant (22:00:00.999999999)
    /// less a second; the rest of 9999 is beyond it.
    const LAST_MS: i64 = 253_402_207_199_999;

    /// A date as a server could write it, and the milliseconds it stands
    /// for: a random instant of years 1 to 9999, a random offset, fraction
    /// length, separator and offset style.
    fn written_date() -> impl Strategy<Value = (String, i64)> {
        (
            FIRST_MS..=LAST_MS,
            0u32..1_000_000,   // below the millisecond
            0usize..=9,        // fraction digits
            -1439i64..=1439,   // offset minutes (up to ±23:59)
            select(vec!["T", "t", " "]),
            0u8..4,            // offset style; `Z`/`z` for a zero offset
        )
            .prop_map(|(ms, sub_ms, digits, offset, separator, style)| {
                let nanos_of_second = ms.rem_euclid(1000) * 1_000_000 + i64::from(sub_ms);
                let utc_seconds = ms.div_euclid(1000);
                let local = utc_seconds + offset * 60;
                let (days, second_of_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
                let (year, month, day) = civil_from_days(days);
                let (hour, minute, second) = (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
                let fraction = format!("{nanos_of_second:09}");
                let fraction = &fraction[..digits];
                let written_nanos: i64 = format!("{fraction:0<9}").parse().unwrap();
                let dot = if digits == 0 { "" } else { "." };
                let (sign, magnitude) = (if offset < 0 { '-' } else { '+' }, offset.abs());
                let (oh, om) = (magnitude / 60, magnitude % 60);
                let zone = match style {
                    _ if offset == 0 && style < 2 => ["Z", "z"][usize::from(style)].to_owned(),
                    0 => format!("{sign}{oh:02}:{om:02}"),
                    1 => format!("{sign}{oh:02}{om:02}"),
                    2 if om == 0 => format!("{sign}{oh:02}"),
                    _ => format!("{sign}{oh:02}:{om:02}"),
                };
                let text = format!(
                    "{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}{dot}{fraction}{zone}"
                );
                let expected = utc_seconds * 1000 + written_nanos / 1_000_000;
                (text, expected)
            })
    }

    /// Pieces that break a date in interesting ways.
    fn garbage() -> impl Strategy<Value = String> {
        prop_oneof![
            select(vec![
                "\u{e9}",
                "\u{20ac}",
                "\u{1d7d8}",
                "\u{663}",
                "\u{ff11}",
                "\u{2212}",
                "\0",
                "\u{feff}",
                "\u{301}",
                " ",
                "\t",
                "\n",
                ".",
                ",",
                ":",
                "-",
                "+",
                "T",
                "Z",
                "z",
                "[",
                "]",
                "[UTC]",
                "[!Europe/Paris]",
                "[u-ca=iso8601]",
                "60",
                "99",
                "+99:99",
                "-25:59:59",
                "000000",
                "1000000000000000000000000000000",
                "-9223372036854775808",
                "18446744073709551616",
                "+002024",
                "-009999",
                "..",
                "e10",
                "NaN",
            ])
            .prop_map(str::to_owned),
            any::<String>(),
            "[+-]?[0-9]{1,40}",
        ]
    }

    /// `text` with `piece` put at its `at`-th character boundary, or in
    /// place of its `at`-th character.
    fn splice(text: &str, at: usize, replace: bool, piece: &str) -> String {
        let mut chars: Vec<String> = text.chars().map(String::from).collect();
        let at = at % (chars.len() + 1);
        if replace && at < chars.len() {
            chars[at] = piece.to_owned();
        } else {
            chars.insert(at, piece.to_owned());
        }
        chars.concat()
    }

    /// Builds a date from parts that are each a plausible field or
    /// something odd: huge, signed, empty, not digits.
    fn date_of_odd_fields() -> impl Strategy<Value = String> {
        let field = || {
            prop_oneof![
                6 => "[0-9]{2}",
                1 => "[+-]?[0-9]{0,30}",
                1 => any::<String>(),
            ]
        };
        (
            prop_oneof![3 => "[0-9]{4}", 1 => "[+-][0-9]{6}", 1 => "[+-]?[0-9]{0,30}"],
            field(),
            field(),
            select(vec!["T", "t", " ", "", "TT"]),
            (field(), field(), field()),
            prop_oneof![
                Just(String::new()),
                "[.,][0-9]{0,40}",
                any::<String>().prop_map(|s| format!(".{s}")),
            ],
            prop_oneof![
                2 => select(vec!["Z", "z", "", "ZZ"]).prop_map(str::to_owned),
                2 => "[+-][0-9]{2}(:?[0-9]{2}){0,2}",
                1 => "[+-][0-9]{0,30}(:[0-9]{0,30}){0,3}",
                1 => any::<String>(),
            ],
        )
            .prop_map(
                |(year, month, day, sep, (hour, minute, second), fraction, zone)| {
                    format!("{year}-{month}-{day}{sep}{hour}:{minute}:{second}{fraction}{zone}")
                },
            )
    }

    /// Both readers give a value or `None` for `text`, and agree.
    fn reads_without_panicking(text: &str) -> Result<(), TestCaseError> {
        let millis = unix_millis(text);
        let left = until(text);
        prop_assert_eq!(millis.is_some(), left.is_some(), "{:?}", text);
        if let Some(millis) = millis {
            let range = Timestamp::MIN.as_millisecond() - 1..=Timestamp::MAX.as_millisecond();
            prop_assert!(range.contains(&millis), "{:?}: {}", text, millis);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_text_reads_as_a_value_or_none(text in any::<String>()) {
            reads_without_panicking(&text)?;
        }

        #[test]
        fn any_bytes_as_text_read_as_a_value_or_none(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            reads_without_panicking(&String::from_utf8_lossy(&bytes))?;
        }

        #[test]
        fn a_date_with_something_spliced_in_reads_as_a_value_or_none(
            (date, _) in written_date(),
            pieces in proptest::collection::vec((any::<usize>(), any::<bool>(), garbage()), 1..4),
        ) {
            let mut text = date;
            for (at, replace, piece) in &pieces {
                text = splice(&text, *at, *replace, piece);
            }
            reads_without_panicking(&text)?;
        }

        #[test]
        fn a_date_of_odd_fields_reads_as_a_value_or_none(text in date_of_odd_fields()) {
            reads_without_panicking(&text)?;
        }

        #[test]
        fn a_written_date_reads_as_its_millisecond((text, expected) in written_date()) {
            prop_assert_eq!(unix_millis(&text), Some(expected), "{:?}", text);
            prop_assert!(until(&text).is_some(), "{:?}", text);
        }

        /// jiff's own writing of the instant reads back too (as `Z`).
        #[test]
        fn jiffs_writing_reads_back((text, expected) in written_date()) {
            let written = Timestamp::from_millisecond(expected).unwrap().to_string();
            prop_assert_eq!(unix_millis(&written), Some(expected), "{:?} from {:?}", written, text);
        }
    }
}
