//! Pure calendar helpers for the formats AWS signing uses: the SigV4 basic
//! ISO-8601 stamp (`20150830T123600Z`) and the HTTP `Date` header's
//! IMF-fixdate (`Sun, 30 Aug 2015 12:36:00 GMT`).
//!
//! Time is seconds since the Unix epoch as a `u64`, passed in by the caller:
//! nothing here reads a clock. Dates are proleptic Gregorian in UTC, computed
//! with Howard Hinnant's days-from-civil algorithm. Parsers are strict and
//! return `None` on anything they do not fully understand; nothing panics.

const SECONDS_PER_DAY: u64 = 86_400;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1–12) of `year`, or `None` for a month
/// outside 1–12.
pub fn days_in_month(year: i64, month: u32) -> Option<u32> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if is_leap_year(year) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Days since 1970-01-01 of the civil date `year-month-day`, negative before
/// the epoch; `None` if the month or the day does not exist.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i64> {
    let max_day = days_in_month(i64::from(year), month)?;
    if day == 0 || day > max_day {
        return None;
    }
    // The year starts in March so that the leap day is the year's last day.
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The civil date `(year, month, day)` of the day `days` after 1970-01-01
/// (the inverse of [`days_from_civil`]). Defined for every `i64`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // i128 keeps the shift by 719 468 days from overflowing at the extremes.
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + i128::from(month <= 2);
    // Every value is in range: |year| < 2^55, month in 1..=12, day in 1..=31.
    (i64::try_from(year).unwrap_or(i64::MAX), u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

/// The UTC fields of an epoch second: `(year, month, day, hour, minute,
/// second, weekday)` with weekday 0 = Sunday.
fn fields(epoch: u64) -> (i64, u32, u32, u64, u64, u64, usize) {
    let days = epoch / SECONDS_PER_DAY;
    let secs = epoch % SECONDS_PER_DAY;
    // u64::MAX / 86 400 is far below i64::MAX, so the conversion cannot fail.
    let days = i64::try_from(days).unwrap_or(i64::MAX);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday (4).
    let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
    (year, month, day, secs / 3_600, secs / 60 % 60, secs % 60, weekday)
}

/// Formats an epoch second as the SigV4 date stamp `YYYYMMDD'T'HHMMSS'Z'`.
pub fn format_amz_date(epoch: u64) -> String {
    let (y, mo, d, h, mi, s, _) = fields(epoch);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Formats an epoch second as ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`
/// (IAM's `aws:CurrentTime`).
pub fn format_iso8601(epoch: u64) -> String {
    let (y, mo, d, h, mi, s, _) = fields(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Formats an epoch second as an RFC 7231 IMF-fixdate,
/// e.g. `Sun, 30 Aug 2015 12:36:00 GMT`.
pub fn format_http_date(epoch: u64) -> String {
    let (y, mo, d, h, mi, s, wd) = fields(epoch);
    let weekday = WEEKDAYS.get(wd).copied().unwrap_or("Sun");
    let month = usize::try_from(mo).ok().and_then(|m| MONTHS.get(m.wrapping_sub(1))).copied().unwrap_or("Jan");
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}

/// Reads `N` ASCII digits at `at` of `bytes` as a number.
fn digits<const N: usize>(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(N)?)?;
    field.iter().try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

/// Epoch seconds of a UTC date and time of day, validating every field;
/// `None` before 1970.
fn to_epoch(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<u64> {
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(i32::try_from(year).ok()?, month, day)?;
    let days = u64::try_from(days).ok()?;
    let time = u64::from(hour * 3_600 + minute * 60 + second);
    days.checked_mul(SECONDS_PER_DAY)?.checked_add(time)
}

/// Parses the SigV4 date stamp `YYYYMMDD'T'HHMMSS'Z'` (exactly 16 ASCII
/// characters, every field in range, not before 1970) to epoch seconds.
pub fn parse_amz_date(value: &str) -> Option<u64> {
    let b = value.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    to_epoch(
        digits::<4>(b, 0)?,
        digits::<2>(b, 4)?,
        digits::<2>(b, 6)?,
        digits::<2>(b, 9)?,
        digits::<2>(b, 11)?,
        digits::<2>(b, 13)?,
    )
}

/// Parses an ISO 8601 UTC time as AWS writes it, `YYYY-MM-DDTHH:MM:SSZ`
/// with optional fractional seconds (dropped), to epoch seconds.
pub fn parse_iso8601(value: &str) -> Option<u64> {
    let b = value.as_bytes();
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if b.len() < 20 || !at(4, b'-') || !at(7, b'-') || !at(10, b'T') || !at(13, b':') || !at(16, b':') {
        return None;
    }
    match &b[19..] {
        [b'Z'] => {}
        [b'.', fraction @ .., b'Z']
            if !fraction.is_empty() && fraction.len() <= 9 && fraction.iter().all(u8::is_ascii_digit) => {}
        _ => return None,
    }
    to_epoch(
        digits::<4>(b, 0)?,
        digits::<2>(b, 5)?,
        digits::<2>(b, 8)?,
        digits::<2>(b, 11)?,
        digits::<2>(b, 14)?,
        digits::<2>(b, 17)?,
    )
}

/// Parses an RFC 7231 IMF-fixdate (`Sun, 30 Aug 2015 12:36:00 GMT`, exactly
/// 29 characters) to epoch seconds. The obsolete RFC 850 and asctime forms
/// are refused, and so is a weekday that does not match the date.
pub fn parse_http_date(value: &str) -> Option<u64> {
    let b = value.as_bytes();
    if b.len() != 29 {
        return None;
    }
    // Lowercase letters are fields; everything else must match.
    let shape_ok = b"www, dd mmm yyyy hh:mm:ss GMT".iter().zip(b).all(|(&s, &c)| s.is_ascii_lowercase() || s == c);
    if !shape_ok {
        return None;
    }
    let weekday = WEEKDAYS.iter().position(|w| b.get(0..3) == Some(w.as_bytes()))?;
    let month = MONTHS.iter().position(|m| b.get(8..11) == Some(m.as_bytes()))?;
    let epoch = to_epoch(
        digits::<4>(b, 12)?,
        u32::try_from(month).ok()? + 1,
        digits::<2>(b, 5)?,
        digits::<2>(b, 17)?,
        digits::<2>(b, 20)?,
        digits::<2>(b, 23)?,
    )?;
    (fields(epoch).6 == weekday).then_some(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(format_http_date(1_440_938_160), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), Some(1_440_938_160));
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 7231's own example.
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(format_amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(format_amz_date(253_402_300_799), "99991231T235959Z");
    }

    #[test]
    fn civil_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            let y = i32::try_from(y).unwrap();
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
        // Extremes do not panic.
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
        assert!(days_from_civil(i32::MAX, 12, 31).is_some());
        assert!(days_from_civil(i32::MIN, 1, 1).is_some());
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000) && is_leap_year(2016) && is_leap_year(2400));
        assert!(!is_leap_year(1900) && !is_leap_year(2015) && !is_leap_year(2100));
        assert_eq!(days_from_civil(2016, 2, 29), Some(16_860));
        assert_eq!(days_from_civil(2015, 2, 29), None);
        assert_eq!(days_from_civil(1900, 2, 29), None);
        assert_eq!(parse_amz_date("20160229T000000Z"), Some(1_456_704_000));
        assert_eq!(parse_amz_date("21000229T000000Z"), None);
        assert_eq!(parse_http_date("Mon, 29 Feb 2016 00:00:00 GMT"), Some(1_456_704_000));
    }

    #[test]
    fn formats_round_trip() {
        let mut t = 0u64;
        while t < 10_000_000_000 {
            assert_eq!(parse_amz_date(&format_amz_date(t)), Some(t));
            assert_eq!(parse_http_date(&format_http_date(t)), Some(t));
            t += 7_777_777;
        }
        // Huge instants format without panicking (years past 9999 do not parse back).
        let _ = format_amz_date(u64::MAX);
        let _ = format_http_date(u64::MAX);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "20150830T123600",
            "20150830T123600ZZ",
            "20150830 123600Z",
            "2015083OT123600Z",
            "20151330T123600Z",
            "20150001T123600Z",
            "20150931T123600Z",
            "20150800T123600Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z",
            "19691231T235959Z",
            "+0150830T123600Z",
            "2015-08-30T12:3Z",
            "20150830t123600z",
            "２０15830T123600Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
        for bad in [
            "",
            "Sun, 30 Aug 2015 12:36:00 UTC",
            "Mon, 30 Aug 2015 12:36:00 GMT",
            "Sun, 30 aug 2015 12:36:00 GMT",
            "Sunday, 30-Aug-15 12:36:00 GMT",
            "Sun Aug 30 12:36:00 2015",
            "Sun, 31 Sep 2015 12:36:00 GMT",
            "Sun, 30 Aug 2015 24:00:00 GMT",
            "Sun, 30 Aug 2015 12:36:00 GMT ",
            "Sun,  30 Aug 2015 12:36:00 GM",
            "Sun, 3O Aug 2015 12:36:00 GMT",
            "Sün, 30 Aug 2015 12:36:00 GM",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }
}
