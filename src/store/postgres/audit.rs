//! The admin audit on PostgreSQL (the twin of `sqlite/audit.rs`).
//!
//! The counter of credential changes is not here: on PostgreSQL every
//! instance hears of them by LISTEN (`listener.rs`), not from a table.

use super::db::Db;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::{AuditReads, AuditWrites};
use crate::store::{StoreError, StoreResult};
use ::postgres::types::ToSql;

pub fn insert(db: &mut Db, entry: &AuditEntry) -> StoreResult<()> {
    db.execute(
        "INSERT INTO admin_audit (at, user_id, user_name, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&entry.at.0, &entry.user_id, &entry.user_name, &entry.action.as_str(), &entry.target, &entry.details],
    )?;
    Ok(())
}

/// The WHERE clause of a listing and its values: only the conditions given,
/// so that PostgreSQL can use `admin_audit_by_user` for an actor and
/// `admin_audit_by_time` for a time range.
fn conditions(filter: &AuditFilter) -> (String, Vec<i64>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut add = |column: &str, value: i64| {
        values.push(value);
        clauses.push(format!("{column} ${}", values.len()));
    };
    if let Some(user_id) = filter.user_id {
        add("user_id =", user_id.0);
    }
    if let Some(from) = filter.from {
        add("at >=", from.0);
    }
    if let Some(to) = filter.to {
        add("at <", to.0);
    }
    if clauses.is_empty() {
        clauses.push("true".into());
    }
    (clauses.join(" AND "), values)
}

/// The order of a listing: newest first.
const ORDER: &str = "at DESC, audit_id DESC";

/// One page of the entries matching `filter`, newest first, and how many match.
pub fn page(db: &mut Db, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<AuditEntry>)> {
    let (conditions, mut values) = conditions(filter);
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    let total: i64 = db.query_one(&format!("SELECT count(*) FROM admin_audit WHERE {conditions}"), &params)?.col(0)?;
    let n = values.len();
    values.extend([limit, offset]);
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    let rows = db.query(
        &format!(
            "SELECT at, user_id, user_name, action, target, details FROM admin_audit WHERE {conditions}
             ORDER BY {ORDER} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ),
        &params,
    )?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let action: String = row.col(3)?;
        let action = action
            .parse::<AuditAction>()
            .map_err(|_| StoreError::Failed(format!("the audit holds an unknown action {action:?}")))?;
        entries.push(AuditEntry {
            at: Stamp(row.col(0)?),
            user_id: row.col(1)?,
            user_name: row.col(2)?,
            action,
            target: row.col(4)?,
            details: row.col(5)?,
        });
    }
    Ok((total, entries))
}

impl AuditReads for PgTx<'_> {
    fn audit_page(&mut self, filter: &AuditFilter, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        self::page(self.db()?, filter, page.size, page.offset())
    }
}

impl AuditWrites for PgTx<'_> {
    fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        insert(self.db()?, entry)
    }
}
