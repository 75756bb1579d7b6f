//! Dates on the wire: `YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM` in the configured
//! time zone; stored as microseconds since the Unix epoch (UTC).
//!
//! Serializing a [`Stamp`] needs the zone. Rather than threading it through
//! every model, the HTTP layer serializes inside [`with_zone`], which sets it
//! for the current thread for the duration of the call (UTC otherwise).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::cell::RefCell;

/// A point in time, microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub i64);

impl Stamp {
    pub fn now() -> Stamp {
        Stamp(Timestamp::now().as_microsecond())
    }

    pub fn plus_seconds(self, seconds: i64) -> Stamp {
        Stamp(self.0 + seconds * 1_000_000)
    }

    /// The wire form in `zone`.
    pub fn format_in(self, zone: &TimeZone) -> String {
        let ts = Timestamp::from_microsecond(self.0).unwrap_or(Timestamp::UNIX_EPOCH);
        let zoned = ts.to_zoned(zone.clone());
        let offset = zoned.offset().seconds();
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.abs();
        let ticks = zoned.subsec_nanosecond() / 100; // 100 ns ticks: seven digits
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}{}{:02}:{:02}",
            zoned.year(),
            zoned.month(),
            zoned.day(),
            zoned.hour(),
            zoned.minute(),
            zoned.second(),
            ticks,
            sign,
            offset / 3600,
            (offset % 3600) / 60
        )
    }
}

thread_local! {
    static ZONE: RefCell<TimeZone> = const { RefCell::new(TimeZone::UTC) };
}

/// Runs `f` (typically a serialization) with `zone` as the zone dates are written in.
pub fn with_zone<T>(zone: &TimeZone, f: impl FnOnce() -> T) -> T {
    let previous = ZONE.with(|z| z.replace(zone.clone()));
    let result = f();
    ZONE.with(|z| *z.borrow_mut() = previous);
    result
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ZONE.with(|z| serializer.serialize_str(&self.format_in(&z.borrow())))
    }
}

/// Looks up an IANA zone name (`UTC`, `America/New_York`).
pub fn zone_named(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name)
        .map_err(|_| format!("unknown time zone {name:?}; use an IANA name such as UTC or America/New_York"))
}

/// Reads an input date: RFC 3339 with `Z` or an offset; a date-time without
/// offset (read in `zone`); or a plain `YYYY-MM-DD` (midnight in `zone`).
pub fn parse_date(text: &str, zone: &TimeZone) -> Option<Stamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(Stamp(ts.as_microsecond()));
    }
    // Accept a space between date and time, as many clients send it.
    let normalized = if text.len() > 10 && text.as_bytes()[10] == b' ' {
        format!("{}T{}", &text[..10], &text[11..])
    } else {
        text.to_string()
    };
    if let Ok(ts) = normalized.parse::<Timestamp>() {
        return Some(Stamp(ts.as_microsecond()));
    }
    if normalized.len() > 10 {
        if let Ok(dt) = normalized.parse::<DateTime>() {
            return dt.to_zoned(zone.clone()).ok().map(|z| Stamp(z.timestamp().as_microsecond()));
        }
        return None;
    }
    let date = normalized.parse::<Date>().ok()?;
    date.to_zoned(zone.clone()).ok().map(|z| Stamp(z.timestamp().as_microsecond()))
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

    #[test]
    fn serialization_uses_the_zone_in_scope() {
        let s = parse_date("2026-01-01T00:00:00Z", &TimeZone::UTC).unwrap();
        let json = with_zone(&ny(), || serde_json::to_string(&s).unwrap());
        assert_eq!(json, "\"2025-12-31T19:00:00.0000000-05:00\"");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"2026-01-01T00:00:00.0000000+00:00\"");
    }
}
