//! Call-log lists on SQLite: the list query builder, counts, summaries and
//! the export.

use super::*;
use crate::domain::ids::PropertyId;

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
pub(super) struct Binder {
    values: Vec<SqlValue>,
}

impl Binder {
    fn bind(&mut self, value: SqlValue) -> String {
        self.values.push(value);
        format!("?{}", self.values.len())
    }

    fn bind_ids<T: std::fmt::Display>(&mut self, ids: &[T]) -> String {
        self.bind(SqlValue::Text(id_list_param(Some(ids)).unwrap_or_default()))
    }
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
        Some([only]) => conditions.push(format!("c.property_id = {}", b.bind(SqlValue::Integer(only.0)))),
        Some(several) => {
            // Counting seeks each property on its index. A page instead walks
            // the sort order's index and stops after one page ('+' keeps
            // SQLite off the property index, which would sort every match).
            let plus = if part == ListPart::Page { "+" } else { "" };
            conditions.push(format!("{plus}c.property_id IN (SELECT value FROM json_each({}))", b.bind_ids(several)));
        }
    }
    if let Some(id) = filter.property_id {
        conditions.push(format!("c.property_id = {}", b.bind(SqlValue::Integer(id.0))));
    }
    if let Some(id) = filter.unit_id {
        let unit = b.bind(SqlValue::Integer(id.0));
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
        conditions.push(format!("c.resident_id = {}", b.bind(SqlValue::Integer(id.0))));
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
pub(super) fn lets_every_log_through(filter: &CallLogFilter) -> bool {
    filter.scope.is_none()
        && filter.property_id.is_none()
        && filter.statuses.is_none()
        && !crate::store::shared::narrows_past_place_and_status(filter)
}

/// The number of live logs a filter of properties and statuses alone lets
/// through, from the counters the triggers keep (a few rows per unit)
/// instead of counting up to every log; `None` for any other filter.
pub(super) fn counted_total(conn: &Connection, filter: &CallLogFilter) -> StoreResult<Option<i64>> {
    if !crate::store::shared::counted_by_place_and_status(filter) {
        return Ok(None);
    }
    let mut b = Binder::default();
    let mut conditions = vec!["1".to_string()];
    match (filter.property_id, &filter.scope) {
        (Some(id), _) => conditions.push(format!("n.property_id = {}", b.bind(SqlValue::Integer(id.0)))),
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
        "SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE {conditions} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let mut logs: Vec<CallLog> =
        stmt.query_map(params_from_iter(values.iter()), log_from_row)?.collect::<Result<_, _>>()?;
    attach_details(conn, &mut logs)?;
    Ok((total, logs))
}

/// `ids` in the filter's sort order, their sort keys read by id.
pub(super) fn sorted_by_key(conn: &Connection, plain: &CallLogFilter, ids: &[i64]) -> StoreResult<Vec<i64>> {
    Ok(keyed_in_order(conn, plain, ids)?.into_iter().map(|(_, id)| id).collect())
}

/// `(sort key, id)` of each of `ids`, in the filter's sort order.
pub(super) fn keyed_in_order(conn: &Connection, plain: &CallLogFilter, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
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
pub(super) fn logs_by_id(conn: &Connection, ids: &[i64]) -> StoreResult<Vec<CallLog>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<i64, CallLog> = conn
        .prepare_cached(&format!(
            "SELECT {CALL_LOG_COLUMNS} FROM call_logs c WHERE c.log_id IN (SELECT value FROM json_each(?1))"
        ))?
        .query_map([id_list_param(Some(ids))], log_from_row)?
        .map(|log| log.map(|l| (l.log_id.0, l)))
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The counting columns of a summary over `call_log_counts n` joined to
/// `statuses s` (the counters the triggers of schema.sql keep per status).
pub(super) const CATEGORY_COUNTS: &str = "coalesce(sum(n.live), 0), \
     coalesce(sum(n.live * (s.category = 'open')), 0), coalesce(sum(n.live * (s.category = 'pending')), 0), \
     coalesce(sum(n.live * (s.category = 'closed')), 0)";

pub(super) fn counts_from(r: &Row, first: usize) -> rusqlite::Result<CategoryCounts> {
    Ok(CategoryCounts {
        call_logs: r.get(first)?,
        open_call_logs: r.get(first + 1)?,
        pending_call_logs: r.get(first + 2)?,
        closed_call_logs: r.get(first + 3)?,
    })
}

/// A property's live call logs counted by status category: a few counter
/// rows per unit, however many logs the property has.
pub fn property_counts(conn: &Connection, property_id: PropertyId) -> StoreResult<CategoryCounts> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CATEGORY_COUNTS} FROM call_log_counts n JOIN statuses s ON s.status_id = n.status_id
             WHERE n.property_id = ?1"
        ))?
        .query_row([property_id], |r| counts_from(r, 0))?)
}

/// Every unit of a property (in display order), with its live call logs
/// counted by status category; units without calls count zero.
pub fn unit_counts(conn: &Connection, property_id: PropertyId) -> StoreResult<Vec<UnitSummary>> {
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
        values.push(SqlValue::Integer(cursor.log_id.0));
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
            Some(c) if plain.descending => key < (c.sort_value, c.log_id.0),
            Some(c) => key > (c.sort_value, c.log_id.0),
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
    let mut by_id: HashMap<i64, ExportRow> = rows.into_iter().map(|r| (r.log_id.0, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Up to `limit` export rows of `call_logs c` matching `conditions` in `order`.
/// (Issue 9 measured reading the reasons and comments of a whole chunk in
/// one query each instead of these subqueries per row: no faster, 150-170k
/// rows/s either way at 1M logs, so the one query stays.)
pub(super) fn export_rows(
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
