//! Dates on the wire: `YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM` in the configured
//! time zone; stored as 100-nanosecond ticks since the Unix epoch (UTC), the
//! resolution of those seven digits, so a date sent comes back unchanged.
//!
//! Writing a [`Stamp`] needs the zone, which the caller passes
//! ([`Stamp::format_in`]); the answer models (`wire::models`) take it
//! from the configuration.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A point in time, 100-nanosecond ticks since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub i64);

/// A stamp's ticks (100 ns) in a second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

impl Stamp {
    pub fn now() -> Stamp {
        Stamp::from_timestamp(Timestamp::now())
    }

    fn from_timestamp(ts: Timestamp) -> Stamp {
        Stamp((ts.as_nanosecond() / 100) as i64)
    }

    /// Saturating, so no input can overflow it.
    pub fn plus_seconds(self, seconds: i64) -> Stamp {
        Stamp(self.0.saturating_add(seconds.saturating_mul(TICKS_PER_SECOND)))
    }

    /// The wire form in `zone`. Stamps come from parsing or the clock, so
    /// they are within jiff's range (years -9999..=9999). Written digit by
    /// digit: a log's JSON carries a date per comment, and `format!` with
    /// ten padded fields was a measurable part of answering a read.
    pub fn format_in(self, zone: &TimeZone) -> String {
        let ts = Timestamp::from_nanosecond(i128::from(self.0) * 100).unwrap_or(Timestamp::UNIX_EPOCH);
        let offset = zone.to_offset(ts);
        let local = offset.to_datetime(ts);
        let offset_seconds = offset.seconds();
        let ticks = local.subsec_nanosecond() / 100; // 100 ns ticks: seven digits
        let year = local.year();
        if !(0..=9999).contains(&year) {
            let sign = if offset_seconds < 0 { '-' } else { '+' };
            let offset = offset_seconds.abs();
            return format!(
                "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ticks:07}{sign}{:02}:{:02}",
                local.month(),
                local.day(),
                local.hour(),
                local.minute(),
                local.second(),
                offset / 3600,
                (offset % 3600) / 60
            );
        }
        let mut text = *b"0000-00-00T00:00:00.0000000+00:00";
        let mut digits = |at: usize, width: usize, mut value: u32| {
            for i in (at..at + width).rev() {
                text[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        let offset = offset_seconds.unsigned_abs();
        digits(0, 4, year as u32);
        digits(5, 2, local.month() as u32);
        digits(8, 2, local.day() as u32);
        digits(11, 2, local.hour() as u32);
        digits(14, 2, local.minute() as u32);
        digits(17, 2, local.second() as u32);
        digits(20, 7, ticks as u32);
        digits(28, 2, offset / 3600);
        digits(31, 2, (offset % 3600) / 60);
        if offset_seconds < 0 {
            text[27] = b'-';
        }
        text.iter().map(|&b| b as char).collect()
    }
}

/// Where the service reads the time. `Clock::system()` in a server; a
/// [`ManualClock`]'s clock in tests, which moves only when the test moves it,
/// so rules over time (the sign-in throttle's 15 minutes, a known address's
/// 30 days) are tested by setting the time rather than by waiting.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system's clock.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    pub fn now(&self) -> Stamp {
        match &self.manual {
            None => Stamp::now(),
            Some(ticks) => Stamp(ticks.load(Ordering::SeqCst)),
        }
    }
}

/// A clock that stands still until it is set or advanced; every [`Clock`]
/// made from it reads the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    ticks: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn starting_at(start: Stamp) -> ManualClock {
        ManualClock { ticks: Arc::new(AtomicI64::new(start.0)) }
    }

    /// A clock that reads this one's time.
    pub fn clock(&self) -> Clock {
        Clock { manual: Some(self.ticks.clone()) }
    }

    pub fn now(&self) -> Stamp {
        Stamp(self.ticks.load(Ordering::SeqCst))
    }

    pub fn set(&self, at: Stamp) {
        self.ticks.store(at.0, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds` (backward when negative).
    pub fn advance_seconds(&self, seconds: i64) {
        self.set(self.now().plus_seconds(seconds));
    }
}

/// A zone name the time zone database does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0:?}; use an IANA name such as UTC or America/New_York")]
pub struct UnknownZone(pub String);

/// Looks up an IANA zone name (`UTC`, `America/New_York`).
pub fn zone_named(name: &str) -> Result<TimeZone, UnknownZone> {
    TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))
}

/// Reads an input date: RFC 3339 with `Z` or an offset; a date-time without
/// offset (read in `zone`); or a plain `YYYY-MM-DD` (midnight in `zone`).
pub fn parse_date(text: &str, zone: &TimeZone) -> Option<Stamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(Stamp::from_timestamp(ts));
    }
    let mut normalized = text.to_string();
    // Accept a space between date and time, as many clients send it.
    if normalized.len() > 10 && normalized.as_bytes()[10] == b' ' {
        normalized.replace_range(10..11, "T");
    }
    // A '+' of an offset pasted unencoded into a query string arrives as a
    // space: "…T10:00:00 05:00" means "…T10:00:00+05:00".
    let bytes = normalized.as_bytes();
    let n = bytes.len();
    if n > 16 && bytes[n - 6] == b' ' && bytes[n - 3] == b':' {
        normalized.replace_range(n - 6..n - 5, "+");
    }
    if let Ok(ts) = normalized.parse::<Timestamp>() {
        return Some(Stamp::from_timestamp(ts));
    }
    if normalized.len() > 10 {
        if let Ok(dt) = normalized.parse::<DateTime>() {
            return dt.to_zoned(zone.clone()).ok().map(|z| Stamp::from_timestamp(z.timestamp()));
        }
        return None;
    }
    let date = normalized.parse::<Date>().ok()?;
    date.to_zoned(zone.clone()).ok().map(|z| Stamp::from_timestamp(z.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> TimeZone {
        zone_named("America/New_York").unwrap()
    }

    #[test]
    fn utc_has_seven_digits_and_a_numeric_offset() {
        let s = parse_date("2026-03-01T12:34:56.123456Z", &TimeZone::UTC).unwrap();
        assert_eq!(s.format_in(&TimeZone::UTC), "2026-03-01T12:34:56.1234560+00:00");
        let seven = parse_date("2026-03-01T12:34:56.1234567+00:00", &TimeZone::UTC).unwrap();
        assert_eq!(seven.format_in(&TimeZone::UTC), "2026-03-01T12:34:56.1234567+00:00", "round trip");
    }

    #[test]
    fn an_offset_whose_plus_became_a_space_is_read() {
        let s = parse_date("2026-11-28T05:00:00 05:00", &TimeZone::UTC).unwrap();
        assert_eq!(s.format_in(&TimeZone::UTC), "2026-11-28T00:00:00.0000000+00:00");
        let s = parse_date("2026-11-28 05:00:00.5 05:00", &TimeZone::UTC).unwrap();
        assert_eq!(s.format_in(&TimeZone::UTC), "2026-11-28T00:00:00.5000000+00:00");
    }

    #[test]
    fn the_digit_by_digit_form_is_the_formatted_one() {
        // The reference: jiff's own civil time and offset, through format!.
        let reference = |stamp: Stamp, zone: &TimeZone| {
            let zoned = Timestamp::from_nanosecond(i128::from(stamp.0) * 100).unwrap().to_zoned(zone.clone());
            let offset = zoned.offset().seconds();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}{}{:02}:{:02}",
                zoned.year(),
                zoned.month(),
                zoned.day(),
                zoned.hour(),
                zoned.minute(),
                zoned.second(),
                zoned.subsec_nanosecond() / 100,
                if offset < 0 { '-' } else { '+' },
                offset.abs() / 3600,
                (offset.abs() % 3600) / 60
            )
        };
        let zones =
            [TimeZone::UTC, ny(), zone_named("Asia/Kathmandu").unwrap(), zone_named("America/St_Johns").unwrap()];
        let mut ticks: i64 = 1;
        for _ in 0..2000 {
            // Spread over 1970..2300, odd tick counts included.
            ticks = ticks.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let stamp = Stamp(ticks.rem_euclid(104_000_000_000_000_000));
            for zone in &zones {
                assert_eq!(stamp.format_in(zone), reference(stamp, zone), "{stamp:?}");
            }
        }
        assert_eq!(Stamp(0).format_in(&zone_named("Asia/Kathmandu").unwrap()), "1970-01-01T05:30:00.0000000+05:30");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clocks_follow_it() {
        let start = parse_date("2026-03-01T12:00:00Z", &TimeZone::UTC).unwrap();
        let manual = ManualClock::starting_at(start);
        let (a, b) = (manual.clock(), manual.clock().clone());
        assert_eq!((a.now(), b.now()), (start, start));
        manual.advance_seconds(15 * 60);
        assert_eq!(a.now(), start.plus_seconds(900));
        assert_eq!(b.now(), start.plus_seconds(900));
        manual.set(start);
        assert_eq!(a.now(), start);
        // A server's clock is the system's.
        assert!(Clock::default().manual.is_none() && Clock::system().manual.is_none());
    }

    #[test]
    fn plus_seconds_saturates() {
        assert_eq!(Stamp(i64::MAX - 1).plus_seconds(i64::MAX), Stamp(i64::MAX));
    }

    #[test]
    fn formatting_follows_a_dst_change() {
        // US DST began 2026-03-08 at 02:00 local (07:00Z).
        let before = parse_date("2026-03-08T06:59:59Z", &TimeZone::UTC).unwrap();
        let after = parse_date("2026-03-08T07:00:00Z", &TimeZone::UTC).unwrap();
        assert_eq!(before.format_in(&ny()), "2026-03-08T01:59:59.0000000-05:00");
        assert_eq!(after.format_in(&ny()), "2026-03-08T03:00:00.0000000-04:00");
        // And back in November.
        let fall = parse_date("2026-11-01T06:30:00Z", &TimeZone::UTC).unwrap();
        assert_eq!(fall.format_in(&ny()), "2026-11-01T01:30:00.0000000-05:00");
    }

    #[test]
    fn input_without_offset_is_read_in_the_zone() {
        let s = parse_date("2026-07-04T09:00:00", &ny()).unwrap();
        assert_eq!(s.format_in(&TimeZone::UTC), "2026-07-04T13:00:00.0000000+00:00");
        let d = parse_date("2026-01-15", &ny()).unwrap();
        assert_eq!(d.format_in(&ny()), "2026-01-15T00:00:00.0000000-05:00");
        let off = parse_date("2026-01-15T10:00:00+02:00", &ny()).unwrap();
        assert_eq!(off.format_in(&TimeZone::UTC), "2026-01-15T08:00:00.0000000+00:00");
    }

    #[test]
    fn garbage_is_not_a_date() {
        for bad in ["", "yesterday", "2026-13-01", "2026-02-30", "12/01/2026", "2026-01-01T25:00:00"] {
            assert!(parse_date(bad, &TimeZone::UTC).is_none(), "{bad}");
        }
    }
}
