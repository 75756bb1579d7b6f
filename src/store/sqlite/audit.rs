//! The admin audit, and the counter of credential changes a running server watches.

use super::SqliteTx;
use crate::domain::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::domain::ids::UserId;
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::{AuditReads, AuditWrites};
use crate::store::{StoreError, StoreResult};
use rusqlite::{params, params_from_iter, Connection};

pub fn insert(conn: &Connection, entry: &AuditEntry) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO admin_audit (at, user_id, user_name, action, target, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        entry.at.0,
        entry.user_id,
        entry.user_name,
        entry.action.as_str(),
        entry.target,
        entry.details
    ])?;
    Ok(())
}

/// The WHERE clause of a listing and its values: only the conditions given,
/// so that SQLite seeks `admin_audit_by_user` for an actor and
/// `admin_audit_by_time` for a time range (tests check the plans).
pub fn conditions(filter: &AuditFilter) -> (String, Vec<i64>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(user_id) = filter.user_id {
        clauses.push("user_id = ?");
        values.push(user_id.0);
    }
    if let Some(from) = filter.from {
        clauses.push("at >= ?");
        values.push(from.0);
    }
    if let Some(to) = filter.to {
        clauses.push("at < ?");
        values.push(to.0);
    }
    if clauses.is_empty() {
        clauses.push("1");
    }
    (clauses.join(" AND "), values)
}

/// The order of a listing: newest first.
pub const ORDER: &str = "at DESC, audit_id DESC";

/// One page of the entries matching `filter`, newest first, and how many match.
pub fn page(conn: &Connection, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<AuditEntry>)> {
    let (conditions, mut values) = conditions(filter);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM admin_audit WHERE {conditions}"))?
        .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
    values.extend([limit, offset]);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT at, user_id, user_name, action, target, details FROM admin_audit WHERE {conditions}
         ORDER BY {ORDER} LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<UserId>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (at, user_id, user_name, action, target, details) = row?;
        let action = action
            .parse::<AuditAction>()
            .map_err(|_| StoreError::Failed(format!("the audit holds an unknown action {action:?}")))?;
        entries.push(AuditEntry { at: Stamp(at), user_id, user_name, action, target, details });
    }
    Ok((total, entries))
}

/// How many credential changes the database has seen (kept by triggers).
pub fn credential_changes(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.prepare_cached("SELECT coalesce(max(changes), 0) FROM credential_changes")?.query_row([], |r| r.get(0))?)
}

impl AuditReads for SqliteTx<'_> {
    fn audit_page(&mut self, filter: &AuditFilter, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        self::page(self.conn, filter, page.size, page.offset())
    }
}

impl AuditWrites for SqliteTx<'_> {
    fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        insert(self.conn, entry)
    }
}
