//! The lookup's queries over the directory's FTS5 indexes (schema v2):
//! `resident_names`, `resident_phones` (trigram), `unit_numbers`,
//! `property_names`. Each finds ids in its index first, then reads only the
//! rows it answers.

use super::directory::{
    id_list_param, property_from_row, resident_from_row, unit_from_row, PROPERTY_COLUMNS, RESIDENT_COLUMNS,
    UNIT_COLUMNS,
};
use super::fts::fts_query;
use super::SqliteTx;
use crate::domain::directory::Property;
use crate::domain::ids::{LogId, PropertyId};
use crate::domain::lookup::{CallLogBrief, LookupQuery, NearWords, ResidentPlace, UnitPlace};
use crate::domain::time::Stamp;
use crate::store::LookupReads;
use crate::store::StoreResult;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, OptionalExtension};

/// A trigram phrase: the digits must occur, in order, inside a phone.
fn phone_query(runs: &[String]) -> String {
    runs.iter().map(|run| format!("\"{run}\"")).collect::<Vec<_>>().join(" ")
}

/// `AND <column> IN (…)` when the lookup is limited to some properties.
fn scope_condition(column: &str, properties: Option<&[PropertyId]>, values: &mut Vec<SqlValue>) -> String {
    match properties {
        None => String::new(),
        Some(ids) => {
            values.push(SqlValue::Text(id_list_param(Some(ids)).unwrap_or_default()));
            format!(" AND {column} IN (SELECT value FROM json_each(?{}))", values.len())
        }
    }
}

/// `columns` ("a, b, c") each prefixed with `alias.`, for a join.
fn qualified(columns: &str, alias: &str) -> String {
    columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// Residents who have not moved out, whose name has every word (by prefix)
/// and whose phones hold every run of digits. The index drives the query and it stops at `limit`
/// rows, so a prefix that matches thousands costs no more than one that
/// matches twenty; the rows found are then put in name order.
pub fn residents(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<ResidentPlace>> {
    let mut values = Vec::new();
    let mut conditions = Vec::new();
    let driver = if !query.words.is_empty() {
        values.push(SqlValue::Text(fts_query(&query.words)));
        conditions.push(format!("resident_names MATCH ?{}", values.len()));
        if !query.phone_digits.is_empty() {
            values.push(SqlValue::Text(phone_query(&query.phone_digits)));
            conditions.push(format!(
                "r.resident_id IN (SELECT rowid FROM resident_phones WHERE resident_phones MATCH ?{})",
                values.len()
            ));
        }
        "resident_names"
    } else if !query.phone_digits.is_empty() {
        values.push(SqlValue::Text(phone_query(&query.phone_digits)));
        conditions.push(format!("resident_phones MATCH ?{}", values.len()));
        "resident_phones"
    } else {
        return Ok(Vec::new());
    };
    // Residents who have moved out (docs/api.md §6) are left out here, at query
    // time, rather than kept out of the index: a move-out date in the future
    // takes effect when that day comes, with no write to re-index the row.
    values.push(SqlValue::Integer(Stamp::now().0));
    conditions.push(format!("(r.move_out_date IS NULL OR r.move_out_date > ?{})", values.len()));
    let scope = scope_condition("r.property_id", properties, &mut values);
    values.push(SqlValue::Integer(limit as i64));
    let sql = format!(
        "SELECT {},
                (SELECT u.unit_number FROM units u WHERE u.unit_id = r.unit_id),
                (SELECT p.property_name FROM properties p WHERE p.property_id = r.property_id)
         FROM {driver} m CROSS JOIN residents r ON r.resident_id = m.rowid
         WHERE {}{scope} LIMIT ?{}",
        qualified(RESIDENT_COLUMNS, "r"),
        conditions.join(" AND "),
        values.len()
    );
    let mut rows: Vec<ResidentPlace> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), |r| {
            Ok(ResidentPlace {
                resident: resident_from_row(r)?,
                unit_number: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                property_name: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
            })
        })?
        .collect::<Result<_, _>>()?;
    crate::domain::lookup::sort_by_name(&mut rows);
    Ok(rows)
}

/// Units whose number has every word, or starts with the number asked for;
/// driven by the index and stopped at `limit`, then put in display order.
pub fn units(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<UnitPlace>> {
    let terms = match &query.number {
        Some((_, digits)) => fts_query(std::slice::from_ref(digits)),
        None if !query.words.is_empty() => fts_query(&query.words),
        None => return Ok(Vec::new()),
    };
    let mut values = vec![SqlValue::Text(terms)];
    let scope = scope_condition("x.property_id", properties, &mut values);
    values.push(SqlValue::Integer(limit as i64));
    let sql = format!(
        "SELECT {},
                (SELECT p.property_name FROM properties p WHERE p.property_id = x.property_id)
         FROM unit_numbers m CROSS JOIN units x ON x.unit_id = m.rowid
         WHERE unit_numbers MATCH ?1{scope} LIMIT ?{}",
        qualified(UNIT_COLUMNS, "x"),
        values.len()
    );
    let mut rows: Vec<UnitPlace> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), |r| {
            Ok(UnitPlace {
                unit: unit_from_row(r)?,
                property_name: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            })
        })?
        .collect::<Result<_, _>>()?;
    crate::domain::lookup::sort_units(&mut rows);
    Ok(rows)
}

/// Properties whose name has every word (by prefix).
pub fn properties(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<Property>> {
    if query.words.is_empty() {
        return Ok(Vec::new());
    }
    let mut values = vec![SqlValue::Text(fts_query(&query.words))];
    let scope = scope_condition("property_id", properties, &mut values);
    values.push(SqlValue::Integer(limit as i64));
    let sql = format!(
        "SELECT {PROPERTY_COLUMNS} FROM properties
         WHERE property_id IN (SELECT rowid FROM property_names WHERE property_names MATCH ?1){scope}
         ORDER BY property_name COLLATE NOCASE, property_id LIMIT ?{}",
        values.len()
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), property_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

impl LookupReads for SqliteTx<'_> {
    fn lookup_residents(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<ResidentPlace>> {
        residents(self.conn, query, properties, limit)
    }
    fn lookup_units(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<UnitPlace>> {
        units(self.conn, query, properties, limit)
    }
    fn lookup_properties(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<Property>> {
        self::properties(self.conn, query, properties, limit)
    }
    fn name_word_begins(&mut self, prefix: &str) -> StoreResult<bool> {
        // Text compares by bytes here: the words that begin with `prefix`
        // sort from it up to it followed by the highest character.
        let end = format!("{prefix}{}", char::MAX);
        let found = self
            .conn
            .prepare_cached("SELECT 1 FROM name_words WHERE word >= ?1 AND word < ?2 LIMIT 1")?
            .exists([prefix, end.as_str()])?;
        Ok(found)
    }
    /// The two key ranges are read by the word's and the reversed word's
    /// index alone: a length condition beside them would let SQLite read
    /// every word of those lengths instead (`offer` weighs the length first).
    fn offer_near_name_words(&mut self, near: &mut NearWords) -> StoreResult<()> {
        let (mut statement, values) = match near.keys() {
            Some(keys) => {
                let prefix_end = format!("{}{}", keys.prefix, char::MAX);
                let suffix_end = format!("{}{}", keys.reversed_suffix, char::MAX);
                let statement = self.conn.prepare_cached(
                    "SELECT word FROM name_words WHERE word >= ?1 AND word < ?2
                     UNION ALL
                     SELECT word FROM name_words WHERE reversed >= ?3 AND reversed < ?4",
                )?;
                let values = vec![
                    SqlValue::Text(keys.prefix),
                    SqlValue::Text(prefix_end),
                    SqlValue::Text(keys.reversed_suffix),
                    SqlValue::Text(suffix_end),
                ];
                (statement, values)
            }
            None => {
                let (low, high) = (*near.letters().start() as i64, *near.letters().end() as i64);
                (
                    self.conn.prepare_cached("SELECT word FROM name_words WHERE letters BETWEEN ?1 AND ?2")?,
                    vec![SqlValue::Integer(low), SqlValue::Integer(high)],
                )
            }
        };
        // Each word is weighed where it lies in SQLite's page, not copied out.
        let mut rows = statement.query(params_from_iter(values.iter()))?;
        while let Some(row) = rows.next()? {
            if let ValueRef::Text(bytes) = row.get_ref(0)? {
                if let Ok(word) = std::str::from_utf8(bytes) {
                    near.offer(word);
                }
            }
        }
        Ok(())
    }
    /// A live log's id, place, subject and caller (never its thread).
    fn call_log_brief(&mut self, log_id: LogId) -> StoreResult<Option<CallLogBrief>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(
                "SELECT log_id, property_id, unit_id, resident_id, subject, call_from FROM call_logs
                 WHERE log_id = ?1 AND deleted = 0",
            )?
            .query_row([log_id], |r| {
                Ok(CallLogBrief {
                    log_id: r.get(0)?,
                    property_id: r.get(1)?,
                    unit_id: r.get(2)?,
                    resident_id: r.get(3)?,
                    subject: r.get(4)?,
                    call_from: r.get(5)?,
                })
            })
            .optional()?)
    }
}
