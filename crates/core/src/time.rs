//! Strict RFC 3339 timestamps and `within_last` durations, as the conformance suite defines them.
//!
//! jiff's own parsers are more lenient (they accept a space for `T`, leap seconds, ...), so the
//! grammar is checked here by hand and jiff does the calendar arithmetic.

/// An instant: seconds since the Unix epoch and nanoseconds. Covers years 1 to 9999 in full,
/// which jiff's `Timestamp` does not (it stops a day short at both ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    pub seconds: i64,
    pub nanos: u32,
}

impl Instant {
    /// Nanoseconds since the epoch; i128 holds every instant and every difference.
    pub fn as_nanos(self) -> i128 {
        i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// The same instant as a jiff timestamp, when jiff can represent it.
    pub fn to_jiff(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::new(self.seconds, self.nanos as i32).ok()
    }

    pub fn from_jiff(t: jiff::Timestamp) -> Instant {
        let nanos = t.subsec_nanosecond();
        // Normalise a negative sub-second part (jiff keeps the sign of the whole).
        if nanos < 0 {
            Instant { seconds: t.as_second() - 1, nanos: (nanos + 1_000_000_000) as u32 }
        } else {
            Instant { seconds: t.as_second(), nanos: nanos as u32 }
        }
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `None` if it does not fit the strict grammar.
pub fn parse_timestamp(text: &str) -> Option<Instant> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0')))
    };
    let year = num(0..4)?;
    let month = num(5..7)?;
    let day = num(8..10)?;
    let hour = num(11..13)?;
    let minute = num(14..16)?;
    let second = num(17..19)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let mut pos = 19;
    let mut nanos = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let len = pos - start;
        if !(1..=9).contains(&len) {
            return None;
        }
        nanos = num(start..pos)? * 10i64.pow(9 - len as u32);
    }
    let offset_seconds = match b.get(pos..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let oh = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let om = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if oh > 23 || om > 59 {
                return None;
            }
            let s = oh * 3600 + om * 60;
            if *sign == b'-' {
                -s
            } else {
                s
            }
        }
        _ => return None,
    };
    if !(1..=9999).contains(&year) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(Instant { seconds, nanos: nanos as u32 })
}

/// Parses a `within_last` duration `^[0-9]{1,9}[smhdw]$` into seconds.
pub fn parse_duration_seconds(text: &str) -> Option<i64> {
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(n * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_rfc3339_forms_the_contract_allows() {
        for ok in [
            "2026-01-01T00:00:00Z",
            "2026-01-01t00:00:00z",
            "2026-01-01T00:00:00.123456789+01:00",
            "2026-01-01T00:00:00-00:00",
            "0001-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
        ] {
            assert!(parse_timestamp(ok).is_some(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_contract_rejects() {
        for bad in [
            "2026-01-01",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.1234567890Z",
            "0000-01-01T00:00:00Z",
            "2026-12-31T23:59:60Z",
            "2025-02-29T00:00:00Z",
            "2026-01-01T00:00:00Zx",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn same_instant_in_other_offset_is_equal() {
        assert_eq!(parse_timestamp("2026-01-01T01:00:00+01:00"), parse_timestamp("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn civil_arithmetic_matches_jiff_where_jiff_reaches() {
        for text in ["1970-01-01T00:00:00Z", "2026-03-29T01:30:00Z", "1900-02-28T23:59:59.5-05:30", "2000-02-29T12:00:00+14:00"] {
            let ours = parse_timestamp(text).unwrap();
            let theirs: jiff::Timestamp = text.parse().unwrap();
            assert_eq!(ours, Instant::from_jiff(theirs), "{text}");
        }
    }

    #[test]
    fn year_9999_and_year_1_are_representable() {
        assert!(parse_timestamp("9999-12-31T23:59:59Z").unwrap() > parse_timestamp("2026-01-01T00:00:00Z").unwrap());
        assert!(parse_timestamp("0001-01-01T00:00:00Z").is_some());
    }

    #[test]
    fn durations_follow_the_grammar() {
        assert_eq!(parse_duration_seconds("007d"), Some(7 * 86_400));
        assert_eq!(parse_duration_seconds("0s"), Some(0));
        for bad in ["1y", "1H", "1.5h", "-1h", "1h30m", "30", "", "1234567890s"] {
            assert_eq!(parse_duration_seconds(bad), None, "{bad}");
        }
    }
}
