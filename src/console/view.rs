//! How the console shows things: user text made safe to show, dates in the
//! service's zone, ages, choices of a select or of checkboxes.

use crate::domain::time::Stamp;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;

/// The bidirectional controls: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The templates' escaper (askama.toml names it for every `.html` template):
/// HTML escaping, and the bidirectional controls left out. One U+202E in a
/// subject or a name shows everything after it right to left ("invoice
/// U+202E fdp.exe" reads "invoiceexe.pdf"), and an unclosed one runs on
/// into the page's own text; dropped, every user text shows in the order
/// it was typed. Stored text keeps them (the API answers what was sent);
/// only what a page shows loses them. Doing it here, rather than with a
/// filter on each field, covers every value a page shows, attributes
/// included, and a new template cannot forget it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        for part in string.split(is_bidi_control) {
            askama::filters::Html.write_escaped_str(&mut dest, part)?;
        }
        Ok(())
    }

    fn write_escaped_char<W: fmt::Write>(&self, dest: W, c: char) -> fmt::Result {
        if is_bidi_control(c) {
            return Ok(());
        }
        askama::filters::Html.write_escaped_char(dest, c)
    }
}

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
    use askama::filters::Escaper;

    #[test]
    fn shown_text_is_escaped_and_loses_its_bidirectional_controls() {
        let mut shown = String::new();
        Html.write_escaped_str(&mut shown, "<b>invoice\u{202E}fdp.exe\u{2066}\u{200F}&\u{061C}\"x\"</b>").unwrap();
        assert_eq!(shown, "&#60;b&#62;invoicefdp.exe&#38;&#34;x&#34;&#60;/b&#62;");
        let mut shown = String::new();
        Html.write_escaped_char(&mut shown, '\u{202D}').unwrap();
        Html.write_escaped_char(&mut shown, '<').unwrap();
        Html.write_escaped_char(&mut shown, 'é').unwrap();
        assert_eq!(shown, "&#60;é");
        // Right-to-left text itself is left alone: only the controls go.
        let mut shown = String::new();
        Html.write_escaped_str(&mut shown, "שלום Cole").unwrap();
        assert_eq!(shown, "שלום Cole");
    }

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
