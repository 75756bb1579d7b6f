//! Call-log statuses and reasons on PostgreSQL (the twin of
//! `sqlite/catalog.rs`). Never deleted, only deactivated.
//!
//! Lists sort names as SQLite's NOCASE does: ASCII letters folded, then
//! byte order. Whether a name is taken is decided in Rust's Unicode lower
//! case, as SQLite's `casefold` does (PostgreSQL's `lower()` follows the
//! database's locale); the catalogs are a few dozen rows. The unique
//! `lower(name)` indexes are a last guard: the service checks the name under
//! the catalog's rule lock first.

use super::calllogs::index_names;
use super::db::Db;
use super::directory::nocase;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::calllogs::NamedKind;
use crate::domain::catalog::{CallLogReason, CatalogInput, ModuleStatus, StatusCategory, STATUS_MODULE};
use crate::domain::ids::{ReasonId, StatusId};
use crate::store::{Catalog, StoreError, StoreResult};
use crate::store::{CatalogReads, CatalogWrites};
use ::postgres::Row;

fn reason_from_row(r: &Row) -> StoreResult<CallLogReason> {
    Ok(CallLogReason { call_log_reason_id: r.col(0)?, name: r.col(1)?, active: r.col(2)?, display_order: r.col(3)? })
}

fn status_from_row(r: &Row) -> StoreResult<ModuleStatus> {
    Ok(ModuleStatus {
        module_status_id: r.col(0)?,
        module: STATUS_MODULE,
        name: r.col(1)?,
        category: r.word(2)?,
        is_default: r.col(3)?,
        active: r.col(4)?,
        display_order: r.col(5)?,
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

pub fn clear_default(db: &mut Db, except_id: StatusId) -> StoreResult<()> {
    db.execute("UPDATE statuses SET is_default = false WHERE is_default AND status_id <> $1", &[&except_id])?;
    Ok(())
}

impl CatalogReads for PgTx<'_> {
    fn reasons(&mut self, include_inactive: bool) -> StoreResult<Vec<CallLogReason>> {
        let db = self.db()?;
        let rows = db.query(
            &format!(
                "SELECT reason_id, name, active, display_order FROM reasons WHERE active OR $1
                 ORDER BY display_order, {}, reason_id",
                nocase("name")
            ),
            &[&include_inactive],
        )?;
        rows.iter().map(reason_from_row).collect::<StoreResult<_>>()
    }
    fn reason(&mut self, reason_id: ReasonId) -> StoreResult<Option<CallLogReason>> {
        let db = self.db()?;
        db.query_opt("SELECT reason_id, name, active, display_order FROM reasons WHERE reason_id = $1", &[&reason_id])?
            .map(|r| reason_from_row(&r))
            .transpose()
    }
    fn statuses(&mut self, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>> {
        let db = self.db()?;
        let rows = db.query(
            &format!(
                "SELECT {STATUS_COLUMNS} FROM statuses WHERE active OR $1 ORDER BY display_order, {}, status_id",
                nocase("name")
            ),
            &[&include_inactive],
        )?;
        rows.iter().map(status_from_row).collect::<StoreResult<_>>()
    }
    fn status(&mut self, status_id: StatusId) -> StoreResult<Option<ModuleStatus>> {
        let db = self.db()?;
        db.query_opt(&format!("SELECT {STATUS_COLUMNS} FROM statuses WHERE status_id = $1"), &[&status_id])?
            .map(|r| status_from_row(&r))
            .transpose()
    }
    fn default_status(&mut self) -> StoreResult<Option<ModuleStatus>> {
        let db = self.db()?;
        db.query_opt(
            &format!("SELECT {STATUS_COLUMNS} FROM statuses WHERE is_default ORDER BY status_id LIMIT 1"),
            &[],
        )?
        .map(|r| status_from_row(&r))
        .transpose()
    }
    /// Names are unique ignoring case, beyond ASCII too (`Émergency` = `émergency`),
    /// in Rust's Unicode lower case as on SQLite. A name that only the unique
    /// `lower(name)` index would refuse (the database's locale folds a few
    /// letters otherwise, `İ` to `i`) is taken too: refused as a rule (409)
    /// rather than by the index (500).
    fn catalog_name_taken(&mut self, which: Catalog, name: &str, except_id: i64) -> StoreResult<bool> {
        let db = self.db()?;
        let catalog = which;
        let (table, id_column) = table_of(catalog);
        let wanted = name.to_lowercase();
        let rows = db.query(
            &format!("SELECT name, lower(name) = lower($2) FROM {table} WHERE {id_column} <> $1"),
            &[&except_id, &name],
        )?;
        for r in &rows {
            if r.col::<bool>(1)? || r.col::<&str>(0)?.to_lowercase() == wanted {
                return Ok(true);
            }
        }
        Ok(false)
    }
    /// The highest order as stored; the next one is the domain's rule
    /// (`display_order_after`), computed where it cannot overflow.
    fn last_display_order(&mut self, which: Catalog) -> StoreResult<Option<i64>> {
        let db = self.db()?;
        let catalog = which;
        let (table, _) = table_of(catalog);
        let row = db.query_one(&format!("SELECT max(display_order) FROM {table}"), &[])?;
        row.try_get(0).map_err(|e| StoreError::Failed(format!("reading the last DisplayOrder: {e}")))
    }
    /// Every id of `ids` that is not in the catalog, in the order given.
    fn unknown_catalog_ids(&mut self, which: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>> {
        let db = self.db()?;
        let catalog = which;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (table, id_column) = table_of(catalog);
        let rows = db.query(
            &format!(
                "SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n)
                 WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {id_column} = u.id) ORDER BY u.n"
            ),
            &[&ids],
        )?;
        rows.iter().map(|r| r.col(0)).collect::<StoreResult<_>>()
    }
}

impl CatalogWrites for PgTx<'_> {
    fn insert_reason(&mut self, name: &str, display_order: i64) -> StoreResult<ReasonId> {
        let db = self.db()?;
        db.query_one(
            "INSERT INTO reasons (name, active, display_order) VALUES ($1, true, $2) RETURNING reason_id",
            &[&name, &display_order],
        )?
        .col(0)
        .and_then(|reason_id: ReasonId| {
            index_names(db, NamedKind::Reason, &[(reason_id.0, name)])?;
            Ok(reason_id)
        })
    }
    fn update_reason(&mut self, reason_id: ReasonId, changes: &CatalogInput) -> StoreResult<()> {
        let db = self.db()?;
        let input = changes;
        db.execute(
            "UPDATE reasons SET name = coalesce($2::text, name), active = coalesce($3::boolean, active),
                    display_order = coalesce($4::bigint, display_order) WHERE reason_id = $1",
            &[&reason_id, &input.name, &input.active, &input.display_order],
        )?;
        if let Some(name) = &input.name {
            index_names(db, NamedKind::Reason, &[(reason_id.0, name)])?;
        }
        Ok(())
    }
    fn insert_status(&mut self, name: &str, category: StatusCategory, display_order: i64) -> StoreResult<StatusId> {
        let db = self.db()?;
        db.query_one(
            "INSERT INTO statuses (name, category, is_default, active, display_order) VALUES ($1, $2, false, true, $3)
                 RETURNING status_id",
            &[&name, &category.as_str(), &display_order],
        )?
        .col(0)
    }
    fn update_status(&mut self, status_id: StatusId, changes: &CatalogInput) -> StoreResult<()> {
        let db = self.db()?;
        let input = changes;
        if input.is_default == Some(true) {
            // `statuses_one_default` admits one default at any moment: the
            // others let go of it before this one takes it.
            clear_default(db, status_id)?;
        }
        db.execute(
            "UPDATE statuses SET name = coalesce($2::text, name), category = coalesce($3::text, category),
                    active = coalesce($4::boolean, active), display_order = coalesce($5::bigint, display_order),
                    is_default = coalesce($6::boolean, is_default)
             WHERE status_id = $1",
            &[
                &status_id,
                &input.name,
                &input.category.map(StatusCategory::as_str),
                &input.active,
                &input.display_order,
                &input.is_default,
            ],
        )?;
        Ok(())
    }
    fn clear_default_status(&mut self, except_id: StatusId) -> StoreResult<()> {
        clear_default(self.db()?, except_id)
    }
}
