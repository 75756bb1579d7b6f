//! Call-log statuses and reasons. Never deleted, only deactivated.

use super::calllogs::index_name;
use super::SqliteTx;
use crate::domain::calllogs::NamedKind;
use crate::domain::catalog::{CallLogReason, CatalogInput, ModuleStatus, StatusCategory, STATUS_MODULE};
use crate::domain::ids::{ReasonId, StatusId};
use crate::store::{Catalog, StoreResult};
use crate::store::{CatalogReads, CatalogWrites};
use rusqlite::{params, OptionalExtension, Row};

fn reason_from_row(r: &Row) -> rusqlite::Result<CallLogReason> {
    Ok(CallLogReason { call_log_reason_id: r.get(0)?, name: r.get(1)?, active: r.get(2)?, display_order: r.get(3)? })
}

fn status_from_row(r: &Row) -> rusqlite::Result<ModuleStatus> {
    Ok(ModuleStatus {
        module_status_id: r.get(0)?,
        module: STATUS_MODULE,
        name: r.get(1)?,
        category: super::word(r, 2)?,
        is_default: r.get(3)?,
        active: r.get(4)?,
        display_order: r.get(5)?,
    })
}

/// The table and id column of a catalog.
fn table_of(catalog: Catalog) -> (&'static str, &'static str) {
    match catalog {
        Catalog::Reasons => ("reasons", "reason_id"),
        Catalog::Statuses => ("statuses", "status_id"),
    }
}

const STATUS_COLUMNS: &str = "status_id, name, category, is_default, active, display_order";

impl CatalogReads for SqliteTx<'_> {
    fn reasons(&mut self, include_inactive: bool) -> StoreResult<Vec<CallLogReason>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(
            "SELECT reason_id, name, active, display_order FROM reasons WHERE active = 1 OR ?1
             ORDER BY display_order, name COLLATE NOCASE, reason_id",
        )?;
        let rows = stmt.query_map([include_inactive], reason_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn reason(&mut self, reason_id: ReasonId) -> StoreResult<Option<CallLogReason>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached("SELECT reason_id, name, active, display_order FROM reasons WHERE reason_id = ?1")?
            .query_row([reason_id], reason_from_row)
            .optional()?)
    }
    fn statuses(&mut self, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {STATUS_COLUMNS} FROM statuses WHERE active = 1 OR ?1 ORDER BY display_order, name COLLATE NOCASE, status_id"
        ))?;
        let rows = stmt.query_map([include_inactive], status_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn status(&mut self, status_id: StatusId) -> StoreResult<Option<ModuleStatus>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(&format!("SELECT {STATUS_COLUMNS} FROM statuses WHERE status_id = ?1"))?
            .query_row([status_id], status_from_row)
            .optional()?)
    }
    fn default_status(&mut self) -> StoreResult<Option<ModuleStatus>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {STATUS_COLUMNS} FROM statuses WHERE is_default = 1 ORDER BY status_id LIMIT 1"
            ))?
            .query_row([], status_from_row)
            .optional()?)
    }
    /// Names are unique ignoring case, beyond ASCII too (`Émergency` = `émergency`);
    /// the column's NOCASE folds ASCII only, so compare with `casefold`.
    fn catalog_name_taken(&mut self, which: Catalog, name: &str, except_id: i64) -> StoreResult<bool> {
        let conn = self.conn;
        let catalog = which;
        let (table, id_column) = table_of(catalog);
        Ok(conn
            .prepare_cached(&format!("SELECT 1 FROM {table} WHERE casefold(name) = ?1 AND {id_column} <> ?2"))?
            .exists(params![name.to_lowercase(), except_id])?)
    }
    /// The highest order as stored; the next one is the domain's rule
    /// (`display_order_after`), computed where it cannot overflow.
    fn last_display_order(&mut self, which: Catalog) -> StoreResult<Option<i64>> {
        let conn = self.conn;
        let catalog = which;
        let (table, _) = table_of(catalog);
        Ok(conn.prepare_cached(&format!("SELECT max(display_order) FROM {table}"))?.query_row([], |r| r.get(0))?)
    }
    /// Every id of `ids` that is not in the catalog.
    fn unknown_catalog_ids(&mut self, which: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>> {
        let conn = self.conn;
        let catalog = which;
        let (table, id_column) = table_of(catalog);
        let mut stmt = conn.prepare_cached(&format!("SELECT 1 FROM {table} WHERE {id_column} = ?1"))?;
        let mut unknown = Vec::new();
        for id in ids {
            if !stmt.exists([id])? {
                unknown.push(*id);
            }
        }
        Ok(unknown)
    }
}

impl CatalogWrites for SqliteTx<'_> {
    fn insert_reason(&mut self, name: &str, display_order: i64) -> StoreResult<ReasonId> {
        let conn = self.conn;
        conn.prepare_cached("INSERT INTO reasons (name, active, display_order) VALUES (?1, 1, ?2)")?
            .execute(params![name, display_order])?;
        let reason_id = ReasonId(conn.last_insert_rowid());
        index_name(conn, NamedKind::Reason, reason_id.0, name)?;
        Ok(reason_id)
    }
    fn update_reason(&mut self, reason_id: ReasonId, changes: &CatalogInput) -> StoreResult<()> {
        let conn = self.conn;
        let input = changes;
        conn.prepare_cached(
            "UPDATE reasons SET name = coalesce(?2, name), active = coalesce(?3, active),
                    display_order = coalesce(?4, display_order) WHERE reason_id = ?1",
        )?
        .execute(params![reason_id, input.name, input.active, input.display_order])?;
        if let Some(name) = &input.name {
            index_name(conn, NamedKind::Reason, reason_id.0, name)?;
        }
        Ok(())
    }
    fn insert_status(&mut self, name: &str, category: StatusCategory, display_order: i64) -> StoreResult<StatusId> {
        let conn = self.conn;
        conn.prepare_cached(
            "INSERT INTO statuses (name, category, is_default, active, display_order) VALUES (?1, ?2, 0, 1, ?3)",
        )?
        .execute(params![name, category.as_str(), display_order])?;
        Ok(StatusId(conn.last_insert_rowid()))
    }
    fn update_status(&mut self, status_id: StatusId, changes: &CatalogInput) -> StoreResult<()> {
        let conn = self.conn;
        let input = changes;
        conn.prepare_cached(
            "UPDATE statuses SET name = coalesce(?2, name), category = coalesce(?3, category), active = coalesce(?4, active),
                    display_order = coalesce(?5, display_order), is_default = coalesce(?6, is_default)
             WHERE status_id = ?1",
        )?
        .execute(params![status_id, input.name, input.category.map(StatusCategory::as_str), input.active, input.display_order, input.is_default])?;
        Ok(())
    }
    fn clear_default_status(&mut self, except_id: StatusId) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("UPDATE statuses SET is_default = 0 WHERE is_default = 1 AND status_id <> ?1")?
            .execute([except_id])?;
        Ok(())
    }
}
