//! The office's settings: one row (docs/api.md §16).

use super::SqliteTx;
use crate::domain::settings::OfficeSettings;
use crate::store::{SettingsReads, SettingsWrites, StoreResult};
use rusqlite::params;

impl SettingsReads for SqliteTx<'_> {
    fn office_settings(&mut self) -> StoreResult<OfficeSettings> {
        Ok(self
            .conn
            .prepare_cached("SELECT time_zone, office_name FROM office_settings WHERE only_row = 1")?
            .query_row([], |r| Ok(OfficeSettings { time_zone: r.get(0)?, office_name: r.get(1)? }))?)
    }
}

impl SettingsWrites for SqliteTx<'_> {
    fn put_office_settings(&mut self, settings: &OfficeSettings) -> StoreResult<()> {
        self.conn
            .prepare_cached("UPDATE office_settings SET time_zone = ?1, office_name = ?2 WHERE only_row = 1")?
            .execute(params![settings.time_zone, settings.office_name])?;
        Ok(())
    }
}
