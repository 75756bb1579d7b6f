//! The office's settings on the wire (docs/api.md §16).

use crate::domain::error::DomainError;
use crate::domain::settings::SettingsChange;
use crate::service::settings::SettingsView;
use crate::wire::input::{Fields, Resource};
use serde::Serialize;

/// `OfficeSettings` as this API writes it (a `PUT` may send back what it read).
pub const SETTINGS_RESOURCE: Resource = Resource { name: "OfficeSettings", fields: &["TimeZone", "OfficeName"] };

/// `PUT /api/settings`: each field given replaces the stored one, an absent
/// one is kept; `"OfficeName": null` removes the name (a `null` zone is refused).
pub fn read_settings_change(mut f: Fields) -> Result<SettingsChange, DomainError> {
    f.expect(SETTINGS_RESOURCE);
    // A zone cannot be removed (UTC is a zone like any other): `null` is refused, not taken as "keep".
    let time_zone = match f.clearable_string("TimeZone") {
        Some(None) => {
            f.error(
                "TimeZone",
                "must be a time zone name such as America/New_York; leave it out to keep the current one",
            );
            None
        }
        given => given.flatten(),
    };
    let office_name = f.clearable_string("OfficeName");
    f.finish()?;
    SettingsChange::read(time_zone.as_deref(), office_name.as_ref().map(Option::as_deref))
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficeSettings {
    /// The IANA name of the office time zone dates are written in (UTC
    /// until an admin sets one; the server's `--timezone` when it was
    /// started with one).
    pub time_zone: String,
    pub office_name: Option<String>,
}

impl From<SettingsView> for OfficeSettings {
    fn from(view: SettingsView) -> OfficeSettings {
        OfficeSettings { time_zone: view.time_zone, office_name: view.office_name }
    }
}

impl crate::wire::models::IntoWire for SettingsView {
    type Wire = OfficeSettings;
    fn into_wire(self, _zone: &jiff::tz::TimeZone) -> OfficeSettings {
        self.into()
    }
}
