//! The office's settings (docs/api.md §16): its time zone, the one dates are
//! written in and read in, and its name.

use crate::domain::error::DomainError;
use crate::domain::time::zone_named;
use jiff::tz::TimeZone;

/// The longest office name kept, in characters.
pub const MAX_OFFICE_NAME_CHARS: usize = 100;

/// The settings as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficeSettings {
    /// The IANA name an admin (or `serve --timezone` on a database without
    /// one) chose; `None` until then, and UTC is in force.
    pub time_zone: Option<String>,
    pub office_name: Option<String>,
}

impl OfficeSettings {
    /// The stored zone, when one is set and this build knows it (a zone
    /// the time zone database dropped reads as not set: UTC).
    pub fn stored_zone(&self) -> Option<TimeZone> {
        self.time_zone.as_deref().and_then(|name| zone_named(name).ok())
    }
}

/// A change asked for: each field given replaces the stored one; an absent
/// field keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// A known IANA name.
    pub time_zone: Option<String>,
    /// `Some(None)`: no name.
    pub office_name: Option<Option<String>>,
}

impl SettingsChange {
    /// Reads the typed values: a zone must be an IANA name this build knows
    /// (`America/New_York`, `UTC`); a name is trimmed, at most 100
    /// characters, no control characters, and blank means none.
    pub fn read(time_zone: Option<&str>, office_name: Option<Option<&str>>) -> Result<SettingsChange, DomainError> {
        let time_zone = match time_zone.map(str::trim) {
            None => None,
            Some(name) => match zone_named(name) {
                // The zone's own name, however it was typed (`utc` → `UTC`).
                Ok(zone) => Some(zone.iana_name().unwrap_or(name).to_string()),
                Err(_) => {
                    return Err(DomainError::invalid_field(
                        "TimeZone",
                        "is not a time zone name; use an IANA name such as America/New_York or Europe/Paris",
                    ))
                }
            },
        };
        let office_name = match office_name {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => {
                let text = text.trim();
                if text.chars().count() > MAX_OFFICE_NAME_CHARS {
                    return Err(DomainError::invalid_field(
                        "OfficeName",
                        &format!("must be at most {MAX_OFFICE_NAME_CHARS} characters"),
                    ));
                }
                if text.chars().any(char::is_control) {
                    return Err(DomainError::invalid_field("OfficeName", "must not contain control characters"));
                }
                Some((!text.is_empty()).then(|| text.to_string()))
            }
        };
        Ok(SettingsChange { time_zone, office_name })
    }

    /// The settings after this change.
    pub fn applied_to(&self, before: &OfficeSettings) -> OfficeSettings {
        OfficeSettings {
            time_zone: self.time_zone.clone().or_else(|| before.time_zone.clone()),
            office_name: self.office_name.clone().unwrap_or_else(|| before.office_name.clone()),
        }
    }
}

/// What changed, for the admin audit: `time zone UTC → America/New_York;
/// office name "" → "Harbor Management"`; `None` when nothing did.
pub fn audit_details(before: &OfficeSettings, after: &OfficeSettings) -> Option<String> {
    let mut parts = Vec::new();
    if before.time_zone != after.time_zone {
        let zone = |s: &OfficeSettings| s.time_zone.clone().unwrap_or_else(|| "UTC".to_string());
        parts.push(format!("time zone {} → {}", zone(before), zone(after)));
    }
    if before.office_name != after.office_name {
        let name = |s: &OfficeSettings| format!("{:?}", s.office_name.clone().unwrap_or_default());
        parts.push(format!("office name {} → {}", name(before), name(after)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::ErrorKind;

    #[test]
    fn a_zone_is_an_iana_name_written_as_the_database_writes_it() {
        let change = SettingsChange::read(Some(" America/New_York "), None).unwrap();
        assert_eq!(change.time_zone.as_deref(), Some("America/New_York"));
        for bad in ["Mars/Olympus", "", "EST5EDT,M3.2.0"] {
            let e = SettingsChange::read(Some(bad), None).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidValue, "{bad}");
            assert!(e.message.contains("TimeZone") || e.errors.iter().any(|f| f.field == "TimeZone"), "{bad}");
        }
    }

    #[test]
    fn a_name_is_trimmed_bounded_and_blank_means_none() {
        assert_eq!(SettingsChange::read(None, Some(Some("  Acme  "))).unwrap().office_name, Some(Some("Acme".into())));
        assert_eq!(SettingsChange::read(None, Some(Some("   "))).unwrap().office_name, Some(None));
        assert!(SettingsChange::read(None, Some(Some(&"x".repeat(101)))).is_err());
        assert!(SettingsChange::read(None, Some(Some("a\u{7}b"))).is_err());
    }

    #[test]
    fn absent_fields_keep_what_is_stored() {
        let before = OfficeSettings { time_zone: Some("Europe/Paris".into()), office_name: Some("Acme".into()) };
        let change = SettingsChange::read(None, Some(None)).unwrap();
        assert_eq!(
            change.applied_to(&before),
            OfficeSettings { time_zone: before.time_zone.clone(), office_name: None }
        );
        assert_eq!(audit_details(&before, &change.applied_to(&before)).as_deref(), Some(r#"office name "Acme" → """#));
        assert_eq!(audit_details(&before, &before), None);
    }
}
