//! How the console shows things: user text made safe to show, dates in the
//! service's zone, ages, choices of a select or of checkboxes.

use crate::domain::time::Stamp;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A date as people read it ("Tue 3 Mar, 14:05", docs/console.md §6; the year is in `machine`) and as machines do
/// (RFC 3339 with milliseconds), for `<time datetime=…>`.
#[derive(Debug, Clone)]
pub struct When {
    pub human: String,
    pub machine: String,
}

impl When {
    pub fn of(stamp: Stamp, zone: &TimeZone) -> When {
        let ts = Timestamp::from_nanosecond(i128::from(stamp.0) * 100).unwrap_or(Timestamp::UNIX_EPOCH);
        let zoned = ts.to_zoned(zone.clone());
        When {
            human: zoned.strftime("%a %-d %b, %H:%M").to_string(),
            machine: zoned.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
        }
    }
}

/// How long ago, in the largest whole unit: "5 minutes", "3 hours", "2 days".
pub fn age(since: Stamp, now: Stamp) -> String {
    let seconds = (now.0 - since.0).max(0) / 10_000_000;
    let (n, unit) = match seconds {
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// One option of a select, or one checkbox of a group.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_well_and_carry_milliseconds() {
        // 2026-03-03T14:05:06.789Z
        let stamp = Stamp(1_772_546_706_789 * 10_000);
        let when = When::of(stamp, &TimeZone::UTC);
        assert_eq!(when.human, "Tue 3 Mar, 14:05");
        assert_eq!(when.machine, "2026-03-03T14:05:06.789+00:00");
    }

    #[test]
    fn ages_use_the_largest_unit() {
        let now = Stamp(1_000_000 * 10_000_000);
        assert_eq!(age(now.plus_seconds(-120), now), "2 minutes");
        assert_eq!(age(now.plus_seconds(-3 * 86_400 - 5), now), "3 days");
        assert_eq!(age(now.plus_seconds(-3600), now), "1 hour");
    }
}
