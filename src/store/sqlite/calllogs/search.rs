//! Call-log search on SQLite: the FTS5 index and the queue that batches its
//! writes, and the tiered planner that reads a search's matches.

use super::*;

/// Bits of a search rowid below the log id: room for 16M events per log.
pub(super) const SEARCH_EVENT_BITS: i64 = 24;

pub(super) fn search_rowid(log_id: LogId, event_no: i64) -> i64 {
    (log_id.0 << SEARCH_EVENT_BITS) | (event_no & ((1 << SEARCH_EVENT_BITS) - 1))
}

/// Whether a log's header row is new to the search index or replaces one.
#[derive(Clone, Copy)]
pub(super) enum HeaderIndexing {
    New,
    Replace,
}

/// The searchable text of a log that is not in its comments.
pub(super) fn index_header(
    conn: &Connection,
    log_id: LogId,
    subject: &str,
    call_from: &str,
    takenby: &str,
    notes: Option<&str>,
    indexing: HeaderIndexing,
) -> StoreResult<()> {
    let body = format!("{subject}\n{call_from}\n{takenby}\n{}", notes.unwrap_or(""));
    queue_for_search(conn, search_rowid(log_id, 0), &body, matches!(indexing, HeaderIndexing::Replace))
}

pub(super) fn index_comment(conn: &Connection, log_id: LogId, event_no: i64, comment: &str) -> StoreResult<()> {
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
             -- the stems of body's words that differ from their word (call_log_stems)
             stems TEXT NOT NULL,
             -- 1 when the index holds this row from an earlier transaction
             replaces INTEGER NOT NULL)",
    )
}

pub(super) fn queue_for_search(conn: &Connection, rowid: i64, body: &str, replaces: bool) -> StoreResult<()> {
    // A header queued twice in one batch keeps its first `replaces`: whether
    // the index had the row before this transaction.
    let stems = stems_of(&folded_words(body)).join(" ");
    conn.prepare_cached(
        "INSERT INTO temp.search_queue (rowid, body, stems, replaces) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (rowid) DO UPDATE SET body = excluded.body, stems = excluded.stems",
    )?
    .execute(params![rowid, body, stems, replaces])?;
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
    conn.prepare_cached(
        "DELETE FROM call_log_stems WHERE rowid IN (SELECT rowid FROM temp.search_queue WHERE replaces)",
    )?
    .execute([])?;
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) SELECT rowid, body FROM temp.search_queue")?
        .execute([])?;
    // Most comments have a word that is not its own stem; those that have
    // none take no row.
    conn.prepare_cached(
        "INSERT INTO call_log_stems (rowid, body) SELECT rowid, stems FROM temp.search_queue WHERE stems <> ''",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM temp.search_queue")?.execute([])?;
    Ok(())
}

/// Indexes a reason's, unit's or property's name anew (after it was
/// written): its words and marked stems in `search_names`, which a search
/// reads to find the logs a word names. A rename changes what matches at
/// once, in the rename's transaction, and no log is indexed again.
pub fn index_name(conn: &Connection, kind: NamedKind, id: i64, name: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM search_names WHERE kind = ?1 AND entity_id = ?2")?
        .execute(params![kind.as_str(), id])?;
    let mut insert =
        conn.prepare_cached("INSERT OR IGNORE INTO search_names (kind, entity_id, term) VALUES (?1, ?2, ?3)")?;
    for term in index_terms(name) {
        insert.execute(params![kind.as_str(), id, term])?;
    }
    Ok(())
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

pub(super) const SEARCH_EVENT_MASK: i64 = (1 << SEARCH_EVENT_BITS) - 1;

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
pub(super) const PROBED_LOGS: i64 = 2048;
pub(super) const PROBED_ROWS: i64 = 8192;

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
    let terms: Vec<SearchTerm> = words.iter().map(|w| SearchTerm::of(w)).collect();
    let (mut long, mut short): (Vec<&SearchTerm>, Vec<&SearchTerm>) =
        terms.iter().partition(|t| t.prefix.chars().count() > PREFIX_INDEXED_CHARS);
    long.sort_by_key(|t| std::cmp::Reverse(t.prefix.chars().count()));
    let mut found: Option<Found> = None;
    for term in long {
        let rowids = term_rows(conn, term, None, found.as_ref(), paths, &mut work)?;
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
        for term in short.drain(..) {
            let probed: i64 = conn.prepare_cached(SEARCH_PROBE)?.query_row(
                params![fts_query(std::slice::from_ref(&term.prefix)), from << SEARCH_EVENT_BITS, PROBED_ROWS],
                |r| r.get(0),
            )?;
            work.probed += usize::try_from(probed).unwrap_or(0);
            estimated.push((probed as f64 * scale, term));
        }
        estimated.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (rows, term) in estimated {
            let ranges = match &found {
                Some(f) => match seek_plan(&f.logs, rows / newest.max(1) as f64, paths) {
                    Some(plan) if plan.cost < rows => Some(plan.ranges),
                    _ => None,
                },
                None => None,
            };
            let rowids = term_rows(conn, term, ranges.as_deref(), found.as_ref(), paths, &mut work)?;
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
pub(super) struct Found {
    logs: Vec<i64>,
    rows: Vec<i64>,
}

/// Keeps what also holds a word whose rows are `rowids` (sorted); false
/// when no log is left.
pub(super) fn narrow(found: &mut Option<Found>, rowids: Vec<i64>) -> bool {
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

/// The rows a search word matches, sorted: those holding a word it begins
/// (all of them, or those within `ranges` of logs), those holding a word
/// with its stem, and the header rows of the logs it names
/// ([`named_logs`]): a reason, unit or property counts as part of the
/// header.
pub(super) fn term_rows(
    conn: &Connection,
    term: &SearchTerm,
    ranges: Option<&[(i64, i64)]>,
    found: Option<&Found>,
    paths: SearchPaths,
    work: &mut SearchWork,
) -> StoreResult<Vec<i64>> {
    let rows = match ranges {
        Some(ranges) => rows_in_ranges(conn, &term.prefix, ranges, work)?,
        None => all_rows(conn, &term.prefix, work)?,
    };
    let mut more = rows_of(conn, STEM_ROWS, &fts_exact(&term.stem), work)?;
    if term.stem_as_word {
        more = sorted_union(&more, &rows_of(conn, SEARCH_ROWS, &fts_exact(&term.stem), work)?);
    }
    let named = named_logs(conn, term, found, paths)?;
    work.rows += named.len();
    if !named.is_empty() {
        let headers: Vec<i64> = named.iter().map(|log| log << SEARCH_EVENT_BITS).collect();
        more = sorted_union(&more, &headers);
    }
    Ok(if more.is_empty() { rows } else { sorted_union(&rows, &more) })
}

/// The rows of the stem index holding a stem.
pub const STEM_ROWS: &str = "SELECT integer_list(rowid) FROM call_log_stems WHERE call_log_stems MATCH ?1";

/// The rows of `sql` (one of the doclist queries) for an FTS5 query, sorted.
fn rows_of(conn: &Connection, sql: &str, query: &str, work: &mut SearchWork) -> StoreResult<Vec<i64>> {
    let list: Vec<u8> = conn.prepare_cached(sql)?.query_row([query], |r| r.get(0))?;
    let mut rowids: Vec<i64> = integers(&list).collect();
    work.rows += rowids.len();
    if !rowids.is_sorted() {
        rowids.sort_unstable();
    }
    Ok(rowids)
}

/// The reasons, units and properties whose names a search word matches,
/// from the index of names (`search_names`: each name's words and marked
/// stems, kept by whatever writes a name).
pub(in crate::store::sqlite) fn named_by(conn: &Connection, term: &SearchTerm) -> StoreResult<NamedMatches> {
    let stem = format!("{STEM_MARK}{}", term.stem);
    let word = term.stem_as_word.then_some(term.stem.as_str());
    let mut named = NamedMatches::default();
    let mut add = |kind: String, id: i64| {
        if let Ok(kind) = kind.parse::<NamedKind>() {
            named.add(kind, id);
        }
    };
    match prefix_upper_bound(&term.prefix) {
        Some(bound) => {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, entity_id FROM search_names
                 WHERE (term >= ?1 AND term < ?2) OR term = ?3 OR term = ?4",
            )?;
            let mut rows = stmt.query(params![term.prefix, bound, stem, word])?;
            while let Some(r) = rows.next()? {
                add(r.get(0)?, r.get(1)?);
            }
        }
        None => {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, entity_id FROM search_names WHERE term >= ?1 OR term = ?2 OR term = ?3",
            )?;
            let mut rows = stmt.query(params![term.prefix, stem, word])?;
            while let Some(r) = rows.next()? {
                add(r.get(0)?, r.get(1)?);
            }
        }
    }
    Ok(named)
}

/// The live logs (sorted, each once) whose reasons, unit or property a
/// search word names. When the logs still in the running are few, only
/// those are checked, by id; otherwise the named ones are read off the
/// indexes by reason, unit and property.
pub(super) fn named_logs(
    conn: &Connection,
    term: &SearchTerm,
    found: Option<&Found>,
    paths: SearchPaths,
) -> StoreResult<Vec<i64>> {
    let named = named_by(conn, term)?;
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let json = |ids: &[i64]| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let (reasons, units, properties) = (json(&named.reasons), json(&named.units), json(&named.properties));
    if let Some(found) = found.filter(|f| f.logs.len() <= paths.checked_by_id) {
        let ids: Vec<i64> = conn
            .prepare_cached(
                "SELECT c.log_id FROM call_logs c
                 WHERE c.log_id IN (SELECT value FROM json_each(?1)) AND c.deleted = 0
                   AND (c.property_id IN (SELECT value FROM json_each(?2))
                        OR c.unit_id IN (SELECT value FROM json_each(?3))
                        OR EXISTS (SELECT 1 FROM call_log_reasons r WHERE r.log_id = c.log_id
                                   AND r.reason_id IN (SELECT value FROM json_each(?4))))
                 ORDER BY c.log_id",
            )?
            .query_map(params![json(&found.logs), properties, units, reasons], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        return Ok(ids);
    }
    let mut ids: Vec<i64> = Vec::new();
    for (ids_of, sql) in [
        (&named.properties, "SELECT integer_list(log_id) FROM call_logs WHERE property_id IN (SELECT value FROM json_each(?1)) AND deleted = 0"),
        (&named.units, "SELECT integer_list(log_id) FROM call_logs WHERE unit_id IN (SELECT value FROM json_each(?1)) AND unit_id IS NOT NULL AND deleted = 0"),
        (&named.reasons, "SELECT integer_list(log_id) FROM call_log_reasons WHERE reason_id IN (SELECT value FROM json_each(?1))"),
    ] {
        if !ids_of.is_empty() {
            let list: Vec<u8> = conn.prepare_cached(sql)?.query_row([json(ids_of)], |r| r.get(0))?;
            ids.extend(integers(&list));
        }
    }
    if let Some(found) = found {
        // Only the logs still in the running can match: keep those of them
        // that are named (a bit per log id), in their order, rather than
        // sort every named log (a property's name may name most logs).
        let largest = found.logs.last().copied().unwrap_or(0).max(0);
        let mut named_bits = vec![0u64; usize::try_from(largest / 64 + 1).unwrap_or(0)];
        for id in ids {
            if let Some(word) = usize::try_from(id / 64).ok().and_then(|i| named_bits.get_mut(i)) {
                *word |= 1 << (id % 64);
            }
        }
        let is_named = |id: i64| {
            usize::try_from(id / 64)
                .ok()
                .and_then(|i| named_bits.get(i))
                .is_some_and(|word| word & (1 << (id % 64)) != 0)
        };
        return Ok(found.logs.iter().copied().filter(|id| is_named(*id)).collect());
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Every row holding a word beginning with `word`, sorted.
pub(super) fn all_rows(conn: &Connection, word: &str, work: &mut SearchWork) -> StoreResult<Vec<i64>> {
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
pub(super) fn rows_in_ranges(
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
pub(super) struct SeekPlan {
    ranges: Vec<(i64, i64)>,
    cost: f64,
}

/// Covers `logs` (sorted) with ranges, two neighbours sharing one when
/// reading the word's rows of the logs between them (`rows_per_log` each)
/// costs less than another seek; `None` when the plan would cost more than
/// reading every row of the index anyway.
pub(super) fn seek_plan(logs: &[i64], rows_per_log: f64, paths: SearchPaths) -> Option<SeekPlan> {
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
pub(super) fn integers(list: &[u8]) -> impl Iterator<Item = i64> + '_ {
    list.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
}

/// Both sorted lists as one, sorted, each once.
pub(super) fn sorted_union(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j, mut both) = (0, 0, Vec::with_capacity(a.len() + b.len()));
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x < y => {
                both.push(*x);
                i += 1;
            }
            (Some(x), Some(y)) if y < x => {
                both.push(*y);
                j += 1;
            }
            (Some(x), _) => {
                both.push(*x);
                i += 1;
                if b.get(j) == Some(x) {
                    j += 1;
                }
            }
            (None, Some(y)) => {
                both.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    both
}

pub(super) fn sorted_intersection(a: &[i64], b: &[i64]) -> Vec<i64> {
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
pub(super) struct LiveMatches {
    pub(super) log_ids: Vec<i64>,
    pub(super) tiers: Vec<Tier>,
    pub(super) filtered_logs: Option<i64>,
}

/// A tier per log id, 0 for a log that is not a match: a byte per log up
/// to the largest match, so a walk checks a row with one load. Log ids are
/// handed out in sequence, so that is about a byte per log ever written;
/// should the ids be far sparser than the matches, it binary-searches them.
pub(super) enum TierTable {
    Dense(Vec<Tier>),
    Sparse(Vec<i64>, Vec<Tier>),
}

impl TierTable {
    pub(super) fn new(log_ids: &[i64], tiers: &[Tier]) -> TierTable {
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

    pub(super) fn get(&self, log_id: i64) -> Tier {
        match self {
            TierTable::Dense(table) => usize::try_from(log_id).ok().and_then(|i| table.get(i)).copied().unwrap_or(0),
            TierTable::Sparse(ids, tiers) => ids.binary_search(&log_id).map_or(0, |i| tiers[i]),
        }
    }
}

/// Keeps the matches the filter lets through, exactly: `Total` is their number.
pub(super) fn live_matches(
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
pub(super) fn list_search(
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
pub(super) fn page_of_matches(
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
pub(super) fn walk_tier(
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
