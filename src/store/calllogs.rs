//! Call logs, their reason links and their events (comments + history).
//!
//! Every change appends rows to `log_events` and bumps `last_event_no` and
//! `modified_on` in the same transaction, so the history, the comment thread
//! and the ETag can never disagree with the log.

use crate::domain::calllogs::{
    changes_of, fts_any, fts_query, CallLog, CallLogFilter, CallLogUpdate, CategoryCounts, Comment, ExportRow,
    FieldChange, HistoryEntry, NewCallLog, SortField, UnitSummary,
};
use crate::domain::time::Stamp;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::catalog::{default_status, get_reason, get_status};
use crate::store::directory::{get_property, get_resident, get_unit, id_list_param};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::collections::HashMap;

/// Who makes a change, as recorded in events and comments.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: i64,
    pub display_name: String,
}

const LOG_COLUMNS: &str = "c.log_id, c.property_id, c.unit_id, c.resident_id, c.call_from, c.status_id, c.subject, \
     c.notes, c.taken_by, c.created_on, c.modified_on, c.last_event_no, c.deleted";

fn log_from_row(r: &Row) -> rusqlite::Result<CallLog> {
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

/// Fills reasons and comments of every log in two queries, whatever the count.
fn attach_details(conn: &Connection, logs: &mut [CallLog]) -> ApiResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = logs.iter().map(|l| l.log_id).collect();
    let ids = id_list_param(Some(&ids));
    let position: HashMap<i64, usize> = logs.iter().enumerate().map(|(i, l)| (l.log_id, i)).collect();

    let mut reasons = conn.prepare_cached(
        "SELECT log_id, reason_id FROM call_log_reasons WHERE log_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = reasons.query([&ids])?;
    while let Some(row) = rows.next()? {
        if let Some(i) = position.get(&row.get::<_, i64>(0)?) {
            logs[*i].log_reasons.push(row.get(1)?);
        }
    }
    let mut comments = conn.prepare_cached(
        "SELECT log_id, new_value, at, user_name, status_name FROM log_events
         WHERE log_id IN (SELECT value FROM json_each(?1)) AND kind = 'commented' ORDER BY log_id, event_no",
    )?;
    let mut rows = comments.query([&ids])?;
    while let Some(row) = rows.next()? {
        if let Some(i) = position.get(&row.get::<_, i64>(0)?) {
            logs[*i].old_comments.push(Comment {
                comment: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                date: Stamp(row.get(2)?),
                user: row.get(3)?,
                status: row.get(4)?,
            });
        }
    }
    Ok(())
}

/// A log with its reasons and comments, deleted or not (the caller decides).
pub fn get(conn: &Connection, log_id: i64) -> ApiResult<Option<CallLog>> {
    let log = conn
        .prepare_cached(&format!("SELECT {LOG_COLUMNS} FROM call_logs c WHERE c.log_id = ?1"))?
        .query_row([log_id], log_from_row)
        .optional()?;
    let Some(log) = log else { return Ok(None) };
    let mut logs = [log];
    attach_details(conn, &mut logs)?;
    let [log] = logs;
    Ok(Some(log))
}

struct EventRow<'a> {
    kind: &'a str,
    field: Option<&'a str>,
    old_value: Option<&'a str>,
    new_value: Option<&'a str>,
    status_name: Option<&'a str>,
}

impl<'a> EventRow<'a> {
    fn plain(kind: &'a str) -> Self {
        EventRow { kind, field: None, old_value: None, new_value: None, status_name: None }
    }
}

/// Appends events after `last_event_no` and stamps the log as modified.
fn record_events(
    conn: &Connection,
    log_id: i64,
    last_event_no: i64,
    events: &[EventRow],
    author: &Author,
    now: Stamp,
) -> ApiResult<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, field, old_value, new_value, status_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (i, e) in events.iter().enumerate() {
        insert.execute(params![
            log_id,
            last_event_no + 1 + i as i64,
            now.0,
            author.user_id,
            author.display_name,
            e.kind,
            e.field,
            e.old_value,
            e.new_value,
            e.status_name
        ])?;
    }
    conn.prepare_cached("UPDATE call_logs SET last_event_no = ?2, modified_on = ?3 WHERE log_id = ?1")?
        .execute(params![log_id, last_event_no + events.len() as i64, now.0])?;
    Ok(())
}

/// Checks every reference of a new log against the directory and catalog,
/// fills the defaults, and inserts it with its `created` (and first
/// `commented`) events.
pub fn create(conn: &Connection, input: NewCallLog, author: &Author, now: Stamp) -> ApiResult<CallLog> {
    let mut errors = Vec::new();
    let mut unit_id = input.unit_id;
    let mut call_from = input.call_from.clone();
    if get_property(conn, input.property_id)?.is_none() {
        errors.push(FieldError::new(
            "PropertyId",
            format!("refers to property {}, which does not exist", input.property_id),
        ));
    }
    if let Some(id) = input.unit_id {
        match get_unit(conn, id)? {
            None => errors.push(FieldError::new("UnitId", format!("refers to unit {id}, which does not exist"))),
            Some(u) if u.property_id != input.property_id => errors.push(FieldError::new(
                "UnitId",
                format!("refers to unit {id}, which belongs to property {}, not {}", u.property_id, input.property_id),
            )),
            Some(_) => {}
        }
    }
    if let Some(id) = input.resident_id {
        match get_resident(conn, id)? {
            None => {
                errors.push(FieldError::new("ResidentId", format!("refers to resident {id}, which does not exist")))
            }
            Some(r) if r.property_id != input.property_id => errors.push(FieldError::new(
                "ResidentId",
                format!("refers to resident {id}, who lives in property {}, not {}", r.property_id, input.property_id),
            )),
            Some(r) if input.unit_id.is_some_and(|u| u != r.unit_id) => errors.push(FieldError::new(
                "ResidentId",
                format!("refers to resident {id}, who lives in unit {}, not {}", r.unit_id, input.unit_id.unwrap_or(0)),
            )),
            Some(r) => {
                unit_id = Some(r.unit_id);
                // A linked resident's name is the caller; any CallFrom sent is ignored.
                call_from = Some(r.full_name());
            }
        }
    }
    let status = match input.status_id {
        Some(id) => match get_status(conn, id)? {
            Some(s) if s.active => Some(s),
            Some(_) => {
                errors.push(FieldError::new("ModuleStatusId", format!("refers to status {id}, which is inactive")));
                None
            }
            None => {
                errors.push(FieldError::new("ModuleStatusId", format!("{id} is not a call-log status")));
                None
            }
        },
        None => Some(default_status(conn)?),
    };
    for (i, reason_id) in input.reasons.iter().enumerate() {
        match get_reason(conn, *reason_id)? {
            Some(r) if r.active => {}
            Some(_) => {
                errors.push(FieldError::new(format!("LogReasons[{i}]"), format!("reason {reason_id} is inactive")))
            }
            None => errors
                .push(FieldError::new(format!("LogReasons[{i}]"), format!("{reason_id} is not a call-log reason"))),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::from_field_errors(errors, false));
    }
    let (Some(status), Some(call_from)) = (status, call_from) else {
        return Err(ApiError::missing("CallFrom is required when the call is not linked to a resident."));
    };
    let takenby = input.takenby.clone().unwrap_or_else(|| author.display_name.clone());
    conn.prepare_cached(
        "INSERT INTO call_logs (property_id, unit_id, resident_id, call_from, status_id, subject, notes, taken_by,
                created_on, modified_on, created_by, deleted, last_event_no)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 0)",
    )?
    .execute(params![
        input.property_id,
        unit_id,
        input.resident_id,
        call_from,
        status.module_status_id,
        input.subject,
        input.notes,
        takenby,
        input.created_on.unwrap_or(now).0,
        now.0,
        author.user_id
    ])?;
    let log_id = conn.last_insert_rowid();
    index_header(conn, log_id, &input.subject, &call_from, &takenby, input.notes.as_deref())?;
    if let Some(comment) = &input.comment {
        index_comment(conn, log_id, 2, comment)?; // event 1 is 'created', 2 this comment
    }
    let mut link = conn.prepare_cached("INSERT INTO call_log_reasons (log_id, reason_id) VALUES (?1, ?2)")?;
    for reason_id in &input.reasons {
        link.execute([log_id, *reason_id])?;
    }
    let mut events = vec![EventRow::plain("created")];
    if let Some(comment) = &input.comment {
        events.push(EventRow {
            kind: "commented",
            field: None,
            old_value: None,
            new_value: Some(comment),
            status_name: Some(&status.name),
        });
    }
    record_events(conn, log_id, 0, &events, author, now)?;
    get(conn, log_id)?.ok_or_else(|| ApiError::internal("created call log vanished"))
}

/// The log an `Idempotency-Key` of this user already created within 24 h.
pub fn find_idempotent(conn: &Connection, user_id: i64, key: &str, now: Stamp) -> ApiResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT log_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_on > ?3")?
        .query_row(params![user_id, key, now.plus_seconds(-24 * 3600).0], |r| r.get(0))
        .optional()?)
}

pub fn remember_idempotent(conn: &Connection, user_id: i64, key: &str, log_id: i64, now: Stamp) -> ApiResult<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (user_id, key, log_id, created_on) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, key) DO UPDATE SET log_id = excluded.log_id, created_on = excluded.created_on",
    )?
    .execute(params![user_id, key, log_id, now.0])?;
    // Keep the table small: forget keys past their window now and then.
    if log_id % 64 == 0 {
        conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_on <= ?1")?
            .execute([now.plus_seconds(-24 * 3600).0])?;
    }
    Ok(())
}

/// Applies an update to `current` (live, already authorized and If-Match
/// checked): one `updated` event per changed field, then the comment.
/// Returns whether anything changed.
pub fn apply_update(
    conn: &Connection,
    current: &CallLog,
    update: &CallLogUpdate,
    author: &Author,
    now: Stamp,
) -> ApiResult<bool> {
    let status_after = match update.status_id {
        Some(id) if id != current.module_status_id => match get_status(conn, id)? {
            Some(s) if s.active => s,
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "ModuleStatusId",
                    &format!("refers to status {id}, which is inactive"),
                ))
            }
            None => return Err(ApiError::invalid_field("ModuleStatusId", &format!("{id} is not a call-log status"))),
        },
        _ => get_status(conn, current.module_status_id)?
            .ok_or_else(|| ApiError::internal(format!("call log {} has an unknown status", current.log_id)))?,
    };
    let changes: Vec<FieldChange> = changes_of(current, update);
    if changes.is_empty() && update.comment.is_none() {
        return Ok(false);
    }
    for change in &changes {
        match change.field {
            "Notes" => conn
                .prepare_cached("UPDATE call_logs SET notes = ?2 WHERE log_id = ?1")?
                .execute(params![current.log_id, change.new_value])?,
            _ => conn
                .prepare_cached("UPDATE call_logs SET status_id = ?2 WHERE log_id = ?1")?
                .execute(params![current.log_id, status_after.module_status_id])?,
        };
    }
    let mut events: Vec<EventRow> = changes
        .iter()
        .map(|c| EventRow {
            kind: "updated",
            field: Some(c.field),
            old_value: c.old_value.as_deref(),
            new_value: c.new_value.as_deref(),
            status_name: None,
        })
        .collect();
    if let Some(comment) = &update.comment {
        events.push(EventRow {
            kind: "commented",
            field: None,
            old_value: None,
            new_value: Some(comment),
            status_name: Some(&status_after.name),
        });
    }
    record_events(conn, current.log_id, current.last_event_no, &events, author, now)?;
    if let Some(notes) = changes.iter().find(|c| c.field == "Notes") {
        conn.prepare_cached("DELETE FROM call_log_search WHERE rowid = ?1")?
            .execute([search_rowid(current.log_id, 0)])?;
        let (subject, from, taker) = (&current.subject, &current.call_from, &current.takenby);
        index_header(conn, current.log_id, subject, from, taker, notes.new_value.as_deref())?;
    }
    if let Some(comment) = &update.comment {
        // The comment is the last event recorded above.
        index_comment(conn, current.log_id, current.last_event_no + events.len() as i64, comment)?;
    }
    Ok(true)
}

/// Bits of a search rowid below the log id: room for 16M events per log.
const SEARCH_EVENT_BITS: i64 = 24;

fn search_rowid(log_id: i64, event_no: i64) -> i64 {
    (log_id << SEARCH_EVENT_BITS) | (event_no & ((1 << SEARCH_EVENT_BITS) - 1))
}

/// The searchable text of a log that is not in its comments.
fn index_header(
    conn: &Connection,
    log_id: i64,
    subject: &str,
    call_from: &str,
    takenby: &str,
    notes: Option<&str>,
) -> ApiResult<()> {
    let body = format!("{subject}\n{call_from}\n{takenby}\n{}", notes.unwrap_or(""));
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) VALUES (?1, ?2)")?
        .execute(params![search_rowid(log_id, 0), body])?;
    Ok(())
}

fn index_comment(conn: &Connection, log_id: i64, event_no: i64, comment: &str) -> ApiResult<()> {
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) VALUES (?1, ?2)")?
        .execute(params![search_rowid(log_id, event_no), comment])?;
    Ok(())
}

/// Soft delete (`deleted = true`) or restore, with its event.
pub fn set_deleted(conn: &Connection, current: &CallLog, deleted: bool, author: &Author, now: Stamp) -> ApiResult<()> {
    conn.prepare_cached("UPDATE call_logs SET deleted = ?2 WHERE log_id = ?1")?
        .execute(params![current.log_id, deleted])?;
    let kind = if deleted { "deleted" } else { "restored" };
    record_events(conn, current.log_id, current.last_event_no, &[EventRow::plain(kind)], author, now)
}

pub fn history(conn: &Connection, log_id: i64, limit: i64, offset: i64) -> ApiResult<(i64, Vec<HistoryEntry>)> {
    let total: i64 =
        conn.prepare_cached("SELECT count(*) FROM log_events WHERE log_id = ?1")?.query_row([log_id], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT at, user_name, kind, field, old_value, new_value FROM log_events
         WHERE log_id = ?1 ORDER BY event_no LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt
        .query_map([log_id, limit, offset], |r| {
            Ok(HistoryEntry {
                date: Stamp(r.get(0)?),
                user: r.get(1)?,
                action: r.get(2)?,
                field: r.get(3)?,
                old_value: r.get(4)?,
                new_value: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok((total, rows))
}

/// Whether a list query counts its matches or reads one page of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListPart {
    Count,
    Page,
}

/// The parts of a list query over `call_logs c`: the `FROM` (with the
/// search ranking joined when ordering by relevance), `WHERE` and
/// `ORDER BY`, and the parameters they number.
pub struct ListQuery {
    pub from: String,
    pub conditions: String,
    pub order: String,
    pub values: Vec<SqlValue>,
}

/// Collects parameters and hands out their `?N` placeholders.
#[derive(Default)]
struct Binder {
    values: Vec<SqlValue>,
}

impl Binder {
    fn bind(&mut self, value: SqlValue) -> String {
        self.values.push(value);
        format!("?{}", self.values.len())
    }

    fn bind_ids(&mut self, ids: &[i64]) -> String {
        self.bind(SqlValue::Text(id_list_param(Some(ids)).unwrap_or_default()))
    }
}

/// Builds a list query. Only the filters present appear, so SQLite plans
/// each shape on its best index.
pub fn list_clauses(filter: &CallLogFilter, part: ListPart) -> ListQuery {
    let mut b = Binder::default();
    let mut conditions = vec!["c.deleted = 0".to_string()];
    // A property filter was authorized against the scope already and narrows
    // more. Unit and resident filters keep the scope: a resident who moved
    // keeps old logs under the old property, which the caller may not see.
    let scope = filter.scope.as_ref().filter(|_| filter.property_id.is_none());
    match scope.map(Vec::as_slice) {
        None => {}
        Some([only]) => conditions.push(format!("c.property_id = {}", b.bind(SqlValue::Integer(*only)))),
        Some(several) => {
            // Counting seeks each property on its index. A page instead walks
            // the sort order's index and stops after one page ('+' keeps
            // SQLite off the property index, which would sort every match).
            let plus = if part == ListPart::Page { "+" } else { "" };
            conditions.push(format!("{plus}c.property_id IN (SELECT value FROM json_each({}))", b.bind_ids(several)));
        }
    }
    if let Some(id) = filter.property_id {
        conditions.push(format!("c.property_id = {}", b.bind(SqlValue::Integer(id))));
    }
    if let Some(id) = filter.unit_id {
        conditions.push(format!("c.unit_id = {}", b.bind(SqlValue::Integer(id))));
    }
    if let Some(id) = filter.resident_id {
        conditions.push(format!("c.resident_id = {}", b.bind(SqlValue::Integer(id))));
    }
    if let Some(ids) = &filter.statuses {
        // Counting may use the (property_id, status_id) index; a page keeps to
        // its sort order's index and checks the status row by row.
        let plus = if part == ListPart::Page { "+" } else { "" };
        conditions.push(format!("{plus}c.status_id IN (SELECT value FROM json_each({}))", b.bind_ids(ids)));
    }
    if let Some(ids) = &filter.reasons {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM call_log_reasons r WHERE r.log_id = c.log_id AND r.reason_id IN (SELECT value FROM json_each({})))",
            b.bind_ids(ids)
        ));
    }
    if let Some(name) = &filter.takenby {
        conditions.push(format!("casefold(c.taken_by) = {}", b.bind(SqlValue::Text(name.clone()))));
    }
    if let Some(from) = filter.from {
        conditions.push(format!("c.created_on >= {}", b.bind(SqlValue::Integer(from.0))));
    }
    if let Some(to) = filter.to {
        conditions.push(format!("c.created_on < {}", b.bind(SqlValue::Integer(to.0))));
    }
    if let Some(since) = filter.modified_since {
        conditions.push(format!("c.modified_on >= {}", b.bind(SqlValue::Integer(since.0))));
    }
    let direction = if filter.descending { "DESC" } else { "ASC" };
    let mut from = "call_logs c".to_string();
    let mut order = match filter.sort {
        SortField::ModifiedOn => format!("c.modified_on {direction}, c.log_id {direction}"),
        SortField::LogId => format!("c.log_id {direction}"),
        SortField::CreatedOn | SortField::Relevance => format!("c.created_on {direction}, c.log_id {direction}"),
    };
    if let Some(words) = &filter.search {
        // Every word must match the log: its header or any of its comments.
        for word in words {
            conditions.push(format!(
                "c.log_id IN (SELECT rowid >> {SEARCH_EVENT_BITS} FROM call_log_search WHERE call_log_search MATCH {})",
                b.bind(SqlValue::Text(fts_query(std::slice::from_ref(word))))
            ));
        }
        if filter.sort == SortField::Relevance && part == ListPart::Page {
            // A log scores as its best-matching row, in one pass of the index.
            from = format!(
                "call_logs c JOIN (SELECT rowid >> {SEARCH_EVENT_BITS} AS log_id, min(rank) AS score FROM call_log_search
                                   WHERE call_log_search MATCH {} GROUP BY 1) m ON m.log_id = c.log_id",
                b.bind(SqlValue::Text(fts_any(words)))
            );
            order = format!("m.score, c.log_id {direction}");
        }
    }
    ListQuery { from, conditions: conditions.join(" AND "), order, values: b.values }
}

/// One page of logs matching `filter`, with the total count of matches.
pub fn list(conn: &Connection, filter: &CallLogFilter, limit: i64, offset: i64) -> ApiResult<(i64, Vec<CallLog>)> {
    let count = list_clauses(filter, ListPart::Count);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {} WHERE {}", count.from, count.conditions))?
        .query_row(params_from_iter(count.values.iter()), |r| r.get(0))?;
    let ListQuery { from, conditions, order, mut values } = list_clauses(filter, ListPart::Page);
    let n = values.len();
    values.push(SqlValue::Integer(limit));
    values.push(SqlValue::Integer(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LOG_COLUMNS} FROM {from} WHERE {conditions} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let mut logs: Vec<CallLog> =
        stmt.query_map(params_from_iter(values.iter()), log_from_row)?.collect::<Result<_, _>>()?;
    attach_details(conn, &mut logs)?;
    Ok((total, logs))
}

/// The counting columns of a summary over `call_logs c` joined to `statuses s`.
const CATEGORY_COUNTS: &str = "count(c.log_id), \
     coalesce(sum(s.category = 'open'), 0), coalesce(sum(s.category = 'pending'), 0), \
     coalesce(sum(s.category = 'closed'), 0)";

fn counts_from(r: &Row, first: usize) -> rusqlite::Result<CategoryCounts> {
    Ok(CategoryCounts {
        call_logs: r.get(first)?,
        open_call_logs: r.get(first + 1)?,
        pending_call_logs: r.get(first + 2)?,
        closed_call_logs: r.get(first + 3)?,
    })
}

/// A property's live call logs counted by status category.
pub fn property_counts(conn: &Connection, property_id: i64) -> ApiResult<CategoryCounts> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CATEGORY_COUNTS} FROM call_logs c JOIN statuses s ON s.status_id = c.status_id
             WHERE c.deleted = 0 AND c.property_id = ?1"
        ))?
        .query_row([property_id], |r| counts_from(r, 0))?)
}

/// Every unit of a property (in display order), with its live call logs
/// counted by status category; units without calls count zero.
pub fn unit_counts(conn: &Connection, property_id: i64) -> ApiResult<Vec<UnitSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT u.unit_id, {CATEGORY_COUNTS} FROM units u
         LEFT JOIN call_logs c ON c.unit_id = u.unit_id AND c.deleted = 0
         LEFT JOIN statuses s ON s.status_id = c.status_id
         WHERE u.property_id = ?1
         GROUP BY u.unit_id
         ORDER BY u.display_order IS NULL, u.display_order, u.unit_number, u.unit_id"
    ))?;
    let rows = stmt
        .query_map([property_id], |r| Ok(UnitSummary { unit_id: r.get(0)?, counts: counts_from(r, 1)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Walks every log matching `filter` (no paging), in the list's order,
/// handing each to `sink` until it answers false. One query, one pass: the
/// rows are never all in memory.
pub fn export(conn: &Connection, filter: &CallLogFilter, mut sink: impl FnMut(ExportRow) -> bool) -> ApiResult<()> {
    let ListQuery { from, conditions, order, values } = list_clauses(filter, ListPart::Page);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.log_id, c.created_on, c.property_id, c.unit_id, c.resident_id, c.call_from, st.name,
                (SELECT group_concat(name, '; ') FROM
                    (SELECT rs.name FROM call_log_reasons lr JOIN reasons rs ON rs.reason_id = lr.reason_id
                     WHERE lr.log_id = c.log_id ORDER BY rs.display_order, rs.name)),
                c.subject, c.notes, c.taken_by,
                (SELECT count(*) FROM log_events e WHERE e.log_id = c.log_id AND e.kind = 'commented'),
                (SELECT e.new_value FROM log_events e WHERE e.log_id = c.log_id AND e.kind = 'commented'
                 ORDER BY e.event_no DESC LIMIT 1),
                c.modified_on
         FROM {from} JOIN statuses st ON st.status_id = c.status_id
         WHERE {conditions} ORDER BY {order}"
    ))?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    while let Some(r) = rows.next()? {
        let row = ExportRow {
            log_id: r.get(0)?,
            created_on: Stamp(r.get(1)?),
            property_id: r.get(2)?,
            unit_id: r.get(3)?,
            resident_id: r.get(4)?,
            call_from: r.get(5)?,
            status: r.get(6)?,
            reasons: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            subject: r.get(8)?,
            notes: r.get(9)?,
            takenby: r.get(10)?,
            comment_count: r.get(11)?,
            last_comment: r.get(12)?,
            modified_on: Stamp(r.get(13)?),
        };
        if !sink(row) {
            break;
        }
    }
    Ok(())
}
