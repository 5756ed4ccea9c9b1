//! Timestamps as Unix seconds, with the small amount of calendar arithmetic the
//! logs need (RFC 3339 in Resolver logs and on the command line).

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u32)?;
    }
    Some(v)
}

/// The number of days of `month` (1–12) in `year` (proleptic Gregorian).
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`, `+hh:mm` or no
/// offset (taken as UTC). Returns Unix seconds, fractions dropped.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])? as i64;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    if !(rest[0] == b'T' || rest[0] == b't' || rest[0] == b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let hh = digits(&rest[1..3])?;
    let mm = digits(&rest[4..6])?;
    let mut i = 6;
    let mut ss = 0;
    if rest.len() >= 9 && rest[6] == b':' {
        ss = digits(&rest[7..9])?;
        i = 9;
        if i < rest.len() && rest[i] == b'.' {
            i += 1;
            while i < rest.len() && rest[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    secs += (hh * 3600 + mm * 60 + ss) as i64;
    let tz = &rest[i..];
    match tz {
        [] | [b'Z'] | [b'z'] => Some(secs),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2])? as i64;
            let om = digits(&[*m1, *m2])? as i64;
            let off = oh * 3600 + om * 60;
            Some(if *sign == b'+' { secs - off } else { secs + off })
        }
        _ => None,
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolver_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2021-12-11T22:46:26Z"), Some(1_639_262_786));
        assert_eq!(parse_rfc3339("2017-03-16T19:20:25.177Z"), Some(1_489_692_025));
        assert_eq!(parse_rfc3339("2021-12-11T23:46:26+01:00"), Some(1_639_262_786));
        assert_eq!(parse_rfc3339("2021-12-11"), Some(1_639_180_800));
        assert_eq!(parse_rfc3339("2021-13-11T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2021-12-11T22:46Z"), Some(1_639_262_760));
    }

    #[test]
    fn dates_that_do_not_exist_are_refused_not_rolled_over() {
        assert_eq!(parse_rfc3339("2026-02-30"), None);
        assert_eq!(parse_rfc3339("2026-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-04-31"), None);
        assert_eq!(parse_rfc3339("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_rfc3339("1900-02-29"), None);
        assert_eq!(parse_rfc3339("2026-12-31"), Some(1_798_675_200));
    }

    #[test]
    fn round_trips() {
        for s in [0i64, 1_639_262_786, 951_782_400, 4_102_444_800, -86_400] {
            assert_eq!(parse_rfc3339(&format_rfc3339(s)), Some(s));
        }
        assert_eq!(format_rfc3339(1_639_262_786), "2021-12-11T22:46:26Z");
    }
}
