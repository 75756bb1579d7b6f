//! The lookup's queries over the directory's FTS5 indexes (schema v2):
//! `resident_names`, `resident_phones` (trigram), `unit_numbers`,
//! `property_names`. Each finds ids in its index first, then reads only the
//! rows it answers.

use super::directory::{
    id_list_param, property_from_row, resident_from_row, unit_from_row, PROPERTY_COLUMNS, RESIDENT_COLUMNS,
    UNIT_COLUMNS,
};
use crate::domain::calllogs::fts_query;
use crate::domain::directory::Property;
use crate::domain::lookup::{CallLogBrief, LookupQuery, ResidentPlace, UnitPlace};
use crate::store::StoreResult;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

/// A trigram phrase: the digits must occur, in order, inside a phone.
fn phone_query(runs: &[String]) -> String {
    runs.iter().map(|run| format!("\"{run}\"")).collect::<Vec<_>>().join(" ")
}

/// `AND property_id IN (…)` when the lookup is limited to some properties.
fn scope_condition(properties: Option<&[i64]>, values: &mut Vec<SqlValue>) -> String {
    match properties {
        None => String::new(),
        Some(ids) => {
            values.push(SqlValue::Text(id_list_param(Some(ids)).unwrap_or_default()));
            format!(" AND property_id IN (SELECT value FROM json_each(?{}))", values.len())
        }
    }
}

/// Residents whose name has every word (by prefix) and whose phones hold every run of digits.
pub fn residents(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<ResidentPlace>> {
    if query.words.is_empty() && query.phone_digits.is_empty() {
        return Ok(Vec::new());
    }
    let mut values = Vec::new();
    let mut conditions = Vec::new();
    if !query.words.is_empty() {
        values.push(SqlValue::Text(fts_query(&query.words)));
        conditions.push(format!(
            "resident_id IN (SELECT rowid FROM resident_names WHERE resident_names MATCH ?{})",
            values.len()
        ));
    }
    if !query.phone_digits.is_empty() {
        values.push(SqlValue::Text(phone_query(&query.phone_digits)));
        conditions.push(format!(
            "resident_id IN (SELECT rowid FROM resident_phones WHERE resident_phones MATCH ?{})",
            values.len()
        ));
    }
    let scope = scope_condition(properties, &mut values);
    values.push(SqlValue::Integer(limit as i64));
    let sql = format!(
        "SELECT {RESIDENT_COLUMNS},
                (SELECT u.unit_number FROM units u WHERE u.unit_id = residents.unit_id),
                (SELECT p.property_name FROM properties p WHERE p.property_id = residents.property_id)
         FROM residents WHERE {}{scope}
         ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, resident_id LIMIT ?{}",
        conditions.join(" AND "),
        values.len()
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), |r| {
            Ok(ResidentPlace {
                resident: resident_from_row(r)?,
                unit_number: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                property_name: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Units whose number has every word, or starts with the number asked for.
pub fn units(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<UnitPlace>> {
    let terms = match &query.number {
        Some((_, digits)) => fts_query(std::slice::from_ref(digits)),
        None if !query.words.is_empty() => fts_query(&query.words),
        None => return Ok(Vec::new()),
    };
    let mut values = vec![SqlValue::Text(terms)];
    let scope = scope_condition(properties, &mut values);
    values.push(SqlValue::Integer(limit as i64));
    let sql = format!(
        "SELECT {UNIT_COLUMNS},
                (SELECT p.property_name FROM properties p WHERE p.property_id = units.property_id)
         FROM units WHERE unit_id IN (SELECT rowid FROM unit_numbers WHERE unit_numbers MATCH ?1){scope}
         ORDER BY property_id, display_order IS NULL, display_order, unit_number, unit_id LIMIT ?{}",
        values.len()
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), |r| {
            Ok(UnitPlace {
                unit: unit_from_row(r)?,
                property_name: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Properties whose name has every word (by prefix).
pub fn properties(
    conn: &Connection,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<Property>> {
    if query.words.is_empty() {
        return Ok(Vec::new());
    }
    let mut values = vec![SqlValue::Text(fts_query(&query.words))];
    let scope = scope_condition(properties, &mut values);
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

/// A live log's id, place, subject and caller (never its thread).
pub fn call_log_brief(conn: &Connection, log_id: i64) -> StoreResult<Option<CallLogBrief>> {
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
