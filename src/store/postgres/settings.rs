//! The office's settings on PostgreSQL: one row (the twin of `sqlite/settings.rs`).
//! Its update trigger tells every instance to reread it (`listener.rs`).

use super::tx::PgTx;
use super::RowExt;
use crate::domain::settings::OfficeSettings;
use crate::store::{SettingsReads, SettingsWrites, StoreResult};

impl SettingsReads for PgTx<'_> {
    fn office_settings(&mut self) -> StoreResult<OfficeSettings> {
        let db = self.db()?;
        let row = db.query_one("SELECT time_zone, office_name FROM office_settings WHERE only_row = 1", &[])?;
        Ok(OfficeSettings { time_zone: row.col(0)?, office_name: row.col(1)? })
    }
}

impl SettingsWrites for PgTx<'_> {
    fn put_office_settings(&mut self, settings: &OfficeSettings) -> StoreResult<()> {
        let db = self.db()?;
        db.execute(
            "UPDATE office_settings SET time_zone = $1, office_name = $2 WHERE only_row = 1",
            &[&settings.time_zone, &settings.office_name],
        )?;
        Ok(())
    }
}
