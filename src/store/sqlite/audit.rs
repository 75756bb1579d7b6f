//! The admin audit, and the counter of credential changes a running server watches.

use crate::domain::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::domain::time::Stamp;
use crate::store::{StoreError, StoreResult};
use rusqlite::{params, Connection};

pub fn insert(conn: &Connection, entry: &AuditEntry) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO admin_audit (at, user_id, user_name, action, target, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![entry.at.0, entry.user_id, entry.user_name, entry.action.as_str(), entry.target, entry.details])?;
    Ok(())
}

/// One page of the entries matching `filter`, newest first, and how many match.
pub fn page(conn: &Connection, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<AuditEntry>)> {
    // NULL bounds and actor mean "any"; the indexes on (at) and (user_id, at) serve both shapes.
    const MATCHES: &str = "(?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)";
    let (from, to) = (filter.from.map(|s| s.0), filter.to.map(|s| s.0));
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM admin_audit WHERE {MATCHES}"))?
        .query_row(params![filter.user_id, from, to], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT at, user_id, user_name, action, target, details FROM admin_audit WHERE {MATCHES}
         ORDER BY at DESC, audit_id DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt.query_map(
        params![filter.user_id, from, to, limit, offset],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        },
    )?;
    let mut entries = Vec::new();
    for row in rows {
        let (at, user_id, user_name, action, target, details) = row?;
        let action = AuditAction::parse(&action)
            .ok_or_else(|| StoreError::Failed(format!("the audit holds an unknown action {action:?}")))?;
        entries.push(AuditEntry { at: Stamp(at), user_id, user_name, action, target, details });
    }
    Ok((total, entries))
}

/// How many credential changes the database has seen (kept by triggers).
pub fn credential_changes(conn: &Connection) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(changes), 0) FROM credential_changes")?
        .query_row([], |r| r.get(0))?)
}
