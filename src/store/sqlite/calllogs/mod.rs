//! Call logs, their reason links and their events (comments + history).
//!
//! Every change appends rows to `log_events` and bumps `last_event_no` and
//! `modified_on` in the same transaction, so the history, the comment thread
//! and the ETag can never disagree with the log.
//!
//! Here: rows, events, the writes and the seam's call-log traits. Search
//! (the FTS index, its queue and the tiered planner) is in `search.rs`;
//! lists, counts and the export in `lists.rs`.

mod lists;
mod search;

pub use lists::*;
pub use search::*;

use super::fts::{fts_exact, fts_query};
use super::SqliteTx;
use crate::domain::calllogs::{
    folded_words, index_terms, prefix_upper_bound, stems_of, NamedKind, NamedMatches, SearchTerm, STEM_MARK,
};
use crate::domain::calllogs::{
    Author, CallLog, CallLogFilter, CallLogRow, CategoryCounts, Comment, EventKind, ExportRow, HistoryEntry, LogHead,
    NewEvent, RememberedKey, SortField, TrackedField, UnitSummary,
};
use crate::domain::ids::{LogId, PropertyId, ReasonId, StatusId, UserId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::sqlite::directory::id_list_param;
use crate::store::{CallLogReads, CallLogWrites};
use crate::store::{ExportCursor, StoreError, StoreResult};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::collections::HashMap;

use crate::store::shared::CALL_LOG_COLUMNS;

pub(super) fn log_from_row(r: &Row) -> rusqlite::Result<CallLog> {
    Ok(CallLog {
        log_id: r.get(0)?,
        property_id: r.get(1)?,
        unit_id: r.get(2)?,
        resident_id: r.get(3)?,
        call_from: r.get(4)?,
        module_status_id: r.get(5)?,
        subject: r.get(6)?,
        notes: r.get(7)?,
        takenby: r.get(8)?,
        created_on: Stamp(r.get(9)?),
        modified_on: Stamp(r.get(10)?),
        last_event_no: r.get(11)?,
        deleted: r.get(12)?,
        log_reasons: Vec::new(),
        old_comments: Vec::new(),
        new_comments: None,
    })
}

/// A comment from `new_value, at, user_name, status_name` starting at column `first`.
pub(super) fn comment_from_row(r: &Row, first: usize) -> rusqlite::Result<Comment> {
    Ok(Comment {
        comment: r.get::<_, Option<String>>(first)?.unwrap_or_default(),
        date: Stamp(r.get(first + 1)?),
        user: r.get(first + 2)?,
        status: r.get(first + 3)?,
    })
}

/// Fills reasons and comments of every log in two queries, whatever the count.
pub(super) fn attach_details(conn: &Connection, logs: &mut [CallLog]) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let ids: Vec<LogId> = logs.iter().map(|l| l.log_id).collect();
    let ids = id_list_param(Some(&ids));
    let position: HashMap<LogId, usize> = logs.iter().enumerate().map(|(i, l)| (l.log_id, i)).collect();

    let mut reasons = conn.prepare_cached(
        "SELECT log_id, reason_id FROM call_log_reasons WHERE log_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = reasons.query([&ids])?;
    while let Some(row) = rows.next()? {
        if let Some(i) = position.get(&row.get::<_, LogId>(0)?) {
            logs[*i].log_reasons.push(row.get(1)?);
        }
    }
    let mut comments = conn.prepare_cached(
        "SELECT log_id, new_value, at, user_name, status_name FROM log_events
         WHERE log_id IN (SELECT value FROM json_each(?1)) AND kind = 'commented' ORDER BY log_id, event_no",
    )?;
    let mut rows = comments.query([&ids])?;
    while let Some(row) = rows.next()? {
        if let Some(i) = position.get(&row.get::<_, LogId>(0)?) {
            logs[*i].old_comments.push(comment_from_row(row, 1)?);
        }
    }
    Ok(())
}

/// A log with its reasons and comments, deleted or not (the caller decides).
pub fn get(conn: &Connection, log_id: LogId) -> StoreResult<Option<CallLog>> {
    let log = conn
        .prepare_cached(&format!("SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE c.log_id = ?1"))?
        .query_row([log_id], log_from_row)
        .optional()?;
    let Some(mut log) = log else { return Ok(None) };
    // One log: its reasons and comments sought by its id (the list's
    // id-array form costs a temporary index per query).
    log.log_reasons = conn
        .prepare_cached("SELECT reason_id FROM call_log_reasons WHERE log_id = ?1")?
        .query_map([log_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    log.old_comments = conn
        .prepare_cached(
            "SELECT new_value, at, user_name, status_name FROM log_events
             WHERE log_id = ?1 AND kind = 'commented' ORDER BY event_no",
        )?
        .query_map([log_id], |r| comment_from_row(r, 0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(log))
}

/// Inserts a log and its search header; returns its id.
pub fn insert(conn: &Connection, row: &CallLogRow) -> StoreResult<LogId> {
    conn.prepare_cached(
        "INSERT INTO call_logs (property_id, unit_id, resident_id, call_from, status_id, subject, notes, taken_by,
                created_on, modified_on, created_by, deleted, last_event_no)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 0)",
    )?
    .execute(params![
        row.property_id,
        row.unit_id,
        row.resident_id,
        row.call_from,
        row.status_id,
        row.subject,
        row.notes,
        row.takenby,
        row.created_on.0,
        row.modified_on.0,
        row.created_by
    ])?;
    let log_id = LogId(conn.last_insert_rowid());
    index_header(conn, log_id, &row.subject, &row.call_from, &row.takenby, row.notes.as_deref(), HeaderIndexing::New)?;
    Ok(log_id)
}

/// Appends events after `after_event_no`, stamps the log as modified and
/// indexes each comment (one small append per comment, never a rewrite).
pub fn append_events(
    conn: &Connection,
    log_id: LogId,
    after_event_no: i64,
    events: &[NewEvent],
    author: &Author,
    now: Stamp,
) -> StoreResult<i64> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, field, old_value, new_value, status_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut event_no = after_event_no;
    for e in events {
        event_no += 1;
        insert.execute(params![
            log_id,
            event_no,
            now.0,
            author.user_id,
            author.display_name,
            e.kind.as_str(),
            e.field.map(|f| f.as_str()),
            e.old_value,
            e.new_value,
            e.status_name
        ])?;
        if let (EventKind::Commented, Some(text)) = (e.kind, &e.new_value) {
            index_comment(conn, log_id, event_no, text)?;
        }
    }
    let comments = events.iter().filter(|e| e.kind == EventKind::Commented).count() as i64;
    conn.prepare_cached(
        "UPDATE call_logs SET last_event_no = ?2, modified_on = ?3, comment_count = comment_count + ?4 WHERE log_id = ?1",
    )?
    .execute(params![log_id, event_no, now.0, comments])?;
    Ok(event_no)
}

/// Records the key's log and body (a key past its window, not yet
/// forgotten, is taken over).
pub fn remember_idempotent(
    conn: &Connection,
    user_id: UserId,
    key: &str,
    remembered: &RememberedKey,
    now: Stamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (user_id, key, log_id, created_on, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id, key) DO UPDATE SET log_id = excluded.log_id, created_on = excluded.created_on,
             fingerprint = excluded.fingerprint",
    )?
    .execute(params![user_id, key, remembered.log_id, now.0, remembered.fingerprint])?;
    Ok(())
}

pub fn history(conn: &Connection, log_id: LogId, limit: i64, offset: i64) -> StoreResult<(i64, Vec<HistoryEntry>)> {
    let total: i64 =
        conn.prepare_cached("SELECT count(*) FROM log_events WHERE log_id = ?1")?.query_row([log_id], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT at, user_name, kind, field, old_value, new_value FROM log_events
         WHERE log_id = ?1 ORDER BY event_no LIMIT ?2 OFFSET ?3",
    )?;
    let mut rows = stmt.query(params![log_id, limit, offset])?;
    let mut entries = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(2)?;
        let kind = kind
            .parse::<EventKind>()
            .map_err(|_| StoreError::Failed(format!("call log {log_id} has an event of unknown kind {kind:?}")))?;
        let field = match r.get::<_, Option<String>>(3)? {
            None => None,
            Some(text) => Some(text.parse::<TrackedField>().map_err(|_| {
                StoreError::Failed(format!("call log {log_id} has a change of unknown field {text:?}"))
            })?),
        };
        entries.push(HistoryEntry {
            date: Stamp(r.get(0)?),
            user: r.get(1)?,
            action: kind,
            field,
            old_value: r.get(4)?,
            new_value: r.get(5)?,
        });
    }
    Ok((total, entries))
}

impl CallLogReads for SqliteTx<'_> {
    fn call_log(&mut self, log_id: LogId) -> StoreResult<Option<CallLog>> {
        get(self.conn, log_id)
    }
    /// The columns a write's rules need: O(1) in the size of the log's thread.
    fn call_log_head(&mut self, log_id: LogId) -> StoreResult<Option<LogHead>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(
                "SELECT log_id, property_id, status_id, notes, deleted, last_event_no FROM call_logs WHERE log_id = ?1",
            )?
            .query_row([log_id], |r| {
                Ok(LogHead {
                    log_id: r.get(0)?,
                    property_id: r.get(1)?,
                    status_id: r.get(2)?,
                    notes: r.get(3)?,
                    deleted: r.get(4)?,
                    last_event_no: r.get(5)?,
                })
            })
            .optional()?)
    }
    fn history(&mut self, log_id: LogId, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)> {
        history(self.conn, log_id, page.size, page.offset())
    }
    fn list_call_logs(&mut self, filter: &CallLogFilter, page: Page) -> StoreResult<(i64, Vec<CallLog>)> {
        list(self.conn, filter, page.size, page.offset())
    }
    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
    ) -> StoreResult<Vec<ExportRow>> {
        export_chunk(self.conn, filter, after, limit)
    }
    fn property_counts(&mut self, property_id: PropertyId) -> StoreResult<CategoryCounts> {
        property_counts(self.conn, property_id)
    }
    fn unit_counts(&mut self, property_id: PropertyId) -> StoreResult<Vec<UnitSummary>> {
        unit_counts(self.conn, property_id)
    }
}

impl CallLogWrites for SqliteTx<'_> {
    /// What an `Idempotency-Key` of this user created at or after `since`.
    fn idempotent_log(&mut self, user_id: UserId, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(
                "SELECT log_id, fingerprint FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_on > ?3",
            )?
            .query_row(params![user_id, key, since.0], |r| {
                Ok(RememberedKey { log_id: r.get(0)?, fingerprint: r.get(1)? })
            })
            .optional()?)
    }
    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<LogId> {
        insert(self.conn, row)
    }
    fn link_reasons(&mut self, log_id: LogId, reason_ids: &[ReasonId]) -> StoreResult<()> {
        let conn = self.conn;
        let mut link = conn.prepare_cached("INSERT INTO call_log_reasons (log_id, reason_id) VALUES (?1, ?2)")?;
        for reason_id in reason_ids {
            link.execute(params![log_id, reason_id])?;
        }
        Ok(())
    }
    fn append_events(
        &mut self,
        log_id: LogId,
        after_event_no: i64,
        events: &[NewEvent],
        author: &Author,
        now: Stamp,
    ) -> StoreResult<i64> {
        append_events(self.conn, log_id, after_event_no, events, author, now)
    }
    /// New notes, and the log's search header rebuilt with them.
    fn set_notes(&mut self, log_id: LogId, notes: Option<&str>) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("UPDATE call_logs SET notes = ?2 WHERE log_id = ?1")?.execute(params![log_id, notes])?;
        let (subject, call_from, takenby): (String, String, String) = conn
            .prepare_cached("SELECT subject, call_from, taken_by FROM call_logs WHERE log_id = ?1")?
            .query_row([log_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        index_header(conn, log_id, &subject, &call_from, &takenby, notes, HeaderIndexing::Replace)
    }
    fn set_status(&mut self, log_id: LogId, status_id: StatusId) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("UPDATE call_logs SET status_id = ?2 WHERE log_id = ?1")?
            .execute(params![log_id, status_id])?;
        Ok(())
    }
    fn set_deleted(&mut self, log_id: LogId, deleted: bool) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("UPDATE call_logs SET deleted = ?2 WHERE log_id = ?1")?
            .execute(params![log_id, deleted])?;
        Ok(())
    }
    fn remember_idempotency_key(
        &mut self,
        user_id: UserId,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()> {
        remember_idempotent(self.conn, user_id, key, remembered, now)
    }
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_on <= ?1")?.execute([before.0])?;
        Ok(())
    }
}
