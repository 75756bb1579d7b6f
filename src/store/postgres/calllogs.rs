//! Call logs on PostgreSQL: their reason links, their events (comments and
//! history), the lists, the search and the export — the same answers as
//! `store::sqlite::calllogs`, row for row and in the same order.
//!
//! Every change appends rows to `log_events` and bumps `last_event_no` and
//! `modified_on` in the same transaction, so the history, the comment thread
//! and the ETag can never disagree with the log. A write reads the log's
//! head `FOR UPDATE`: two instances' writes of one log run one after the
//! other, the second seeing the first's events.
//!
//! Search: `call_log_search` holds per log a header row (part 0: subject,
//! caller, taker, notes) and a row per comment (part = its event number),
//! each the folded words FTS5 would index, as a `tsvector`. A search finds
//! the logs that have every word (as a prefix) somewhere, word by word
//! among the logs left (see [`matches_cte`]), and their tier (header, one
//! comment, spread) from the same rows, in one SQL statement.

use super::db::Db;
use super::tsquery::tsquery_text;
use super::tx::PgTx;
use super::{col, RowExt};
use crate::domain::calllogs::{
    index_terms, prefix_upper_bound, Author, CallLog, CallLogFilter, CallLogRow, CategoryCounts, Comment, EventKind,
    ExportRow, HistoryEntry, LogHead, NamedKind, NamedMatches, NewEvent, RememberedKey, SearchTerm, SortField,
    TrackedField, UnitSummary, STEM_MARK,
};
use crate::domain::ids::{LogId, PropertyId, ReasonId, StatusId, UserId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::{CallLogReads, CallLogWrites};
use crate::store::{ExportCursor, StoreError, StoreResult};
use ::postgres::types::ToSql;
use ::postgres::Row;
use std::collections::HashMap;

use crate::store::shared::CALL_LOG_COLUMNS;

/// Column `i` of a row: a type the query does not give is a defect (199), not a panic.
fn log_from_row(r: &Row) -> StoreResult<CallLog> {
    Ok(CallLog {
        log_id: r.col(0)?,
        property_id: r.col(1)?,
        unit_id: r.col(2)?,
        resident_id: r.col(3)?,
        call_from: r.col(4)?,
        module_status_id: r.col(5)?,
        subject: r.col(6)?,
        notes: r.col(7)?,
        takenby: r.col(8)?,
        created_on: Stamp(r.col(9)?),
        modified_on: Stamp(r.col(10)?),
        last_event_no: r.col(11)?,
        deleted: r.col(12)?,
        log_reasons: Vec::new(),
        old_comments: Vec::new(),
        new_comments: None,
    })
}

/// A comment from `new_value, at, user_name, status_name` starting at column `first`.
fn comment_from_row(r: &Row, first: usize) -> StoreResult<Comment> {
    Ok(Comment {
        comment: col::<Option<String>>(r, first)?.unwrap_or_default(),
        date: Stamp(col(r, first + 1)?),
        user: col(r, first + 2)?,
        status: col(r, first + 3)?,
    })
}

/// Fills reasons and comments of every log in two queries, whatever the count.
fn attach_details(db: &mut Db, logs: &mut [CallLog]) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let ids: Vec<LogId> = logs.iter().map(|l| l.log_id).collect();
    let position: HashMap<LogId, usize> = logs.iter().enumerate().map(|(i, l)| (l.log_id, i)).collect();
    // Reasons in id order, as SQLite reads them off the link's primary key.
    let rows = db.query(
        "SELECT log_id, reason_id FROM call_log_reasons WHERE log_id = ANY($1) ORDER BY log_id, reason_id",
        &[&ids],
    )?;
    for row in &rows {
        if let Some(i) = position.get(&row.col::<LogId>(0)?) {
            logs[*i].log_reasons.push(row.col(1)?);
        }
    }
    let rows = db.query(
        "SELECT log_id, new_value, at, user_name, status_name FROM log_events
         WHERE log_id = ANY($1) AND kind = 'commented' ORDER BY log_id, event_no",
        &[&ids],
    )?;
    for row in &rows {
        if let Some(i) = position.get(&row.col::<LogId>(0)?) {
            logs[*i].old_comments.push(comment_from_row(row, 1)?);
        }
    }
    Ok(())
}

/// A log with its reasons and comments, deleted or not (the caller decides).
pub fn get(db: &mut Db, log_id: LogId) -> StoreResult<Option<CallLog>> {
    let Some(row) =
        db.query_opt(&format!("SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE c.log_id = $1"), &[&log_id])?
    else {
        return Ok(None);
    };
    let mut log = log_from_row(&row)?;
    log.log_reasons = db
        .query("SELECT reason_id FROM call_log_reasons WHERE log_id = $1 ORDER BY reason_id", &[&log_id])?
        .iter()
        .map(|r| col(r, 0))
        .collect::<StoreResult<_>>()?;
    log.old_comments = db
        .query(
            "SELECT new_value, at, user_name, status_name FROM log_events
             WHERE log_id = $1 AND kind = 'commented' ORDER BY event_no",
            &[&log_id],
        )?
        .iter()
        .map(|r| comment_from_row(r, 0))
        .collect::<StoreResult<_>>()?;
    Ok(Some(log))
}

/// The columns a write's rules need: O(1) in the size of the log's thread.
/// With `lock` (in a write) the log's row stays locked to the end of the
/// transaction: a concurrent write of the same log, from any instance, waits
/// and then reads this one's result (its If-Match and event numbers hold).
pub fn head(db: &mut Db, log_id: LogId, lock: bool) -> StoreResult<Option<LogHead>> {
    let sql = format!(
        "SELECT log_id, property_id, status_id, notes, deleted, last_event_no FROM call_logs WHERE log_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let Some(r) = db.query_opt(&sql, &[&log_id])? else { return Ok(None) };
    Ok(Some(LogHead {
        log_id: col(&r, 0)?,
        property_id: col(&r, 1)?,
        status_id: col(&r, 2)?,
        notes: col(&r, 3)?,
        deleted: col(&r, 4)?,
        last_event_no: col(&r, 5)?,
    }))
}

/// Inserts a log and its search header; returns its id.
pub fn insert(db: &mut Db, row: &CallLogRow) -> StoreResult<LogId> {
    let inserted = db.query_one(
        "INSERT INTO call_logs (property_id, unit_id, resident_id, call_from, status_id, subject, notes, taken_by,
                created_on, modified_on, created_by, deleted, last_event_no)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, 0)
         RETURNING log_id",
        &[
            &row.property_id,
            &row.unit_id,
            &row.resident_id,
            &row.call_from,
            &row.status_id,
            &row.subject,
            &row.notes,
            &row.takenby,
            &row.created_on.0,
            &row.modified_on.0,
            &row.created_by,
        ],
    )?;
    let log_id: LogId = col(&inserted, 0)?;
    index_header(db, log_id, &row.subject, &row.call_from, &row.takenby, row.notes.as_deref())?;
    Ok(log_id)
}

/// Appends events after `after_event_no`, stamps the log as modified and
/// indexes each comment (a row of its own, never a rewrite).
///
/// The events are stamped `now`, or the log's last change if that is later:
/// the service takes `now` before the log's row lock, so a concurrent write
/// of the same log that took its time later may have got the lock first.
/// On SQLite's single writer writes take their time in commit order; here
/// the row lock orders them, and a thread's dates still never go backwards.
pub fn append_events(
    db: &mut Db,
    log_id: LogId,
    after_event_no: i64,
    events: &[NewEvent],
    author: &Author,
    now: Stamp,
) -> StoreResult<i64> {
    let last_event_no = after_event_no + events.len() as i64;
    let comments = events.iter().filter(|e| e.kind == EventKind::Commented).count() as i64;
    let stamped = db.query_opt(
        "UPDATE call_logs SET last_event_no = $2, modified_on = greatest(modified_on, $3),
                comment_count = comment_count + $4
         WHERE log_id = $1 RETURNING modified_on",
        &[&log_id, &last_event_no, &now.0, &comments],
    )?;
    let Some(stamped) = stamped else {
        return Err(StoreError::Failed(format!("call log {log_id} vanished while events were appended")));
    };
    let at: i64 = col(&stamped, 0)?;
    let mut event_no = after_event_no;
    for e in events {
        event_no += 1;
        db.execute(
            "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, field, old_value, new_value,
                    status_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &log_id,
                &event_no,
                &at,
                &author.user_id,
                &author.display_name,
                &e.kind.as_str(),
                &e.field.map(|f| f.as_str()),
                &e.old_value,
                &e.new_value,
                &e.status_name,
            ],
        )?;
        if let (EventKind::Commented, Some(text)) = (e.kind, &e.new_value) {
            index_part(db, log_id, event_no, text)?;
        }
    }
    Ok(last_event_no)
}

/// The advisory lock space of idempotency keys (the two-key form: apart
/// from the one-key locks of `RuleLock` and the change clock).
const IDEMPOTENCY_LOCK_CLASS: i32 = 0x6964_656d; // "idem"

/// The log an `Idempotency-Key` of this user created at or after `since`.
///
/// First it takes a transaction-scoped lock on (user, key): two requests
/// with the same key, on any instances, run their check-then-create one
/// after the other, and the second (its check a later statement, so a
/// later snapshot under READ COMMITTED) finds the first's log and answers
/// it, as on SQLite's single writer. The service asks this only in a write.
pub fn find_idempotent(db: &mut Db, user_id: UserId, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
    db.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2::bigint::text || ':' || $3))",
        &[&IDEMPOTENCY_LOCK_CLASS, &user_id, &key],
    )?;
    let row = db.query_opt(
        "SELECT log_id, fingerprint FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_on > $3",
        &[&user_id, &key, &since.0],
    )?;
    row.map(|r| Ok(RememberedKey { log_id: col(&r, 0)?, fingerprint: col(&r, 1)? })).transpose()
}

/// Records the key's log and body (a key past its window, not yet
/// forgotten, is taken over, as on SQLite); [`find_idempotent`]'s lock is held.
pub fn remember_idempotent(
    db: &mut Db,
    user_id: UserId,
    key: &str,
    remembered: &RememberedKey,
    now: Stamp,
) -> StoreResult<()> {
    db.execute(
        "INSERT INTO idempotency_keys (user_id, key, log_id, created_on, fingerprint) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, key) DO UPDATE SET log_id = excluded.log_id, created_on = excluded.created_on,
             fingerprint = excluded.fingerprint",
        &[&user_id, &key, &remembered.log_id, &now.0, &remembered.fingerprint],
    )?;
    Ok(())
}

/// The longest lexeme a `tsvector` holds, in bytes (its length field has
/// 11 bits; `array_to_tsvector` would wrap a longer one silently).
const MAX_LEXEME_BYTES: usize = 2046;

/// The terms of `text` as the index keeps them: FTS5's words and their
/// marked stems ([`index_terms`]), each cut to
/// [`MAX_LEXEME_BYTES`] at a character boundary. A search word is at most
/// 256 characters (1 KiB), so a cut word still has every prefix a search
/// can ask for.
pub fn index_words(text: &str) -> Vec<String> {
    index_terms(text)
        .into_iter()
        .map(|mut word| {
            if word.len() > MAX_LEXEME_BYTES {
                let mut end = MAX_LEXEME_BYTES;
                while !word.is_char_boundary(end) {
                    end -= 1;
                }
                word.truncate(end);
            }
            word
        })
        .collect()
}

/// The searchable text of a log that is not in its comments (the same text
/// as the SQLite engine's header row).
fn index_header(
    db: &mut Db,
    log_id: LogId,
    subject: &str,
    call_from: &str,
    takenby: &str,
    notes: Option<&str>,
) -> StoreResult<()> {
    let body = format!("{subject}\n{call_from}\n{takenby}\n{}", notes.unwrap_or(""));
    index_part(db, log_id, 0, &body)
}

/// Writes (or replaces) one row of the search index: part 0 the header,
/// else the comment of that event number.
fn index_part(db: &mut Db, log_id: LogId, part: i64, text: &str) -> StoreResult<()> {
    db.execute(
        "INSERT INTO call_log_search (log_id, part, terms) VALUES ($1, $2, array_to_tsvector($3::text[]))
         ON CONFLICT (log_id, part) DO UPDATE SET terms = excluded.terms",
        &[&log_id, &part, &index_words(text)],
    )?;
    Ok(())
}

pub fn history(db: &mut Db, log_id: LogId, limit: i64, offset: i64) -> StoreResult<(i64, Vec<HistoryEntry>)> {
    let total: i64 = col(&db.query_one("SELECT count(*) FROM log_events WHERE log_id = $1", &[&log_id])?, 0)?;
    let rows = db.query(
        "SELECT at, user_name, kind, field, old_value, new_value FROM log_events
         WHERE log_id = $1 ORDER BY event_no LIMIT $2 OFFSET $3",
        &[&log_id, &limit, &offset],
    )?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.col(2)?;
        let kind = kind
            .parse::<EventKind>()
            .map_err(|_| StoreError::Failed(format!("call log {log_id} has an event of unknown kind {kind:?}")))?;
        let field = match col::<Option<String>>(r, 3)? {
            None => None,
            Some(text) => Some(text.parse::<TrackedField>().map_err(|_| {
                StoreError::Failed(format!("call log {log_id} has a change of unknown field {text:?}"))
            })?),
        };
        entries.push(HistoryEntry {
            date: Stamp(r.col(0)?),
            user: r.col(1)?,
            action: kind,
            field,
            old_value: r.col(4)?,
            new_value: r.col(5)?,
        });
    }
    Ok((total, entries))
}

/// Collects parameters and hands out their `$N` placeholders.
#[derive(Default)]
struct Binder {
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl Binder {
    fn bind<T: ToSql + Sync + 'static>(&mut self, value: T) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// The `WHERE` of a list over `call_logs c` (a search's words aside: see
/// [`matches_cte`]), its parameters bound in `b`.
fn list_conditions(db: &mut Db, filter: &CallLogFilter, b: &mut Binder) -> StoreResult<String> {
    let mut conditions = vec!["NOT c.deleted".to_string()];
    // A property filter was authorized against the scope already and narrows
    // more. Unit and resident filters keep the scope: a resident who moved
    // keeps old logs under the old property, which the caller may not see.
    let scope = filter.scope.as_ref().filter(|_| filter.property_id.is_none());
    match scope.map(Vec::as_slice) {
        None => {}
        Some([only]) => conditions.push(format!("c.property_id = {}", b.bind(*only))),
        Some(several) => conditions.push(format!("c.property_id = ANY({}::bigint[])", b.bind(several.to_vec()))),
    }
    if let Some(id) = filter.property_id {
        conditions.push(format!("c.property_id = {}", b.bind(id)));
    }
    if let Some(id) = filter.unit_id {
        conditions.push(format!("c.unit_id = {}", b.bind(id)));
    }
    if let Some(id) = filter.resident_id {
        conditions.push(format!("c.resident_id = {}", b.bind(id)));
    }
    if let Some(ids) = &filter.statuses {
        conditions.push(format!("c.status_id = ANY({}::bigint[])", b.bind(ids.clone())));
    }
    if let Some(ids) = &filter.reasons {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM call_log_reasons r WHERE r.log_id = c.log_id AND r.reason_id = ANY({}::bigint[]))",
            b.bind(ids.clone())
        ));
    }
    if let Some(name) = &filter.taken_by_exactly {
        conditions.push(format!("c.taken_by = {}", b.bind(name.clone())));
    }
    if let Some(name) = &filter.takenby {
        let names = takers_named(db, name)?;
        conditions.push(format!("c.taken_by = ANY({}::text[])", b.bind(names)));
    }
    if let Some(from) = filter.from {
        conditions.push(format!("c.created_on >= {}", b.bind(from.0)));
    }
    if let Some(to) = filter.to {
        conditions.push(format!("c.created_on < {}", b.bind(to.0)));
    }
    if let Some(since) = filter.modified_since {
        conditions.push(format!("c.modified_on >= {}", b.bind(since.0)));
    }
    Ok(conditions.join(" AND "))
}

/// The takers of live logs whose name is `lower` in Unicode lower case
/// (Rust's, as SQLite's `casefold`: PostgreSQL's `lower()` follows the
/// database's locale, and the C locale folds ASCII only). The distinct
/// takers are few (users' names): read by skipping along the taker's index,
/// a step per name, then compared here.
fn takers_named(db: &mut Db, lower: &str) -> StoreResult<Vec<String>> {
    let rows = db.query(
        "WITH RECURSIVE takers(name) AS (
             SELECT min(taken_by) FROM call_logs WHERE NOT deleted
             UNION ALL
             SELECT (SELECT min(c.taken_by) FROM call_logs c WHERE NOT c.deleted AND c.taken_by > t.name)
             FROM takers t WHERE t.name IS NOT NULL)
         SELECT name FROM takers WHERE name IS NOT NULL",
        &[],
    )?;
    let mut names = Vec::new();
    for r in &rows {
        let name: String = r.col(0)?;
        if name.to_lowercase() == lower {
            names.push(name);
        }
    }
    Ok(names)
}

/// The `ORDER BY` of a list over `c` in the filter's sort (a search's
/// `Relevance` sorts each tier newest first: [`CallLogFilter::without_words`]); ties by
/// LogId in the same direction, as on SQLite.
fn list_order(plain: &CallLogFilter) -> String {
    let direction = if plain.descending { "DESC" } else { "ASC" };
    match plain.sort {
        SortField::ModifiedOn => format!("c.modified_on {direction}, c.log_id {direction}"),
        SortField::LogId => format!("c.log_id {direction}"),
        SortField::CreatedOn | SortField::Relevance => format!("c.created_on {direction}, c.log_id {direction}"),
    }
}

/// `WITH matches AS (…)`: the logs (deleted ones too: the list's conditions
/// leave those out) whose text has every word of a search, each as a
/// prefix, somewhere in the header or a comment, with their tier: 1, the
/// header row holds every word; 2, one comment row does; 3, the words are
/// spread over several rows (docs/api.md §7, as on SQLite).
///
/// The words are taken in the order SQLite reads them (longer words first,
/// usually the rarest; one- and two-letter words, which match most rows,
/// last), each step keeping the logs of the step before that also hold the
/// next word: the planner joins the few logs left to their rows by id, or
/// the many to the word's rows from the GIN index, and a step after an empty
/// one reads nothing. A search's cost so follows its rarest words, as on
/// SQLite, not the sum of every word's rows. The tiers come from one more
/// step, the rows of the logs left that hold every word.
fn matches_cte(db: &mut Db, words: &[String], b: &mut Binder) -> StoreResult<String> {
    let mut named = Vec::with_capacity(words.len());
    for word in words {
        named.push(named_by(db, &SearchTerm::of(word))?);
    }
    if named.iter().all(NamedMatches::is_empty) {
        return Ok(text_matches_cte(words, b));
    }
    // Some word names a reason, unit or property: a log matches it by its
    // text or by those, and a header row holds it when the header's text
    // does or the log's names do (they count as part of the header, as on
    // SQLite).
    let mut ordered: Vec<(&String, &NamedMatches)> = words.iter().zip(&named).collect();
    ordered.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
    let mut steps = Vec::with_capacity(ordered.len());
    let mut row_holds = Vec::with_capacity(ordered.len());
    for (i, (word, names)) in ordered.iter().enumerate() {
        let query = b.bind(tsquery_text(std::slice::from_ref(*word)));
        let (from, by_text) = match i {
            0 => (String::new(), format!("SELECT log_id FROM call_log_search WHERE terms @@ {query}::text::tsquery")),
            _ => (
                format!("w{} l JOIN ", i - 1),
                format!(
                    "SELECT s.log_id FROM w{} l JOIN call_log_search s ON s.log_id = l.log_id
                     WHERE s.terms @@ {query}::text::tsquery",
                    i - 1
                ),
            ),
        };
        let mut parts = vec![by_text];
        let mut names_hold = Vec::new();
        if !names.properties.is_empty() || !names.units.is_empty() {
            let (p, u) = (b.bind(names.properties.clone()), b.bind(names.units.clone()));
            parts.push(format!(
                "SELECT c.log_id FROM {from}call_logs c{on} WHERE NOT c.deleted
                     AND (c.property_id = ANY({p}::bigint[]) OR c.unit_id = ANY({u}::bigint[]))",
                on = if i == 0 { "" } else { " ON c.log_id = l.log_id" }
            ));
            names_hold.push(format!("n.property_id = ANY({p}::bigint[]) OR n.unit_id = ANY({u}::bigint[])"));
        }
        if !names.reasons.is_empty() {
            let r = b.bind(names.reasons.clone());
            parts.push(format!(
                "SELECT r.log_id FROM {from}call_log_reasons r{on} WHERE r.reason_id = ANY({r}::bigint[])",
                on = if i == 0 { "" } else { " ON r.log_id = l.log_id" }
            ));
            names_hold.push(format!(
                "EXISTS (SELECT 1 FROM call_log_reasons r WHERE r.log_id = s.log_id AND r.reason_id = ANY({r}::bigint[]))"
            ));
        }
        // A log whose header and comments both hold the word comes once.
        steps.push(format!("w{i} AS MATERIALIZED (SELECT DISTINCT log_id FROM ({}) u)", parts.join(" UNION ALL ")));
        row_holds.push(if names_hold.is_empty() {
            format!("s.terms @@ {query}::text::tsquery")
        } else {
            format!("(s.terms @@ {query}::text::tsquery OR (s.part = 0 AND ({})))", names_hold.join(" OR "))
        });
    }
    let last = format!("w{}", ordered.len().saturating_sub(1));
    Ok(format!(
        "WITH {},
         matches AS MATERIALIZED (
             SELECT h.log_id, CASE WHEN w.part = 0 THEN 1 WHEN w.part IS NOT NULL THEN 2 ELSE 3 END AS tier
             FROM {last} h
             LEFT JOIN (SELECT s.log_id, min(s.part) AS part
                        FROM {last} l JOIN call_log_search s ON s.log_id = l.log_id
                        JOIN call_logs n ON n.log_id = s.log_id
                        WHERE {} GROUP BY s.log_id) w ON w.log_id = h.log_id)",
        steps.join(",\n         "),
        row_holds.join(" AND ")
    ))
}

/// Indexes names anew (after they were written): each (id, name)'s folded
/// words and marked stems in `search_names`, which a search reads to find
/// the logs a word names. A rename changes what matches at once, in the
/// rename's transaction, and no log is indexed again.
pub fn index_names(db: &mut Db, kind: NamedKind, names: &[(i64, &str)]) -> StoreResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = names.iter().map(|(id, _)| *id).collect();
    db.execute("DELETE FROM search_names WHERE kind = $1 AND entity_id = ANY($2)", &[&kind.as_str(), &ids])?;
    let (mut owners, mut terms) = (Vec::new(), Vec::new());
    for (id, name) in names {
        for term in index_words(name) {
            owners.push(*id);
            terms.push(term);
        }
    }
    db.execute(
        "INSERT INTO search_names (kind, entity_id, term)
         SELECT $1, id, term FROM unnest($2::bigint[], $3::text[]) AS t(id, term) ON CONFLICT DO NOTHING",
        &[&kind.as_str(), &owners, &terms],
    )?;
    Ok(())
}

/// The names among `named` (id, name) that differ from the stored ones
/// (`sql` reads stored (id, name) pairs for an array of ids): the ones whose
/// words a search must learn anew.
pub fn renamed<'a>(db: &mut Db, sql: &str, named: &[(i64, &'a str)]) -> StoreResult<Vec<(i64, &'a str)>> {
    let ids: Vec<i64> = named.iter().map(|(id, _)| *id).collect();
    let mut stored: HashMap<i64, String> = HashMap::with_capacity(ids.len());
    for r in &db.query(sql, &[&ids])? {
        stored.insert(r.col(0)?, r.col(1)?);
    }
    Ok(named.iter().filter(|(id, name)| stored.get(id).map(String::as_str) != Some(*name)).copied().collect())
}

/// The reasons, units and properties whose names a search word matches
/// (`search_names`: each name's folded words and marked stems).
fn named_by(db: &mut Db, term: &SearchTerm) -> StoreResult<NamedMatches> {
    let stem = format!("{STEM_MARK}{}", term.stem);
    let word = term.stem_as_word.then(|| term.stem.clone());
    let bound = prefix_upper_bound(&term.prefix);
    let rows = db.query(
        "SELECT kind, entity_id FROM search_names
         WHERE (term >= $1 AND ($2::text IS NULL OR term < $2)) OR term = $3 OR term = $4",
        &[&term.prefix, &bound, &stem, &word],
    )?;
    let mut named = NamedMatches::default();
    for r in &rows {
        let kind: String = r.col(0)?;
        if let Ok(kind) = kind.parse::<NamedKind>() {
            named.add(kind, r.col(1)?);
        }
    }
    Ok(named)
}

/// [`matches_cte`] when no word names a reason, unit or property: the text alone.
fn text_matches_cte(words: &[String], b: &mut Binder) -> String {
    if let [word] = words {
        // One word: the rows holding it are the rows holding every word, so
        // one pass over them gives the logs and their tiers (never 3).
        let query = b.bind(tsquery_text(std::slice::from_ref(word)));
        return format!(
            "WITH matches AS MATERIALIZED (
                 SELECT log_id, CASE WHEN min(part) = 0 THEN 1 ELSE 2 END AS tier
                 FROM call_log_search WHERE terms @@ {query}::text::tsquery GROUP BY log_id)"
        );
    }
    let mut ordered: Vec<&String> = words.iter().collect();
    // Stable: words of one length keep the order they came in.
    ordered.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut steps = Vec::with_capacity(ordered.len());
    for (i, word) in ordered.iter().enumerate() {
        let query = b.bind(tsquery_text(std::slice::from_ref(*word)));
        steps.push(match i {
            0 => format!(
                "w0 AS MATERIALIZED (SELECT DISTINCT log_id FROM call_log_search WHERE terms @@ {query}::text::tsquery)"
            ),
            _ => format!(
                "w{i} AS MATERIALIZED (SELECT DISTINCT s.log_id FROM w{} l JOIN call_log_search s ON s.log_id = l.log_id
                                       WHERE s.terms @@ {query}::text::tsquery)",
                i - 1
            ),
        });
    }
    let last = format!("w{}", ordered.len().saturating_sub(1));
    let all = b.bind(tsquery_text(words));
    format!(
        "WITH {},
         matches AS MATERIALIZED (
             SELECT h.log_id, CASE WHEN w.part = 0 THEN 1 WHEN w.part IS NOT NULL THEN 2 ELSE 3 END AS tier
             FROM {last} h
             LEFT JOIN (SELECT s.log_id, min(s.part) AS part FROM {last} l JOIN call_log_search s ON s.log_id = l.log_id
                        WHERE s.terms @@ {all}::text::tsquery GROUP BY s.log_id) w ON w.log_id = h.log_id)",
        steps.join(",\n         ")
    )
}

/// The condition on `call_logs c` that keeps a search's matches: their ids
/// as one array, so the logs are sought by id (joined to the CTE instead,
/// PostgreSQL cannot tell how few they are and reads every log).
const AMONG_MATCHES: &str = "c.log_id = ANY(ARRAY(SELECT log_id FROM matches))";

/// The number of live logs a filter of properties and statuses alone lets
/// through, from the counters the triggers keep (a few rows per unit)
/// instead of counting up to every log; `None` for any other filter.
fn counted_total(db: &mut Db, filter: &CallLogFilter) -> StoreResult<Option<i64>> {
    if !crate::store::shared::counted_by_place_and_status(filter) {
        return Ok(None);
    }
    let mut b = Binder::default();
    let mut conditions = vec!["true".to_string()];
    match (filter.property_id, &filter.scope) {
        (Some(id), _) => conditions.push(format!("n.property_id = {}", b.bind(id))),
        (None, Some(scope)) => conditions.push(format!("n.property_id = ANY({}::bigint[])", b.bind(scope.clone()))),
        (None, None) => {}
    }
    if let Some(ids) = &filter.statuses {
        conditions.push(format!("n.status_id = ANY({}::bigint[])", b.bind(ids.clone())));
    }
    let row = db.query_one(
        &format!("SELECT coalesce(sum(n.live), 0)::bigint FROM call_log_counts n WHERE {}", conditions.join(" AND ")),
        &b.params(),
    )?;
    Ok(Some(col(&row, 0)?))
}

/// One page of logs matching `filter`, with the total count of matches.
pub fn list(db: &mut Db, filter: &CallLogFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<CallLog>)> {
    if let Some(words) = &filter.search {
        return list_search(db, filter, words, limit, offset);
    }
    let mut b = Binder::default();
    let conditions = list_conditions(db, filter, &mut b)?;
    let total = match counted_total(db, filter)? {
        Some(total) => total,
        None => col(&db.query_one(&format!("SELECT count(*) FROM call_logs c WHERE {conditions}"), &b.params())?, 0)?,
    };
    let order = list_order(filter);
    let (l, o) = (b.bind(limit), b.bind(offset));
    let rows = db.query(
        &format!("SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE {conditions} ORDER BY {order} LIMIT {l} OFFSET {o}"),
        &b.params(),
    )?;
    let mut logs = rows.iter().map(log_from_row).collect::<StoreResult<Vec<_>>>()?;
    attach_details(db, &mut logs)?;
    Ok((total, logs))
}

/// A search's page and the number of its live matches the filter lets
/// through, in one statement: best tier first (unless a sort is given),
/// then the filter's order.
fn list_search(
    db: &mut Db,
    filter: &CallLogFilter,
    words: &[String],
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<CallLog>)> {
    let plain = filter.without_words();
    let mut b = Binder::default();
    let matches = matches_cte(db, words, &mut b)?;
    let conditions = list_conditions(db, &plain, &mut b)?;
    let tier = if filter.sort == SortField::Relevance { "c.tier, " } else { "" };
    let order = list_order(&plain);
    let (l, o) = (b.bind(limit), b.bind(offset));
    let row = db.query_one(
        &format!(
            "{matches},
             live AS MATERIALIZED (
                 SELECT c.log_id, c.created_on, c.modified_on, m.tier
                 FROM matches m JOIN call_logs c ON c.log_id = m.log_id
                 WHERE {AMONG_MATCHES} AND {conditions})
             SELECT (SELECT count(*) FROM live),
                    ARRAY(SELECT c.log_id FROM live c ORDER BY {tier}{order} LIMIT {l} OFFSET {o})"
        ),
        &b.params(),
    )?;
    let total: i64 = col(&row, 0)?;
    let ids: Vec<i64> = col(&row, 1)?;
    let mut logs = logs_by_id(db, &ids)?;
    attach_details(db, &mut logs)?;
    Ok((total, logs))
}

/// The logs of `ids`, in that order.
fn logs_by_id(db: &mut Db, ids: &[i64]) -> StoreResult<Vec<CallLog>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db.query(&format!("SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE c.log_id = ANY($1)"), &[&ids])?;
    let mut found: HashMap<i64, CallLog> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let log = log_from_row(r)?;
        found.insert(log.log_id.0, log);
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The counting columns of a summary over `call_log_counts n` joined to
/// `statuses s` (the counters the schema's triggers keep per status).
const CATEGORY_COUNTS: &str = "coalesce(sum(n.live), 0)::bigint, \
     coalesce(sum(n.live) FILTER (WHERE s.category = 'open'), 0)::bigint, \
     coalesce(sum(n.live) FILTER (WHERE s.category = 'pending'), 0)::bigint, \
     coalesce(sum(n.live) FILTER (WHERE s.category = 'closed'), 0)::bigint";

fn counts_from(r: &Row, first: usize) -> StoreResult<CategoryCounts> {
    Ok(CategoryCounts {
        call_logs: col(r, first)?,
        open_call_logs: col(r, first + 1)?,
        pending_call_logs: col(r, first + 2)?,
        closed_call_logs: col(r, first + 3)?,
    })
}

/// Up to `limit` rows matching `filter` after `after`, in the list's order
/// (a search without `sort` exports newest first: a file is read whole,
/// not skimmed, and a tier gives no stable place to resume from). Each
/// chunk is one short query, so a slow download holds no connection.
pub fn export_chunk(
    db: &mut Db,
    filter: &CallLogFilter,
    after: Option<ExportCursor>,
    limit: usize,
) -> StoreResult<Vec<ExportRow>> {
    let plain = filter.without_words();
    let mut b = Binder::default();
    let matches = match filter.search.as_deref() {
        Some(words) => Some(matches_cte(db, words, &mut b)?),
        None => None,
    };
    let mut conditions = list_conditions(db, &plain, &mut b)?;
    if matches.is_some() {
        conditions = format!("{AMONG_MATCHES} AND {conditions}");
    }
    if let Some(cursor) = after {
        let op = if plain.descending { "<" } else { ">" };
        let key = match plain.sort {
            SortField::ModifiedOn => {
                format!("(c.modified_on, c.log_id) {op} ({}, {})", b.bind(cursor.sort_value), b.bind(cursor.log_id))
            }
            SortField::LogId => format!("c.log_id {op} {}", b.bind(cursor.log_id)),
            SortField::CreatedOn | SortField::Relevance => {
                format!("(c.created_on, c.log_id) {op} ({}, {})", b.bind(cursor.sort_value), b.bind(cursor.log_id))
            }
        };
        conditions = format!("{conditions} AND {key}");
    }
    let order = list_order(&plain);
    let n = b.bind(i64::try_from(limit).unwrap_or(i64::MAX));
    // Reason names in display order, then by name as SQLite's NOCASE column
    // compares them (ASCII letters folded, then bytes).
    let rows = db.query(
        &format!(
            "{}
             SELECT c.log_id, c.created_on, c.property_id, c.unit_id, c.resident_id, c.call_from, st.name,
                    (SELECT string_agg(rs.name, '; ' ORDER BY rs.display_order,
                                translate(rs.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
                                    COLLATE \"C\")
                     FROM call_log_reasons lr JOIN reasons rs ON rs.reason_id = lr.reason_id
                     WHERE lr.log_id = c.log_id),
                    c.subject, c.notes, c.taken_by,
                    c.comment_count,
                    (SELECT e.new_value FROM log_events e WHERE e.log_id = c.log_id AND e.kind = 'commented'
                     ORDER BY e.event_no DESC LIMIT 1),
                    c.modified_on
             FROM call_logs c JOIN statuses st ON st.status_id = c.status_id
             WHERE {conditions} ORDER BY {order} LIMIT {n}",
            matches.unwrap_or_default()
        ),
        &b.params(),
    )?;
    rows.iter()
        .map(|r| {
            Ok(ExportRow {
                log_id: r.col(0)?,
                created_on: Stamp(r.col(1)?),
                property_id: r.col(2)?,
                unit_id: r.col(3)?,
                resident_id: r.col(4)?,
                call_from: r.col(5)?,
                status: r.col(6)?,
                reasons: col::<Option<String>>(r, 7)?.unwrap_or_default(),
                subject: r.col(8)?,
                notes: r.col(9)?,
                takenby: r.col(10)?,
                comment_count: r.col(11)?,
                last_comment: r.col(12)?,
                modified_on: Stamp(r.col(13)?),
            })
        })
        .collect()
}

impl CallLogReads for PgTx<'_> {
    fn call_log(&mut self, log_id: LogId) -> StoreResult<Option<CallLog>> {
        get(self.db()?, log_id)
    }
    fn call_log_head(&mut self, log_id: LogId) -> StoreResult<Option<LogHead>> {
        // In a write, the row stays locked to the end: a concurrent write of
        // the same log (another instance's If-Match) waits, then sees this one.
        let lock = self.writing();
        head(self.db()?, log_id, lock)
    }
    fn history(&mut self, log_id: LogId, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)> {
        history(self.db()?, log_id, page.size, page.offset())
    }
    fn list_call_logs(&mut self, filter: &CallLogFilter, page: Page) -> StoreResult<(i64, Vec<CallLog>)> {
        list(self.db()?, filter, page.size, page.offset())
    }
    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
    ) -> StoreResult<Vec<ExportRow>> {
        export_chunk(self.db()?, filter, after, limit)
    }
    /// A property's live call logs counted by status category: a few counter
    /// rows per unit, however many logs the property has.
    fn property_counts(&mut self, property_id: PropertyId) -> StoreResult<CategoryCounts> {
        let db = self.db()?;
        let row = db.query_one(
            &format!(
                "SELECT {CATEGORY_COUNTS} FROM call_log_counts n JOIN statuses s ON s.status_id = n.status_id
                 WHERE n.property_id = $1"
            ),
            &[&property_id],
        )?;
        counts_from(&row, 0)
    }
    /// Every unit of a property (in display order, unit numbers compared byte
    /// by byte as on SQLite), with its live call logs counted by status
    /// category; units without calls count zero.
    fn unit_counts(&mut self, property_id: PropertyId) -> StoreResult<Vec<UnitSummary>> {
        let db = self.db()?;
        let rows = db.query(
            &format!(
                "SELECT u.unit_id, {CATEGORY_COUNTS} FROM units u
                 LEFT JOIN call_log_counts n ON n.property_id = u.property_id AND n.unit_key = u.unit_id
                 LEFT JOIN statuses s ON s.status_id = n.status_id
                 WHERE u.property_id = $1
                 GROUP BY u.unit_id
                 ORDER BY u.display_order IS NULL, u.display_order, u.unit_number COLLATE \"C\", u.unit_id"
            ),
            &[&property_id],
        )?;
        rows.iter().map(|r| Ok(UnitSummary { unit_id: r.col(0)?, counts: counts_from(r, 1)? })).collect()
    }
}

impl CallLogWrites for PgTx<'_> {
    fn idempotent_log(&mut self, user_id: UserId, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
        find_idempotent(self.db()?, user_id, key, since)
    }
    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<LogId> {
        insert(self.db()?, row)
    }
    fn link_reasons(&mut self, log_id: LogId, reason_ids: &[ReasonId]) -> StoreResult<()> {
        let db = self.db()?;
        for reason_id in reason_ids {
            db.execute("INSERT INTO call_log_reasons (log_id, reason_id) VALUES ($1, $2)", &[&log_id, reason_id])?;
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
        append_events(self.db()?, log_id, after_event_no, events, author, now)
    }
    /// New notes, and the log's search header rebuilt with them.
    fn set_notes(&mut self, log_id: LogId, notes: Option<&str>) -> StoreResult<()> {
        let db = self.db()?;
        let row = db.query_opt(
            "UPDATE call_logs SET notes = $2 WHERE log_id = $1 RETURNING subject, call_from, taken_by",
            &[&log_id, &notes],
        )?;
        let Some(row) = row else {
            return Err(StoreError::Failed(format!("call log {log_id} vanished while its notes changed")));
        };
        let (subject, call_from, takenby): (String, String, String) = (col(&row, 0)?, col(&row, 1)?, col(&row, 2)?);
        index_header(db, log_id, &subject, &call_from, &takenby, notes)
    }
    fn set_status(&mut self, log_id: LogId, status_id: StatusId) -> StoreResult<()> {
        let db = self.db()?;
        db.execute("UPDATE call_logs SET status_id = $2 WHERE log_id = $1", &[&log_id, &status_id])?;
        Ok(())
    }
    fn set_deleted(&mut self, log_id: LogId, deleted: bool) -> StoreResult<()> {
        let db = self.db()?;
        db.execute("UPDATE call_logs SET deleted = $2 WHERE log_id = $1", &[&log_id, &deleted])?;
        Ok(())
    }
    fn remember_idempotency_key(
        &mut self,
        user_id: UserId,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()> {
        remember_idempotent(self.db()?, user_id, key, remembered, now)
    }
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()> {
        let db = self.db()?;
        db.execute("DELETE FROM idempotency_keys WHERE created_on <= $1", &[&before.0])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indexed_word_is_cut_to_what_a_tsvector_holds_at_a_character_boundary() {
        let long = "a".repeat(3000);
        assert_eq!(index_words(&format!("Leak {long}")), ["leak".to_string(), "a".repeat(MAX_LEXEME_BYTES)]);
        // Two-byte letters: the cut falls between them, never inside one.
        let words = index_words(&"ж".repeat(1500));
        assert_eq!(words[0].len(), MAX_LEXEME_BYTES);
        assert!(words[0].chars().all(|c| c == 'ж'));
        let words = index_words(&format!("b{}", "ж".repeat(1500)));
        assert_eq!(words[0].len(), MAX_LEXEME_BYTES - 1);
    }
}
