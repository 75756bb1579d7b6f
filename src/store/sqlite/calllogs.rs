//! Call logs, their reason links and their events (comments + history).
//!
//! Every change appends rows to `log_events` and bumps `last_event_no` and
//! `modified_on` in the same transaction, so the history, the comment thread
//! and the ETag can never disagree with the log.

use super::fts::fts_query;
use super::SqliteTx;
use crate::domain::calllogs::{
    Author, CallLog, CallLogFilter, CallLogRow, CategoryCounts, Comment, EventKind, ExportRow, HistoryEntry, LogHead,
    NewEvent, RememberedKey, SortField, TrackedField, UnitSummary,
};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::sqlite::directory::id_list_param;
use crate::store::{CallLogReads, CallLogWrites};
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
    let comments = events.iter().filter(|e| e.kind == EventKind::Commented).count() as i64;
    conn.prepare_cached(
        "UPDATE call_logs SET last_event_no = ?2, modified_on = ?3, comment_count = comment_count + ?4 WHERE log_id = ?1",
    )?
    .execute(params![log_id, event_no, now.0, comments])?;
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

/// What an `Idempotency-Key` of this user created at or after `since`.
pub fn find_idempotent(conn: &Connection, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT log_id, fingerprint FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_on > ?3",
        )?
        .query_row(params![user_id, key, since.0], |r| Ok(RememberedKey { log_id: r.get(0)?, fingerprint: r.get(1)? }))
        .optional()?)
}

/// Records the key's log and body (a key past its window, not yet
/// forgotten, is taken over).
pub fn remember_idempotent(
    conn: &Connection,
    user_id: i64,
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

/// The parts of a list query over `call_logs c`: `WHERE` and `ORDER BY`,
/// and the parameters they number. A search's words are not in it: the
/// logs they match are found beforehand ([`search_matches`]) and kept in
/// memory, never passed to SQL whole.
pub struct ListQuery {
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

/// Where a search's words are in a log, best first: 1, its header row
/// (subject, caller, taker, notes) holds every word; 2, one of its comments
/// holds every word; 3, the words are spread over several of its rows.
/// Within a tier, newest first (ties by LogId). The tier comes from the
/// rowid lists the search reads anyway, so ordering by it costs nothing per
/// match, where a score (bm25) must be computed for every matching row.
pub type Tier = u8;
pub const TIER_HEADER: Tier = 1;
pub const TIER_COMMENT: Tier = 2;
pub const TIER_SPREAD: Tier = 3;

/// The logs a search's words match, found once per query (see [`search_matches`]).
#[derive(Debug, Clone, Default)]
pub struct SearchMatches {
    /// Sorted, each once.
    pub log_ids: Vec<i64>,
    /// The tier of each log of `log_ids`, at the same position.
    pub tiers: Vec<Tier>,
}

const SEARCH_EVENT_MASK: i64 = (1 << SEARCH_EVENT_BITS) - 1;

/// The rows (header or comment) holding a word: its doclist, in rowid order,
/// as one blob (`integer_list`): a step per row costs as much as reading the
/// doclist itself.
pub const SEARCH_ROWS: &str = "SELECT integer_list(rowid) FROM call_log_search WHERE call_log_search MATCH ?1";
/// The rows holding a word among rowids `?2 <= rowid < ?3`: for a word of
/// the prefix index, a seek to `?2` and the rows of the range, no more.
pub const SEARCH_ROWS_IN_RANGE: &str = "SELECT integer_list(rowid) FROM call_log_search \
     WHERE call_log_search MATCH ?1 AND rowid >= ?2 AND rowid < ?3";
/// How many rows of the newest logs (from `?2`) hold a word, at most `?3`.
pub const SEARCH_PROBE: &str = "SELECT count(*) FROM (SELECT 1 FROM call_log_search \
     WHERE call_log_search MATCH ?1 AND rowid >= ?2 LIMIT ?3)";
/// The deleted logs, by id (a partial index holds just them).
pub const DELETED_LOGS: &str = "SELECT log_id FROM call_logs WHERE deleted = 1 ORDER BY log_id";
/// The sort keys of logs given by id (`?1`, a JSON array), `{column}` the key.
pub const KEYS_BY_ID: &str =
    "SELECT {column}, c.log_id FROM call_logs c WHERE c.log_id IN (SELECT value FROM json_each(?1))";

/// Words of at most this many characters have their own entries in the
/// index (`prefix='1 2'`, schema version 11): their rows are one doclist, and a
/// range of rowids is sought without reading the rows before it. A longer
/// word's rows are the union of every term it begins, which FTS5 merges
/// whole before it answers the first row, range or not.
pub const PREFIX_INDEXED_CHARS: usize = 2;

/// The newest logs a short word's rows are counted in, to tell which of a
/// search's short words are rare, and at most how many rows are counted.
const PROBED_LOGS: i64 = 2048;
const PROBED_ROWS: i64 = 8192;

/// The logs whose text (header or any comment) has every word, each as a
/// prefix, with their tiers. The words are distinct and none begins another
/// (`call_log_search_words`), so their prefixes cover disjoint ranges of
/// terms. Only rowids are read (no score): the index's doclists, merged in
/// memory, stopping as soon as no log is left.
///
/// A search's cost is bounded by its rarest words, not by its commonest:
/// longer words first (usually the rarest; each read whole, since FTS5
/// merges a prefix's terms whole anyway), then the short words (one or two
/// characters: "a b c …" each match most of the index) from the rarest, as
/// counted in the newest logs. Once the logs left are few, a short word is
/// not read whole: its rows are sought among those logs only, on the
/// prefix index, whenever that reads less ([`SearchPaths::rows_per_seek`]).
pub fn search_matches(conn: &Connection, words: &[String], paths: SearchPaths) -> StoreResult<SearchMatches> {
    Ok(search_matches_with_work(conn, words, paths)?.0)
}

/// What a search read of the index: rows of doclists, the queries that
/// sought a range of them, and the rows counted to tell rare words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchWork {
    pub rows: usize,
    pub seeks: usize,
    pub probed: usize,
}

/// [`search_matches`], and what it read.
pub fn search_matches_with_work(
    conn: &Connection,
    words: &[String],
    paths: SearchPaths,
) -> StoreResult<(SearchMatches, SearchWork)> {
    let mut work = SearchWork::default();
    let (mut long, mut short): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| w.chars().count() > PREFIX_INDEXED_CHARS);
    long.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut found: Option<Found> = None;
    for word in long {
        let rowids = all_rows(conn, word, &mut work)?;
        if !narrow(&mut found, rowids) {
            return Ok((SearchMatches::default(), work));
        }
    }
    if !short.is_empty() {
        let newest: i64 =
            conn.prepare_cached("SELECT coalesce(max(log_id), 0) FROM call_logs")?.query_row([], |r| r.get(0))?;
        let from = (newest - PROBED_LOGS + 1).max(0);
        // Rows in the whole index, as the newest logs have them.
        let scale = newest as f64 / (newest - from + 1) as f64;
        let mut estimated = Vec::with_capacity(short.len());
        for word in short.drain(..) {
            let probed: i64 = conn.prepare_cached(SEARCH_PROBE)?.query_row(
                params![fts_query(std::slice::from_ref(word)), from << SEARCH_EVENT_BITS, PROBED_ROWS],
                |r| r.get(0),
            )?;
            work.probed += usize::try_from(probed).unwrap_or(0);
            estimated.push((probed as f64 * scale, word));
        }
        estimated.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (rows, word) in estimated {
            let rowids = match &found {
                Some(f) => match seek_plan(&f.logs, rows / newest.max(1) as f64, paths) {
                    Some(ranges) if ranges.cost < rows => rows_in_ranges(conn, word, &ranges.ranges, &mut work)?,
                    _ => all_rows(conn, word, &mut work)?,
                },
                None => all_rows(conn, word, &mut work)?,
            };
            if !narrow(&mut found, rowids) {
                return Ok((SearchMatches::default(), work));
            }
        }
    }
    let Some(Found { logs: log_ids, rows }) = found else { return Ok((SearchMatches::default(), work)) };
    // A log's rows are consecutive rowids, its header (event 0) first.
    let mut tiers = Vec::with_capacity(log_ids.len());
    let mut r = 0;
    for &log_id in &log_ids {
        while r < rows.len() && rows[r] >> SEARCH_EVENT_BITS < log_id {
            r += 1;
        }
        tiers.push(match rows.get(r) {
            Some(row) if row >> SEARCH_EVENT_BITS == log_id && row & SEARCH_EVENT_MASK == 0 => TIER_HEADER,
            Some(row) if row >> SEARCH_EVENT_BITS == log_id => TIER_COMMENT,
            _ => TIER_SPREAD,
        });
    }
    Ok((SearchMatches { log_ids, tiers }, work))
}

/// What a search has found so far: the logs holding every word read, and
/// the rows holding every word read (sorted, each once).
struct Found {
    logs: Vec<i64>,
    rows: Vec<i64>,
}

/// Keeps what also holds a word whose rows are `rowids` (sorted); false
/// when no log is left.
fn narrow(found: &mut Option<Found>, rowids: Vec<i64>) -> bool {
    let mut ids: Vec<i64> = rowids.iter().map(|r| r >> SEARCH_EVENT_BITS).collect();
    ids.dedup();
    let next = match found.take() {
        None => Found { logs: ids, rows: rowids },
        Some(before) => {
            Found { logs: sorted_intersection(&before.logs, &ids), rows: sorted_intersection(&before.rows, &rowids) }
        }
    };
    let left = !next.logs.is_empty();
    *found = Some(next);
    left
}

/// Every row holding `word`, sorted.
fn all_rows(conn: &Connection, word: &str, work: &mut SearchWork) -> StoreResult<Vec<i64>> {
    let list: Vec<u8> = conn.prepare_cached(SEARCH_ROWS)?.query_row([fts_query(&[word.to_string()])], |r| r.get(0))?;
    let mut rowids: Vec<i64> = integers(&list).collect();
    work.rows += rowids.len();
    // FTS5 answers in rowid order; a check is cheap insurance.
    if !rowids.is_sorted() {
        rowids.sort_unstable();
    }
    Ok(rowids)
}

/// The rows holding a short `word` within `ranges` of logs (each `first..=last`), sorted.
fn rows_in_ranges(
    conn: &Connection,
    word: &str,
    ranges: &[(i64, i64)],
    work: &mut SearchWork,
) -> StoreResult<Vec<i64>> {
    let query = fts_query(&[word.to_string()]);
    let mut stmt = conn.prepare_cached(SEARCH_ROWS_IN_RANGE)?;
    let mut rowids = Vec::new();
    for (first, last) in ranges {
        let list: Vec<u8> =
            stmt.query_row(params![query, first << SEARCH_EVENT_BITS, (last + 1) << SEARCH_EVENT_BITS], |r| r.get(0))?;
        rowids.extend(integers(&list));
    }
    work.seeks += ranges.len();
    work.rows += rowids.len();
    if !rowids.is_sorted() {
        rowids.sort_unstable();
    }
    Ok(rowids)
}

/// Ranges of logs to seek a short word's rows in, and their cost in rows
/// read (each seek counting as `rows_per_seek` rows).
struct SeekPlan {
    ranges: Vec<(i64, i64)>,
    cost: f64,
}

/// Covers `logs` (sorted) with ranges, two neighbours sharing one when
/// reading the word's rows of the logs between them (`rows_per_log` each)
/// costs less than another seek; `None` when the plan would cost more than
/// reading every row of the index anyway.
fn seek_plan(logs: &[i64], rows_per_log: f64, paths: SearchPaths) -> Option<SeekPlan> {
    let seek = paths.rows_per_seek;
    if !seek.is_finite() {
        return None;
    }
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    let mut cost = 0.0;
    for &log in logs {
        match ranges.last_mut() {
            Some((_, last)) if ((log - *last - 1) as f64) * rows_per_log < seek => {
                cost += (log - *last) as f64 * rows_per_log;
                *last = log;
            }
            _ => {
                cost += seek + rows_per_log;
                ranges.push((log, log));
            }
        }
    }
    Some(SeekPlan { ranges, cost })
}

/// The integers of an `integer_list` blob.
fn integers(list: &[u8]) -> impl Iterator<Item = i64> + '_ {
    list.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
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

/// Builds a list query (a search's words aside: see [`list_search`]). Only
/// the filters present appear, so SQLite plans each shape on its best index.
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
    let order = match filter.sort {
        SortField::ModifiedOn => format!("{sorted}c.modified_on {direction}, {sorted}c.log_id {direction}"),
        SortField::LogId => format!("{sorted}c.log_id {direction}"),
        SortField::CreatedOn | SortField::Relevance => {
            format!("{sorted}c.created_on {direction}, {sorted}c.log_id {direction}")
        }
    };
    ListQuery { conditions: conditions.join(" AND "), order, values: b.values }
}

/// Whether a filter lets every live log through (a search's words aside).
fn lets_every_log_through(filter: &CallLogFilter) -> bool {
    filter.scope.is_none()
        && filter.property_id.is_none()
        && filter.unit_id.is_none()
        && filter.resident_id.is_none()
        && filter.statuses.is_none()
        && filter.reasons.is_none()
        && filter.takenby.is_none()
        && filter.taken_by_exactly.is_none()
        && filter.from.is_none()
        && filter.to.is_none()
        && filter.modified_since.is_none()
}

/// The number of live logs a filter of properties and statuses alone lets
/// through, from the counters the triggers keep (a few rows per unit)
/// instead of counting up to every log; `None` for any other filter.
fn counted_total(conn: &Connection, filter: &CallLogFilter) -> StoreResult<Option<i64>> {
    if !crate::store::shared::counted_by_place_and_status(filter) {
        return Ok(None);
    }
    let mut b = Binder::default();
    let mut conditions = vec!["1".to_string()];
    match (filter.property_id, &filter.scope) {
        (Some(id), _) => conditions.push(format!("n.property_id = {}", b.bind(SqlValue::Integer(id)))),
        (None, Some(scope)) => {
            conditions.push(format!("n.property_id IN (SELECT value FROM json_each({}))", b.bind_ids(scope)))
        }
        (None, None) => {}
    }
    if let Some(ids) = &filter.statuses {
        conditions.push(format!("n.status_id IN (SELECT value FROM json_each({}))", b.bind_ids(ids)));
    }
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT coalesce(sum(n.live), 0) FROM call_log_counts n WHERE {}",
            conditions.join(" AND ")
        ))?
        .query_row(params_from_iter(b.values.iter()), |r| r.get(0))?;
    Ok(Some(total))
}

/// One page of logs matching `filter`, with the total count of matches.
pub fn list(conn: &Connection, filter: &CallLogFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<CallLog>)> {
    list_with(conn, filter, limit, offset, SearchPaths::default())
}

/// [`list`], a search taking its ways as `paths` says.
pub fn list_with(
    conn: &Connection,
    filter: &CallLogFilter,
    limit: i64,
    offset: i64,
    paths: SearchPaths,
) -> StoreResult<(i64, Vec<CallLog>)> {
    if let Some(words) = &filter.search {
        return list_search(conn, filter, words, limit, offset, paths);
    }
    let total = match counted_total(conn, filter)? {
        Some(total) => total,
        None => {
            let count = list_clauses(filter, ListPart::Count);
            conn.prepare_cached(&format!("SELECT count(*) FROM call_logs c WHERE {}", count.conditions))?
                .query_row(params_from_iter(count.values.iter()), |r| r.get(0))?
        }
    };
    // Only a status filter leaves matches sparse along the walked index;
    // every other shape's index holds exactly its matches, so walking it
    // reads one page and no more.
    let few = total <= FEW_MATCHES && filter.statuses.is_some();
    let part = if few { ListPart::FewMatchesPage } else { ListPart::Page };
    let ListQuery { conditions, order, mut values } = list_clauses(filter, part);
    let n = values.len();
    values.push(SqlValue::Integer(limit));
    values.push(SqlValue::Integer(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LOG_COLUMNS} FROM call_logs c WHERE {conditions} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let mut logs: Vec<CallLog> =
        stmt.query_map(params_from_iter(values.iter()), log_from_row)?.collect::<Result<_, _>>()?;
    attach_details(conn, &mut logs)?;
    Ok((total, logs))
}

/// Where a search's ways of finding its rows change over (the defaults are
/// the measured ones; tests force each way on small files).
#[derive(Debug, Clone, Copy)]
pub struct SearchPaths {
    /// Up to this many matches are checked against a filter by id; more,
    /// and the filter's own logs are read off its index and checked against
    /// the matches in memory.
    pub checked_by_id: usize,
    /// Up to this many matches of a tier are sorted by their keys rather
    /// than found by walking the sort order's index.
    pub sorted: usize,
    /// A walk is chosen while it is expected to read at most this many
    /// index entries per match of the tier (reading a key by id costs a few
    /// index entries' worth).
    pub walk_per_match: f64,
    /// What seeking a short word's rows in one range of logs costs, in rows
    /// of a whole read (an FTS5 query opens every segment of the index:
    /// about 45 µs, where a row read in a doclist takes about 90 ns). A
    /// short word is sought in the logs left when that costs fewer rows
    /// than reading it whole; infinite never seeks, 0 always does.
    pub rows_per_seek: f64,
}

impl Default for SearchPaths {
    fn default() -> SearchPaths {
        SearchPaths { checked_by_id: 4000, sorted: FEW_MATCHES as usize, walk_per_match: 4.0, rows_per_seek: 500.0 }
    }
}

/// A search's matches that a filter lets through (live ones only), sorted
/// by id, with their tiers; and, when it was read, how many logs the filter
/// alone lets through (how dense the matches are along its index).
struct LiveMatches {
    log_ids: Vec<i64>,
    tiers: Vec<Tier>,
    filtered_logs: Option<i64>,
}

/// A tier per log id, 0 for a log that is not a match: a byte per log up
/// to the largest match, so a walk checks a row with one load. Log ids are
/// handed out in sequence, so that is about a byte per log ever written;
/// should the ids be far sparser than the matches, it binary-searches them.
enum TierTable {
    Dense(Vec<Tier>),
    Sparse(Vec<i64>, Vec<Tier>),
}

impl TierTable {
    fn new(log_ids: &[i64], tiers: &[Tier]) -> TierTable {
        let largest = log_ids.last().map_or(0, |last| usize::try_from(*last).unwrap_or(usize::MAX));
        if largest > 64 * log_ids.len() + (1 << 24) {
            return TierTable::Sparse(log_ids.to_vec(), tiers.to_vec());
        }
        let mut table = vec![0; largest.saturating_add(1)];
        for (id, tier) in log_ids.iter().zip(tiers) {
            if let Ok(i) = usize::try_from(*id) {
                table[i] = *tier;
            }
        }
        TierTable::Dense(table)
    }

    fn get(&self, log_id: i64) -> Tier {
        match self {
            TierTable::Dense(table) => usize::try_from(log_id).ok().and_then(|i| table.get(i)).copied().unwrap_or(0),
            TierTable::Sparse(ids, tiers) => ids.binary_search(&log_id).map_or(0, |i| tiers[i]),
        }
    }
}

/// Keeps the matches the filter lets through, exactly: `Total` is their number.
fn live_matches(
    conn: &Connection,
    plain: &CallLogFilter,
    matches: SearchMatches,
    paths: SearchPaths,
) -> StoreResult<LiveMatches> {
    let SearchMatches { log_ids, tiers } = matches;
    if lets_every_log_through(plain) {
        // Only deleted logs are left out, and those are few: their partial
        // index lists them.
        let deleted: Vec<i64> =
            conn.prepare_cached(DELETED_LOGS)?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let (mut kept_ids, mut kept_tiers) = (Vec::with_capacity(log_ids.len()), Vec::with_capacity(log_ids.len()));
        let mut d = 0;
        for (id, tier) in log_ids.into_iter().zip(tiers) {
            while d < deleted.len() && deleted[d] < id {
                d += 1;
            }
            if deleted.get(d) != Some(&id) {
                kept_ids.push(id);
                kept_tiers.push(tier);
            }
        }
        let live: i64 =
            conn.prepare_cached("SELECT coalesce(sum(live), 0) FROM call_log_counts")?.query_row([], |r| r.get(0))?;
        return Ok(LiveMatches { log_ids: kept_ids, tiers: kept_tiers, filtered_logs: Some(live) });
    }
    let ListQuery { conditions, mut values, .. } = list_clauses(plain, ListPart::Count);
    if log_ids.len() <= paths.checked_by_id {
        values.push(SqlValue::Text(id_list_param(Some(&log_ids)).unwrap_or_default()));
        let sql = format!(
            "SELECT c.log_id FROM call_logs c WHERE c.log_id IN (SELECT value FROM json_each(?{})) AND {conditions}
             ORDER BY c.log_id",
            values.len()
        );
        let kept: Vec<i64> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values.iter()), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let kept_tiers = kept.iter().map(|id| log_ids.binary_search(id).map_or(TIER_SPREAD, |i| tiers[i])).collect();
        return Ok(LiveMatches { log_ids: kept, tiers: kept_tiers, filtered_logs: None });
    }
    // Many matches: read the filter's logs off its index (a property's, a
    // unit's…) and keep the matches among them.
    let table = TierTable::new(&log_ids, &tiers);
    drop((log_ids, tiers));
    // One blob of ids (`integer_list`), not a step per log.
    let list: Vec<u8> = conn
        .prepare_cached(&format!("SELECT integer_list(c.log_id) FROM call_logs c WHERE {conditions}"))?
        .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
    let filtered = i64::try_from(list.len() / 8).unwrap_or(i64::MAX);
    let mut kept = Vec::new();
    for id in integers(&list) {
        let tier = table.get(id);
        if tier != 0 {
            kept.push((id, tier));
        }
    }
    kept.sort_unstable();
    let (log_ids, tiers) = kept.into_iter().unzip();
    Ok(LiveMatches { log_ids, tiers, filtered_logs: Some(filtered) })
}

/// A search's page: count the matches the filter lets through, then find
/// the page's ids tier by tier (one tier when a sort is given), each by
/// walking the sort order's index until the page is full, or, when the
/// tier's matches are few or sparse, by reading their sort keys and sorting.
fn list_search(
    conn: &Connection,
    filter: &CallLogFilter,
    words: &[String],
    limit: i64,
    offset: i64,
    paths: SearchPaths,
) -> StoreResult<(i64, Vec<CallLog>)> {
    let matches = search_matches(conn, words, paths)?;
    if matches.log_ids.is_empty() {
        return Ok((0, Vec::new()));
    }
    let plain = filter.without_words();
    let mut live = live_matches(conn, &plain, matches, paths)?;
    if filter.sort != SortField::Relevance {
        live.tiers.fill(TIER_HEADER);
    }
    let total = live.log_ids.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(total);
    let ids = if start >= end { Vec::new() } else { page_of_matches(conn, &plain, &live, start, end, paths)? };
    let mut logs = logs_by_id(conn, &ids)?;
    attach_details(conn, &mut logs)?;
    Ok((i64::try_from(total).unwrap_or(i64::MAX), logs))
}

/// The ids at positions `start..end` of the live matches in (tier, the
/// filter's sort order).
fn page_of_matches(
    conn: &Connection,
    plain: &CallLogFilter,
    live: &LiveMatches,
    start: usize,
    end: usize,
    paths: SearchPaths,
) -> StoreResult<Vec<i64>> {
    if plain.sort == SortField::LogId && live.tiers.iter().all(|t| *t == TIER_HEADER) {
        // The matches are sorted by id already.
        let ids = &live.log_ids;
        return Ok(if plain.descending {
            ids.iter().rev().skip(start).take(end - start).copied().collect()
        } else {
            ids[start..end].to_vec()
        });
    }
    let mut sizes = [0usize; TIER_SPREAD as usize + 1];
    for tier in &live.tiers {
        sizes[usize::from(*tier)] += 1;
    }
    let table = TierTable::new(&live.log_ids, &live.tiers);
    let mut page = Vec::with_capacity(end - start);
    let mut base = 0;
    for tier in TIER_HEADER..=TIER_SPREAD {
        let size = sizes[usize::from(tier)];
        let (a, b) = (start.max(base), end.min(base + size));
        if a < b {
            let (a, b) = (a - base, b - base);
            // Walking reads about b × filtered / size index entries; sorting
            // reads every match of the tier by id, a few times dearer each.
            let walk = live.filtered_logs.map(|n| (b as f64) * (n as f64) / (size as f64));
            let walked = match walk {
                Some(rows) => size > paths.sorted && rows <= paths.walk_per_match * size as f64,
                None => false,
            };
            if walked {
                walk_tier(conn, plain, &table, tier, a, b, &mut page)?;
            } else {
                let members: Vec<i64> =
                    live.log_ids.iter().zip(&live.tiers).filter(|(_, t)| **t == tier).map(|(id, _)| *id).collect();
                let sorted = sorted_by_key(conn, plain, &members)?;
                page.extend_from_slice(&sorted[a..b]);
            }
        }
        base += size;
    }
    Ok(page)
}

/// Walks the sort order's index through the filter's logs and keeps the
/// `a..b`-th matches of `tier`.
fn walk_tier(
    conn: &Connection,
    plain: &CallLogFilter,
    table: &TierTable,
    tier: Tier,
    a: usize,
    b: usize,
    page: &mut Vec<i64>,
) -> StoreResult<()> {
    let ListQuery { conditions, order, values } = list_clauses(plain, ListPart::Page);
    let mut stmt =
        conn.prepare_cached(&format!("SELECT c.log_id FROM call_logs c WHERE {conditions} ORDER BY {order}"))?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    let mut seen = 0;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if table.get(id) == tier {
            if seen >= a {
                page.push(id);
            }
            seen += 1;
            if seen >= b {
                break;
            }
        }
    }
    Ok(())
}

/// `ids` in the filter's sort order, their sort keys read by id.
fn sorted_by_key(conn: &Connection, plain: &CallLogFilter, ids: &[i64]) -> StoreResult<Vec<i64>> {
    Ok(keyed_in_order(conn, plain, ids)?.into_iter().map(|(_, id)| id).collect())
}

/// `(sort key, id)` of each of `ids`, in the filter's sort order.
fn keyed_in_order(conn: &Connection, plain: &CallLogFilter, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
    let column = match plain.sort {
        SortField::ModifiedOn => "c.modified_on",
        SortField::LogId => "c.log_id",
        SortField::CreatedOn | SortField::Relevance => "c.created_on",
    };
    let mut keyed: Vec<(i64, i64)> = conn
        .prepare_cached(&KEYS_BY_ID.replace("{column}", column))?
        .query_map([id_list_param(Some(ids))], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    keyed.sort_unstable();
    if plain.descending {
        keyed.reverse();
    }
    Ok(keyed)
}

/// The logs of `ids`, in that order.
fn logs_by_id(conn: &Connection, ids: &[i64]) -> StoreResult<Vec<CallLog>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<i64, CallLog> = conn
        .prepare_cached(&format!(
            "SELECT {LOG_COLUMNS} FROM call_logs c WHERE c.log_id IN (SELECT value FROM json_each(?1))"
        ))?
        .query_map([id_list_param(Some(ids))], log_from_row)?
        .map(|log| log.map(|l| (l.log_id, l)))
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
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
/// not skimmed, and a tier gives no stable place to resume from). Each
/// chunk is one short query, so a slow download holds no connection.
pub fn export_chunk(
    conn: &Connection,
    filter: &CallLogFilter,
    after: Option<ExportCursor>,
    limit: usize,
) -> StoreResult<Vec<ExportRow>> {
    export_chunk_with(conn, filter, after, limit, SearchPaths::default())
}

/// [`export_chunk`], a search taking its ways as `paths` says.
pub fn export_chunk_with(
    conn: &Connection,
    filter: &CallLogFilter,
    after: Option<ExportCursor>,
    limit: usize,
    paths: SearchPaths,
) -> StoreResult<Vec<ExportRow>> {
    let plain = filter.without_words();
    let after_cursor = |values: &mut Vec<SqlValue>| -> Option<String> {
        let cursor = after?;
        let op = if plain.descending { "<" } else { ">" };
        values.push(SqlValue::Integer(cursor.sort_value));
        values.push(SqlValue::Integer(cursor.log_id));
        let (v, id) = (values.len() - 1, values.len());
        Some(match plain.sort {
            SortField::ModifiedOn => format!("(c.modified_on, c.log_id) {op} (?{v}, ?{id})"),
            SortField::LogId => format!("c.log_id {op} ?{id}"),
            SortField::CreatedOn | SortField::Relevance => format!("(c.created_on, c.log_id) {op} (?{v}, ?{id})"),
        })
    };
    let Some(words) = &filter.search else {
        let ListQuery { mut conditions, order, mut values } = list_clauses(&plain, ListPart::Page);
        if let Some(key) = after_cursor(&mut values) {
            conditions = format!("{conditions} AND {key}");
        }
        return export_rows(conn, &conditions, &order, values, limit);
    };
    let matches = search_matches(conn, words, paths)?;
    if matches.log_ids.is_empty() {
        return Ok(Vec::new());
    }
    let live = live_matches(conn, &plain, matches, paths)?;
    let ids: Vec<i64> = if live.log_ids.len() <= paths.sorted {
        // Few: sorted by their keys, the rows after the cursor.
        let keyed = keyed_in_order(conn, &plain, &live.log_ids)?;
        let past = |key: (i64, i64)| match after {
            None => true,
            Some(c) if plain.descending => key < (c.sort_value, c.log_id),
            Some(c) => key > (c.sort_value, c.log_id),
        };
        let key_of = |(k, id): (i64, i64)| if plain.sort == SortField::LogId { (id, id) } else { (k, id) };
        keyed.into_iter().filter(|k| past(key_of(*k))).take(limit).map(|(_, id)| id).collect()
    } else {
        // Many: walk the sort order's index on from the cursor.
        let table = TierTable::new(&live.log_ids, &live.tiers);
        let ListQuery { mut conditions, order, mut values } = list_clauses(&plain, ListPart::Page);
        if let Some(key) = after_cursor(&mut values) {
            conditions = format!("{conditions} AND {key}");
        }
        let mut stmt =
            conn.prepare_cached(&format!("SELECT c.log_id FROM call_logs c WHERE {conditions} ORDER BY {order}"))?;
        let mut rows = stmt.query(params_from_iter(values.iter()))?;
        let mut ids = Vec::with_capacity(limit);
        while ids.len() < limit {
            let Some(row) = rows.next()? else { break };
            let id: i64 = row.get(0)?;
            if table.get(id) != 0 {
                ids.push(id);
            }
        }
        ids
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let values = vec![SqlValue::Text(id_list_param(Some(&ids)).unwrap_or_default())];
    let rows = export_rows(conn, "c.log_id IN (SELECT value FROM json_each(?1))", "c.log_id", values, limit)?;
    let mut by_id: HashMap<i64, ExportRow> = rows.into_iter().map(|r| (r.log_id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Up to `limit` export rows of `call_logs c` matching `conditions` in `order`.
/// (Issue 9 measured reading the reasons and comments of a whole chunk in
/// one query each instead of these subqueries per row: no faster, 150-170k
/// rows/s either way at 1M logs, so the one query stays.)
fn export_rows(
    conn: &Connection,
    conditions: &str,
    order: &str,
    mut values: Vec<SqlValue>,
    limit: usize,
) -> StoreResult<Vec<ExportRow>> {
    values.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let n = values.len();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.log_id, c.created_on, c.property_id, c.unit_id, c.resident_id, c.call_from, st.name,
                (SELECT group_concat(name, '; ') FROM
                    (SELECT rs.name FROM call_log_reasons lr JOIN reasons rs ON rs.reason_id = lr.reason_id
                     WHERE lr.log_id = c.log_id ORDER BY rs.display_order, rs.name)),
                c.subject, c.notes, c.taken_by,
                c.comment_count,
                (SELECT e.new_value FROM log_events e WHERE e.log_id = c.log_id AND e.kind = 'commented'
                 ORDER BY e.event_no DESC LIMIT 1),
                c.modified_on
         FROM call_logs c JOIN statuses st ON st.status_id = c.status_id
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

impl CallLogReads for SqliteTx<'_> {
    fn call_log(&mut self, log_id: i64) -> StoreResult<Option<CallLog>> {
        get(self.conn, log_id)
    }
    fn call_log_head(&mut self, log_id: i64) -> StoreResult<Option<LogHead>> {
        head(self.conn, log_id)
    }
    fn history(&mut self, log_id: i64, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)> {
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
    fn property_counts(&mut self, property_id: i64) -> StoreResult<CategoryCounts> {
        property_counts(self.conn, property_id)
    }
    fn unit_counts(&mut self, property_id: i64) -> StoreResult<Vec<UnitSummary>> {
        unit_counts(self.conn, property_id)
    }
}

impl CallLogWrites for SqliteTx<'_> {
    fn idempotent_log(&mut self, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
        find_idempotent(self.conn, user_id, key, since)
    }
    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<i64> {
        insert(self.conn, row)
    }
    fn link_reasons(&mut self, log_id: i64, reason_ids: &[i64]) -> StoreResult<()> {
        link_reasons(self.conn, log_id, reason_ids)
    }
    fn append_events(
        &mut self,
        log_id: i64,
        after_event_no: i64,
        events: &[NewEvent],
        author: &Author,
        now: Stamp,
    ) -> StoreResult<i64> {
        append_events(self.conn, log_id, after_event_no, events, author, now)
    }
    fn set_notes(&mut self, log_id: i64, notes: Option<&str>) -> StoreResult<()> {
        set_notes(self.conn, log_id, notes)
    }
    fn set_status(&mut self, log_id: i64, status_id: i64) -> StoreResult<()> {
        set_status(self.conn, log_id, status_id)
    }
    fn set_deleted(&mut self, log_id: i64, deleted: bool) -> StoreResult<()> {
        set_deleted(self.conn, log_id, deleted)
    }
    fn remember_idempotency_key(
        &mut self,
        user_id: i64,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()> {
        remember_idempotent(self.conn, user_id, key, remembered, now)
    }
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()> {
        forget_idempotent_before(self.conn, before)
    }
}
