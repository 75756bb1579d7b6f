//! Call logs, their reason links and their events (comments + history).
//!
//! Every change appends rows to `log_events` and bumps `last_event_no` and
//! `modified_on` in the same transaction, so the history, the comment thread
//! and the ETag can never disagree with the log.

use crate::domain::calllogs::{
    fts_query, Author, CallLog, CallLogFilter, CallLogRow, CategoryCounts, Comment, EventKind, ExportRow, HistoryEntry,
    LogHead, NewEvent, SortField, TrackedField, UnitSummary,
};
use crate::domain::time::Stamp;
use crate::store::sqlite::directory::id_list_param;
use crate::store::{ExportCursor, StoreError, StoreResult};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::collections::HashMap;

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

/// A comment from `new_value, at, user_name, status_name` starting at column `first`.
fn comment_from_row(r: &Row, first: usize) -> rusqlite::Result<Comment> {
    Ok(Comment {
        comment: r.get::<_, Option<String>>(first)?.unwrap_or_default(),
        date: Stamp(r.get(first + 1)?),
        user: r.get(first + 2)?,
        status: r.get(first + 3)?,
    })
}

/// Fills reasons and comments of every log in two queries, whatever the count.
fn attach_details(conn: &Connection, logs: &mut [CallLog]) -> StoreResult<()> {
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
            logs[*i].old_comments.push(comment_from_row(row, 1)?);
        }
    }
    Ok(())
}

/// A log with its reasons and comments, deleted or not (the caller decides).
pub fn get(conn: &Connection, log_id: i64) -> StoreResult<Option<CallLog>> {
    let log = conn
        .prepare_cached(&format!("SELECT {LOG_COLUMNS} FROM call_logs c WHERE c.log_id = ?1"))?
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

/// The columns a write's rules need: O(1) in the size of the log's thread.
pub fn head(conn: &Connection, log_id: i64) -> StoreResult<Option<LogHead>> {
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

/// Inserts a log and its search header; returns its id.
pub fn insert(conn: &Connection, row: &CallLogRow) -> StoreResult<i64> {
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
    let log_id = conn.last_insert_rowid();
    index_header(conn, log_id, &row.subject, &row.call_from, &row.takenby, row.notes.as_deref(), HeaderIndexing::New)?;
    Ok(log_id)
}

pub fn link_reasons(conn: &Connection, log_id: i64, reason_ids: &[i64]) -> StoreResult<()> {
    let mut link = conn.prepare_cached("INSERT INTO call_log_reasons (log_id, reason_id) VALUES (?1, ?2)")?;
    for reason_id in reason_ids {
        link.execute([log_id, *reason_id])?;
    }
    Ok(())
}

/// Appends events after `after_event_no`, stamps the log as modified and
/// indexes each comment (one small append per comment, never a rewrite).
pub fn append_events(
    conn: &Connection,
    log_id: i64,
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
    conn.prepare_cached("UPDATE call_logs SET last_event_no = ?2, modified_on = ?3 WHERE log_id = ?1")?
        .execute(params![log_id, event_no, now.0])?;
    Ok(event_no)
}

/// New notes, and the log's search header rebuilt with them.
pub fn set_notes(conn: &Connection, log_id: i64, notes: Option<&str>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE call_logs SET notes = ?2 WHERE log_id = ?1")?.execute(params![log_id, notes])?;
    let (subject, call_from, takenby): (String, String, String) = conn
        .prepare_cached("SELECT subject, call_from, taken_by FROM call_logs WHERE log_id = ?1")?
        .query_row([log_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    index_header(conn, log_id, &subject, &call_from, &takenby, notes, HeaderIndexing::Replace)
}

pub fn set_status(conn: &Connection, log_id: i64, status_id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE call_logs SET status_id = ?2 WHERE log_id = ?1")?.execute([log_id, status_id])?;
    Ok(())
}

pub fn set_deleted(conn: &Connection, log_id: i64, deleted: bool) -> StoreResult<()> {
    conn.prepare_cached("UPDATE call_logs SET deleted = ?2 WHERE log_id = ?1")?.execute(params![log_id, deleted])?;
    Ok(())
}

/// The log an `Idempotency-Key` of this user created at or after `since`.
pub fn find_idempotent(conn: &Connection, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT log_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_on > ?3")?
        .query_row(params![user_id, key, since.0], |r| r.get(0))
        .optional()?)
}

pub fn remember_idempotent(conn: &Connection, user_id: i64, key: &str, log_id: i64, now: Stamp) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (user_id, key, log_id, created_on) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, key) DO UPDATE SET log_id = excluded.log_id, created_on = excluded.created_on",
    )?
    .execute(params![user_id, key, log_id, now.0])?;
    Ok(())
}

pub fn forget_idempotent_before(conn: &Connection, before: Stamp) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_on <= ?1")?.execute([before.0])?;
    Ok(())
}

/// Bits of a search rowid below the log id: room for 16M events per log.
const SEARCH_EVENT_BITS: i64 = 24;

fn search_rowid(log_id: i64, event_no: i64) -> i64 {
    (log_id << SEARCH_EVENT_BITS) | (event_no & ((1 << SEARCH_EVENT_BITS) - 1))
}

/// Whether a log's header row is new to the search index or replaces one.
#[derive(Clone, Copy)]
enum HeaderIndexing {
    New,
    Replace,
}

/// The searchable text of a log that is not in its comments.
fn index_header(
    conn: &Connection,
    log_id: i64,
    subject: &str,
    call_from: &str,
    takenby: &str,
    notes: Option<&str>,
    indexing: HeaderIndexing,
) -> StoreResult<()> {
    let body = format!("{subject}\n{call_from}\n{takenby}\n{}", notes.unwrap_or(""));
    queue_for_search(conn, search_rowid(log_id, 0), &body, matches!(indexing, HeaderIndexing::Replace))
}

fn index_comment(conn: &Connection, log_id: i64, event_no: i64, comment: &str) -> StoreResult<()> {
    queue_for_search(conn, search_rowid(log_id, event_no), comment, false)
}

/// The writer's queue of search-index rows, one temporary table on its
/// connection. FTS5 writes its pending terms to disk as a new segment at
/// every savepoint once it has been written in a transaction, and the
/// writer opens a savepoint per request: indexing row by row made each
/// request flush (and later merge) a tiny segment, most of a comment's
/// cost. Requests queue their rows here instead, under their savepoints
/// (a request that fails takes its rows back with it), and the writer moves
/// the whole batch into the index after the last savepoint, before COMMIT:
/// one segment per batch, in the same transaction.
pub fn create_search_queue(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS search_queue (
             rowid INTEGER PRIMARY KEY, body TEXT NOT NULL,
             -- 1 when the index holds this row from an earlier transaction
             replaces INTEGER NOT NULL)",
    )
}

fn queue_for_search(conn: &Connection, rowid: i64, body: &str, replaces: bool) -> StoreResult<()> {
    // A header queued twice in one batch keeps its first `replaces`: whether
    // the index had the row before this transaction.
    conn.prepare_cached(
        "INSERT INTO temp.search_queue (rowid, body, replaces) VALUES (?1, ?2, ?3)
         ON CONFLICT (rowid) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![rowid, body, replaces])?;
    Ok(())
}

/// Moves the queued rows into the search index (the writer calls it once
/// per batch, after the requests' savepoints, before COMMIT).
pub fn flush_search_queue(conn: &Connection) -> rusqlite::Result<()> {
    let queued: i64 = conn.prepare_cached("SELECT count(*) FROM temp.search_queue")?.query_row([], |r| r.get(0))?;
    if queued == 0 {
        return Ok(());
    }
    conn.prepare_cached(
        "DELETE FROM call_log_search WHERE rowid IN (SELECT rowid FROM temp.search_queue WHERE replaces)",
    )?
    .execute([])?;
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) SELECT rowid, body FROM temp.search_queue")?
        .execute([])?;
    conn.prepare_cached("DELETE FROM temp.search_queue")?.execute([])?;
    Ok(())
}

pub fn history(conn: &Connection, log_id: i64, limit: i64, offset: i64) -> StoreResult<(i64, Vec<HistoryEntry>)> {
    let total: i64 =
        conn.prepare_cached("SELECT count(*) FROM log_events WHERE log_id = ?1")?.query_row([log_id], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT at, user_name, kind, field, old_value, new_value FROM log_events
         WHERE log_id = ?1 ORDER BY event_no LIMIT ?2 OFFSET ?3",
    )?;
    let mut rows = stmt.query([log_id, limit, offset])?;
    let mut entries = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(2)?;
        let kind = EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Failed(format!("call log {log_id} has an event of unknown kind {kind:?}")))?;
        let field = match r.get::<_, Option<String>>(3)? {
            None => None,
            Some(text) => Some(TrackedField::parse(&text).ok_or_else(|| {
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

/// Whether a list query counts its matches or reads one page of them, and
/// how the page is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListPart {
    Count,
    /// Walk the sort order's index and stop after one page: cheap when
    /// matches are spread through the logs.
    Page,
    /// At most `FEW_MATCHES` logs match (the count said so): seek them on the
    /// most selective index and sort them. Walking the date index instead
    /// would read every older log before the first match, as when a
    /// property's open calls are listed oldest first and all but the newest
    /// few hundred of its logs are closed.
    FewMatchesPage,
}

/// Up to this many matches are sorted rather than found by walking the
/// sort order's index (a sort of 2,000 short rows takes about a millisecond).
pub const FEW_MATCHES: i64 = 2000;

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

/// The logs a search's words match, found once per query (see [`search_matches`]).
#[derive(Debug, Clone, Default)]
pub struct SearchMatches {
    /// Sorted, each once.
    pub log_ids: Vec<i64>,
}

/// Up to this many logs matching a search are ranked best match first; a
/// search that matches more (one or two letters match most logs) lists them
/// newest first, since ranking costs a score for every matching row.
pub const MAX_RANKED_MATCHES: usize = FEW_MATCHES as usize;

/// The logs whose text (header or any comment) has every word, each as a
/// prefix. One pass of the index per word, longest word first (usually the
/// rarest), stopping as soon as no log is left; the words are distinct and
/// none begins another (`call_log_search_words`), so their prefixes cover
/// disjoint ranges of terms and a search reads each indexed term at most
/// once, whatever its text.
pub fn search_matches(conn: &Connection, words: &[String]) -> StoreResult<SearchMatches> {
    let mut by_length: Vec<&String> = words.iter().collect();
    by_length.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT rowid >> {SEARCH_EVENT_BITS} FROM call_log_search WHERE call_log_search MATCH ?1"
    ))?;
    let mut matched: Option<Vec<i64>> = None;
    for word in by_length {
        // Rowids come in order, so the log ids are sorted already.
        let mut ids: Vec<i64> =
            stmt.query_map([fts_query(std::slice::from_ref(word))], |r| r.get(0))?.collect::<Result<_, _>>()?;
        ids.dedup();
        let kept = match matched {
            None => ids,
            Some(before) => sorted_intersection(&before, &ids),
        };
        if kept.is_empty() {
            return Ok(SearchMatches::default());
        }
        matched = Some(kept);
    }
    Ok(SearchMatches { log_ids: matched.unwrap_or_default() })
}

fn sorted_intersection(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j, mut both) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
}

/// Builds a list query. Only the filters present appear, so SQLite plans
/// each shape on its best index. A search's words are given as the logs
/// they match (`matches`, required when the filter has words).
pub fn list_clauses(filter: &CallLogFilter, part: ListPart, matches: Option<&SearchMatches>) -> ListQuery {
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
        let unit = b.bind(SqlValue::Integer(id));
        conditions.push(format!("c.unit_id = {unit}"));
        if filter.statuses.is_some() && filter.property_id.is_none() && part != ListPart::Page {
            // A unit's open calls: its logs all belong to its property (a log's
            // unit is checked against its property, and units never move), so
            // naming that property lets SQLite seek the property's few open
            // logs on (property_id, status_id) instead of reading every log of
            // the unit to check its status.
            conditions.push(format!("c.property_id = (SELECT property_id FROM units WHERE unit_id = {unit})"));
        }
    }
    if let Some(id) = filter.resident_id {
        conditions.push(format!("c.resident_id = {}", b.bind(SqlValue::Integer(id))));
    }
    if let Some(ids) = &filter.statuses {
        // Counting may use the (property_id, status_id) index; a page keeps to
        // its sort order's index and checks the status row by row. A user's
        // own calls have no such walk: the taker's index leads with the
        // status, so those are always sought by status and sorted.
        let plus = if part == ListPart::Page && filter.taken_by_exactly.is_none() { "+" } else { "" };
        conditions.push(format!("{plus}c.status_id IN (SELECT value FROM json_each({}))", b.bind_ids(ids)));
    }
    if let Some(ids) = &filter.reasons {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM call_log_reasons r WHERE r.log_id = c.log_id AND r.reason_id IN (SELECT value FROM json_each({})))",
            b.bind_ids(ids)
        ));
    }
    if let Some(name) = &filter.taken_by_exactly {
        conditions.push(format!("c.taken_by = {}", b.bind(SqlValue::Text(name.clone()))));
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
    // '+' makes an order term an expression, so no index is walked for it.
    let sorted = if part == ListPart::FewMatchesPage { "+" } else { "" };
    let mut from = "call_logs c".to_string();
    let mut order = match filter.sort {
        SortField::ModifiedOn => format!("{sorted}c.modified_on {direction}, {sorted}c.log_id {direction}"),
        SortField::LogId => format!("{sorted}c.log_id {direction}"),
        SortField::CreatedOn | SortField::Relevance => {
            format!("{sorted}c.created_on {direction}, {sorted}c.log_id {direction}")
        }
    };
    if let Some(words) = &filter.search {
        // The logs every word matches, found beforehand, fetched by id.
        let ids = matches.map(|m| m.log_ids.as_slice()).unwrap_or_default();
        conditions.push(format!("c.log_id IN (SELECT value FROM json_each({}))", b.bind_ids(ids)));
        if filter.sort == SortField::Relevance && part != ListPart::Count && ids.len() <= MAX_RANKED_MATCHES {
            // A log scores as its best row holding every word; logs whose
            // words are spread over several rows come after, newest first.
            // Only rows of matching logs are scored.
            from = format!(
                "call_logs c LEFT JOIN (SELECT rowid >> {SEARCH_EVENT_BITS} AS log_id, min(rank) AS score FROM call_log_search
                                        WHERE call_log_search MATCH {} GROUP BY 1) m ON m.log_id = c.log_id",
                b.bind(SqlValue::Text(fts_query(words)))
            );
            order = format!("m.score IS NULL, m.score, {order}");
        }
    }
    ListQuery { from, conditions: conditions.join(" AND "), order, values: b.values }
}

/// One page of logs matching `filter`, with the total count of matches.
pub fn list(conn: &Connection, filter: &CallLogFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<CallLog>)> {
    let matches = filter.search.as_deref().map(|words| search_matches(conn, words)).transpose()?;
    if matches.as_ref().is_some_and(|m| m.log_ids.is_empty()) {
        return Ok((0, Vec::new()));
    }
    let count = list_clauses(filter, ListPart::Count, matches.as_ref());
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {} WHERE {}", count.from, count.conditions))?
        .query_row(params_from_iter(count.values.iter()), |r| r.get(0))?;
    // Only a status filter or a search leaves matches sparse along the
    // walked index; every other shape's index holds exactly its matches, so
    // walking it reads one page and no more. A search's few matches are
    // fetched by id and sorted.
    let few = total <= FEW_MATCHES && (filter.statuses.is_some() || filter.search.is_some());
    let part = if few { ListPart::FewMatchesPage } else { ListPart::Page };
    let ListQuery { from, conditions, order, mut values } = list_clauses(filter, part, matches.as_ref());
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

/// The counting columns of a summary over `call_log_counts n` joined to
/// `statuses s` (the counters the triggers of schema.sql keep per status).
const CATEGORY_COUNTS: &str = "coalesce(sum(n.live), 0), \
     coalesce(sum(n.live * (s.category = 'open')), 0), coalesce(sum(n.live * (s.category = 'pending')), 0), \
     coalesce(sum(n.live * (s.category = 'closed')), 0)";

fn counts_from(r: &Row, first: usize) -> rusqlite::Result<CategoryCounts> {
    Ok(CategoryCounts {
        call_logs: r.get(first)?,
        open_call_logs: r.get(first + 1)?,
        pending_call_logs: r.get(first + 2)?,
        closed_call_logs: r.get(first + 3)?,
    })
}

/// A property's live call logs counted by status category: a few counter
/// rows per unit, however many logs the property has.
pub fn property_counts(conn: &Connection, property_id: i64) -> StoreResult<CategoryCounts> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CATEGORY_COUNTS} FROM call_log_counts n JOIN statuses s ON s.status_id = n.status_id
             WHERE n.property_id = ?1"
        ))?
        .query_row([property_id], |r| counts_from(r, 0))?)
}

/// Every unit of a property (in display order), with its live call logs
/// counted by status category; units without calls count zero.
pub fn unit_counts(conn: &Connection, property_id: i64) -> StoreResult<Vec<UnitSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT u.unit_id, {CATEGORY_COUNTS} FROM units u
         LEFT JOIN call_log_counts n ON n.property_id = u.property_id AND n.unit_key = u.unit_id
         LEFT JOIN statuses s ON s.status_id = n.status_id
         WHERE u.property_id = ?1
         GROUP BY u.unit_id
         ORDER BY u.display_order IS NULL, u.display_order, u.unit_number, u.unit_id"
    ))?;
    let rows = stmt
        .query_map([property_id], |r| Ok(UnitSummary { unit_id: r.get(0)?, counts: counts_from(r, 1)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Up to `limit` rows matching `filter` after `after`, in the list's order
/// (a search without `sort` exports newest first: a file is read whole,
/// not skimmed, and a rank gives no stable place to resume from). Each
/// chunk is one short query, so a slow download holds no connection.
pub fn export_chunk(
    conn: &Connection,
    filter: &CallLogFilter,
    after: Option<ExportCursor>,
    limit: usize,
) -> StoreResult<Vec<ExportRow>> {
    let mut filter = filter.clone();
    if filter.sort == SortField::Relevance {
        filter.sort = SortField::CreatedOn;
    }
    let matches = filter.search.as_deref().map(|words| search_matches(conn, words)).transpose()?;
    if matches.as_ref().is_some_and(|m| m.log_ids.is_empty()) {
        return Ok(Vec::new());
    }
    let ListQuery { from, mut conditions, order, mut values } = list_clauses(&filter, ListPart::Page, matches.as_ref());
    if let Some(cursor) = after {
        let op = if filter.descending { "<" } else { ">" };
        values.push(SqlValue::Integer(cursor.sort_value));
        values.push(SqlValue::Integer(cursor.log_id));
        let (v, id) = (values.len() - 1, values.len());
        let key = match filter.sort {
            SortField::ModifiedOn => format!("(c.modified_on, c.log_id) {op} (?{v}, ?{id})"),
            SortField::LogId => format!("c.log_id {op} ?{id}"),
            SortField::CreatedOn | SortField::Relevance => format!("(c.created_on, c.log_id) {op} (?{v}, ?{id})"),
        };
        conditions = format!("{conditions} AND {key}");
    }
    values.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let n = values.len();
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
         WHERE {conditions} ORDER BY {order} LIMIT ?{n}"
    ))?;
    let rows = stmt
        .query_map(params_from_iter(values.iter()), |r| {
            Ok(ExportRow {
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
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
