//! The office's settings (docs/api.md §16): read by anyone signed in,
//! changed by admins, and the time zone in force kept in step with them on
//! every instance.

use super::access::Admin;
use super::{Service, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::error::DomainError;
use crate::domain::settings::{audit_details, OfficeSettings, SettingsChange};
use crate::domain::users::Caller;
use jiff::tz::TimeZone;

/// The settings as a reader sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsView {
    /// The IANA name of the zone in force (the flag's, else the stored one, else UTC).
    pub time_zone: String,
    pub office_name: Option<String>,
    /// Whether an admin (or a start with the flag) ever chose a zone; the
    /// console reminds admins until one did.
    pub time_zone_chosen: bool,
    /// Whether `serve --timezone` pins the zone (a change of it is refused).
    pub time_zone_pinned: bool,
}

/// A zone's name as the time zone database writes it.
fn zone_name(zone: &TimeZone) -> String {
    zone.iana_name().unwrap_or("UTC").to_string()
}

impl Service {
    /// Reads the stored settings into the zone in force. Started with a
    /// zone pinned (`--timezone`) on a database that has none, stores it:
    /// a database upgraded under the flag keeps the zone it was run in.
    pub async fn load_office_settings(&self) -> ServiceResult<()> {
        let settings = self.store.read(|tx| -> ServiceResult<OfficeSettings> { Ok(tx.office_settings()?) }).await?;
        if let (None, Some(pinned)) = (&settings.time_zone, self.config.zone.pinned_zone().map(zone_name)) {
            self.store
                .write(move |tx| -> ServiceResult<()> {
                    let mut settings = tx.office_settings()?;
                    if settings.time_zone.is_none() {
                        settings.time_zone = Some(pinned);
                        tx.put_office_settings(&settings)?;
                    }
                    Ok(())
                })
                .await?;
        }
        self.config.zone.follow(settings.stored_zone());
        Ok(())
    }

    /// Rereads the settings after another instance (or this one) changed
    /// them; a failed read keeps the zone as it was and says why.
    pub(super) async fn reload_office_settings(&self) {
        match self.store.read(|tx| -> ServiceResult<OfficeSettings> { Ok(tx.office_settings()?) }).await {
            Ok(settings) => self.config.zone.follow(settings.stored_zone()),
            Err(e) => log::warn!("could not reread the office settings: {e}"),
        }
    }

    /// `GET /api/settings`: any signed-in user.
    pub async fn office_settings(&self, _caller: &Caller) -> ServiceResult<SettingsView> {
        let settings = self.store.read(|tx| -> ServiceResult<OfficeSettings> { Ok(tx.office_settings()?) }).await?;
        let pinned = self.config.zone.pinned_zone();
        let in_force = pinned.cloned().or_else(|| settings.stored_zone()).unwrap_or(TimeZone::UTC);
        Ok(SettingsView {
            time_zone: zone_name(&in_force),
            office_name: settings.office_name,
            time_zone_chosen: pinned.is_some() || settings.time_zone.is_some(),
            time_zone_pinned: pinned.is_some(),
        })
    }

    /// `PUT /api/settings`: an admin changes the zone or the name, with an
    /// admin-audit entry in the same write. A zone other than the one
    /// `--timezone` pins is refused (409/112), naming the flag.
    pub async fn change_office_settings(&self, admin: &Admin, change: SettingsChange) -> ServiceResult<()> {
        if let (Some(pinned), Some(wanted)) = (self.config.zone.pinned_zone(), &change.time_zone) {
            let pinned = zone_name(pinned);
            if *wanted != pinned {
                return Err(DomainError::invalid_operation(format!(
                    "This server was started with --timezone {pinned} (or CALLLOG_TIMEZONE), which fixes the time \
                     zone; restart it without that setting to choose the zone here."
                ))
                .into());
            }
        }
        let caller = Caller::clone(admin);
        let settings = self
            .store
            .write(move |tx| -> ServiceResult<OfficeSettings> {
                let before = tx.office_settings()?;
                let after = change.applied_to(&before);
                if let Some(details) = audit_details(&before, &after) {
                    tx.put_office_settings(&after)?;
                    tx.record_audit(&AuditEntry::by(
                        &caller,
                        AuditAction::SettingsChanged,
                        "office".into(),
                        Some(details),
                    ))?;
                }
                Ok(after)
            })
            .await?;
        self.config.zone.follow(settings.stored_zone());
        Ok(())
    }
}
