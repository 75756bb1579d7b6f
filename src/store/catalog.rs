//! Call-log statuses and reasons. Never deleted, only deactivated.

use crate::domain::catalog::{CallLogReason, CatalogInput, ModuleStatus, STATUS_MODULE};
use crate::error::{ApiError, ApiResult};
use rusqlite::{params, Connection, OptionalExtension, Row};

fn reason_from_row(r: &Row) -> rusqlite::Result<CallLogReason> {
    Ok(CallLogReason { call_log_reason_id: r.get(0)?, name: r.get(1)?, active: r.get(2)?, display_order: r.get(3)? })
}

fn status_from_row(r: &Row) -> rusqlite::Result<ModuleStatus> {
    Ok(ModuleStatus {
        module_status_id: r.get(0)?,
        module: STATUS_MODULE,
        name: r.get(1)?,
        category: r.get(2)?,
        is_default: r.get(3)?,
        active: r.get(4)?,
        display_order: r.get(5)?,
    })
}

pub fn list_reasons(conn: &Connection, include_inactive: bool) -> ApiResult<Vec<CallLogReason>> {
    let mut stmt = conn.prepare_cached(
        "SELECT reason_id, name, active, display_order FROM reasons WHERE active = 1 OR ?1
         ORDER BY display_order, name COLLATE NOCASE, reason_id",
    )?;
    let rows = stmt.query_map([include_inactive], reason_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get_reason(conn: &Connection, reason_id: i64) -> ApiResult<Option<CallLogReason>> {
    Ok(conn
        .prepare_cached("SELECT reason_id, name, active, display_order FROM reasons WHERE reason_id = ?1")?
        .query_row([reason_id], reason_from_row)
        .optional()?)
}

/// Names are unique ignoring case, beyond ASCII too (`Émergency` = `émergency`);
/// the column's NOCASE folds ASCII only, so compare with `casefold`.
fn name_taken(conn: &Connection, table: &str, id_column: &str, name: &str, except_id: i64) -> ApiResult<bool> {
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE casefold(name) = ?1 AND {id_column} <> ?2"))?
        .exists(params![name.to_lowercase(), except_id])?)
}

fn next_display_order(conn: &Connection, table: &str) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached(&format!("SELECT coalesce(max(display_order), 0) + 1 FROM {table}"))?
        .query_row([], |r| r.get(0))?)
}

pub fn insert_reason(conn: &Connection, input: &CatalogInput) -> ApiResult<CallLogReason> {
    let name = input.name.as_deref().ok_or_else(|| ApiError::missing("Name is required."))?;
    if name_taken(conn, "reasons", "reason_id", name, 0)? {
        return Err(ApiError::invalid_operation(format!(
            "A reason named {name:?} already exists (names ignore case)."
        )));
    }
    let order = match input.display_order {
        Some(o) => o,
        None => next_display_order(conn, "reasons")?,
    };
    conn.prepare_cached("INSERT INTO reasons (name, active, display_order) VALUES (?1, 1, ?2)")?
        .execute(params![name, order])?;
    get_reason(conn, conn.last_insert_rowid())?.ok_or_else(|| ApiError::internal("inserted reason vanished"))
}

pub fn update_reason(conn: &Connection, reason_id: i64, input: &CatalogInput) -> ApiResult<CallLogReason> {
    get_reason(conn, reason_id)?
        .ok_or_else(|| ApiError::not_found(format!("There is no call-log reason {reason_id}.")))?;
    if let Some(name) = &input.name {
        if name_taken(conn, "reasons", "reason_id", name, reason_id)? {
            return Err(ApiError::invalid_operation(format!(
                "A reason named {name:?} already exists (names ignore case)."
            )));
        }
    }
    conn.prepare_cached(
        "UPDATE reasons SET name = coalesce(?2, name), active = coalesce(?3, active),
                display_order = coalesce(?4, display_order) WHERE reason_id = ?1",
    )?
    .execute(params![reason_id, input.name, input.active, input.display_order])?;
    get_reason(conn, reason_id)?.ok_or_else(|| ApiError::internal("updated reason vanished"))
}

const STATUS_COLUMNS: &str = "status_id, name, category, is_default, active, display_order";

pub fn list_statuses(conn: &Connection, include_inactive: bool) -> ApiResult<Vec<ModuleStatus>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STATUS_COLUMNS} FROM statuses WHERE active = 1 OR ?1 ORDER BY display_order, name COLLATE NOCASE, status_id"
    ))?;
    let rows = stmt.query_map([include_inactive], status_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get_status(conn: &Connection, status_id: i64) -> ApiResult<Option<ModuleStatus>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {STATUS_COLUMNS} FROM statuses WHERE status_id = ?1"))?
        .query_row([status_id], status_from_row)
        .optional()?)
}

pub fn default_status(conn: &Connection) -> ApiResult<ModuleStatus> {
    conn.prepare_cached(&format!(
        "SELECT {STATUS_COLUMNS} FROM statuses WHERE is_default = 1 ORDER BY status_id LIMIT 1"
    ))?
    .query_row([], status_from_row)
    .optional()?
    .ok_or_else(|| ApiError::internal("no default call-log status"))
}

fn clear_default(conn: &Connection, except_id: i64) -> ApiResult<()> {
    conn.prepare_cached("UPDATE statuses SET is_default = 0 WHERE is_default = 1 AND status_id <> ?1")?
        .execute([except_id])?;
    Ok(())
}

pub fn insert_status(conn: &Connection, input: &CatalogInput) -> ApiResult<ModuleStatus> {
    let name = input.name.as_deref().ok_or_else(|| ApiError::missing("Name is required."))?;
    let category = input.category.as_deref().ok_or_else(|| ApiError::missing("Category is required."))?;
    if name_taken(conn, "statuses", "status_id", name, 0)? {
        return Err(ApiError::invalid_operation(format!(
            "A status named {name:?} already exists (names ignore case)."
        )));
    }
    let order = match input.display_order {
        Some(o) => o,
        None => next_display_order(conn, "statuses")?,
    };
    conn.prepare_cached(
        "INSERT INTO statuses (name, category, is_default, active, display_order) VALUES (?1, ?2, 0, 1, ?3)",
    )?
    .execute(params![name, category, order])?;
    let id = conn.last_insert_rowid();
    if input.is_default == Some(true) {
        clear_default(conn, id)?;
        conn.prepare_cached("UPDATE statuses SET is_default = 1 WHERE status_id = ?1")?.execute([id])?;
    }
    get_status(conn, id)?.ok_or_else(|| ApiError::internal("inserted status vanished"))
}

/// Applies a change already checked against the default rules; making this
/// status the default clears the previous one in the same transaction.
pub fn update_status(conn: &Connection, status_id: i64, input: &CatalogInput) -> ApiResult<ModuleStatus> {
    if let Some(name) = &input.name {
        if name_taken(conn, "statuses", "status_id", name, status_id)? {
            return Err(ApiError::invalid_operation(format!(
                "A status named {name:?} already exists (names ignore case)."
            )));
        }
    }
    if input.is_default == Some(true) {
        clear_default(conn, status_id)?;
    }
    conn.prepare_cached(
        "UPDATE statuses SET name = coalesce(?2, name), category = coalesce(?3, category), active = coalesce(?4, active),
                display_order = coalesce(?5, display_order), is_default = coalesce(?6, is_default)
         WHERE status_id = ?1",
    )?
    .execute(params![status_id, input.name, input.category, input.active, input.display_order, input.is_default])?;
    get_status(conn, status_id)?.ok_or_else(|| ApiError::internal("updated status vanished"))
}

/// Every id of `ids` that is not in `table` (statuses or reasons).
pub fn unknown_ids(conn: &Connection, table: &str, ids: &[i64]) -> ApiResult<Vec<i64>> {
    let id_column = if table == "statuses" { "status_id" } else { "reason_id" };
    let mut stmt = conn.prepare_cached(&format!("SELECT 1 FROM {table} WHERE {id_column} = ?1"))?;
    let mut unknown = Vec::new();
    for id in ids {
        if !stmt.exists([id])? {
            unknown.push(*id);
        }
    }
    Ok(unknown)
}
