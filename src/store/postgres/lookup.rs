//! The lookup's queries on PostgreSQL (the twin of `sqlite/lookup.rs`):
//! names by word prefix over the rows' tsvectors (`residents.name_terms`,
//! `units.number_terms`, `properties.name_terms`: GIN indexes), phones by
//! the digits inside `residents.phone_digits` (a pg_trgm GIN index, as
//! FTS5's trigram tokenizer on SQLite).
//!
//! Same answers as SQLite: there the index hands rows in id order and the
//! query stops at `limit`, so here the rows found are the first `limit` by
//! id too, then put in the same order in Rust.

use super::db::Db;
use super::directory::{
    nocase, property_from_row, resident_from_row, unit_from_row, PROPERTY_COLUMNS, RESIDENT_COLUMNS, UNIT_COLUMNS,
};
use super::tsquery::tsquery_text;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::directory::Property;
use crate::domain::ids::{LogId, PropertyId};
use crate::domain::lookup::{CallLogBrief, LookupQuery, NearWords, ResidentPlace, UnitPlace};
use crate::domain::time::Stamp;
use crate::store::LookupReads;
use crate::store::StoreResult;
use ::postgres::types::ToSql;

/// A query's parameters, numbered as they are added.
#[derive(Default)]
struct Params {
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl Params {
    /// Adds `value`; returns its placeholder (`$n`).
    fn add(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| v.as_ref()).collect()
    }
}

/// `AND <column> = ANY(…)` when the lookup is limited to some properties.
fn scope_condition(column: &str, properties: Option<&[PropertyId]>, params: &mut Params) -> String {
    match properties {
        None => String::new(),
        Some(ids) => format!(" AND {column} = ANY({}::bigint[])", params.add(ids.to_vec())),
    }
}

/// `columns` ("a, b, c") each prefixed with `alias.`, for a join.
fn qualified(columns: &str, alias: &str) -> String {
    columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// Residents who have not moved out, whose name has every word (by prefix)
/// and whose phones hold every run of digits: the first `limit` by id, put
/// in name order.
pub fn residents(
    db: &mut Db,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<ResidentPlace>> {
    if query.words.is_empty() && query.phone_digits.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = Params::default();
    let mut conditions = Vec::new();
    if !query.words.is_empty() {
        conditions.push(format!("r.name_terms @@ {}::text::tsquery", params.add(tsquery_text(&query.words))));
    }
    for run in &query.phone_digits {
        // Runs are digits only: nothing in them is a LIKE wildcard.
        conditions.push(format!("r.phone_digits LIKE '%' || {}::text || '%'", params.add(run.clone())));
    }
    // Residents who have moved out (docs/api.md §6) are left out at query time: a
    // move-out date in the future takes effect when that day comes.
    conditions.push(format!("(r.move_out_date IS NULL OR r.move_out_date > {})", params.add(Stamp::now().0)));
    let scope = scope_condition("r.property_id", properties, &mut params);
    let sql = format!(
        "SELECT {},
                (SELECT u.unit_number FROM units u WHERE u.unit_id = r.unit_id),
                (SELECT p.property_name FROM properties p WHERE p.property_id = r.property_id)
         FROM residents r
         WHERE {}{scope} ORDER BY r.resident_id LIMIT {}",
        qualified(RESIDENT_COLUMNS, "r"),
        conditions.join(" AND "),
        params.add(limit as i64)
    );
    let mut rows: Vec<ResidentPlace> = db
        .query(&sql, &params.refs())?
        .iter()
        .map(|r| {
            Ok(ResidentPlace {
                resident: resident_from_row(r)?,
                unit_number: r.col::<Option<String>>(15)?.unwrap_or_default(),
                property_name: r.col::<Option<String>>(16)?.unwrap_or_default(),
            })
        })
        .collect::<StoreResult<_>>()?;
    crate::domain::lookup::sort_by_name(&mut rows);
    Ok(rows)
}

/// Units whose number has every word, or starts with the number asked for:
/// the first `limit` by id, put in display order.
pub fn units(
    db: &mut Db,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<UnitPlace>> {
    let terms = match &query.number {
        Some((_, digits)) => tsquery_text(std::slice::from_ref(digits)),
        None if !query.words.is_empty() => tsquery_text(&query.words),
        None => return Ok(Vec::new()),
    };
    let mut params = Params::default();
    let matches = params.add(terms);
    let scope = scope_condition("x.property_id", properties, &mut params);
    let sql = format!(
        "SELECT {},
                (SELECT p.property_name FROM properties p WHERE p.property_id = x.property_id)
         FROM units x
         WHERE x.number_terms @@ {matches}::text::tsquery{scope} ORDER BY x.unit_id LIMIT {}",
        qualified(UNIT_COLUMNS, "x"),
        params.add(limit as i64)
    );
    let mut rows: Vec<UnitPlace> = db
        .query(&sql, &params.refs())?
        .iter()
        .map(|r| {
            Ok::<_, crate::store::StoreError>(UnitPlace {
                unit: unit_from_row(r)?,
                property_name: r.col::<Option<String>>(12)?.unwrap_or_default(),
            })
        })
        .collect::<StoreResult<_>>()?;
    crate::domain::lookup::sort_units(&mut rows);
    Ok(rows)
}

/// Properties whose name has every word (by prefix), in name order.
pub fn properties(
    db: &mut Db,
    query: &LookupQuery,
    properties: Option<&[PropertyId]>,
    limit: usize,
) -> StoreResult<Vec<Property>> {
    if query.words.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = Params::default();
    let matches = params.add(tsquery_text(&query.words));
    let scope = scope_condition("property_id", properties, &mut params);
    let sql = format!(
        "SELECT {PROPERTY_COLUMNS} FROM properties
         WHERE name_terms @@ {matches}::text::tsquery{scope}
         ORDER BY {}, property_id LIMIT {}",
        nocase("property_name"),
        params.add(limit as i64)
    );
    db.query(&sql, &params.refs())?.iter().map(property_from_row).collect::<StoreResult<_>>()
}

impl LookupReads for PgTx<'_> {
    fn lookup_residents(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<ResidentPlace>> {
        residents(self.db()?, query, properties, limit)
    }
    fn lookup_units(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<UnitPlace>> {
        units(self.db()?, query, properties, limit)
    }
    fn lookup_properties(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<Property>> {
        self::properties(self.db()?, query, properties, limit)
    }
    fn name_word_begins(&mut self, prefix: &str) -> StoreResult<bool> {
        // The column sorts by bytes (`COLLATE "C"`): the words that begin
        // with `prefix` sort from it up to it followed by the highest character.
        let end = format!("{prefix}{}", char::MAX);
        let db = self.db()?;
        Ok(db.query_opt("SELECT 1 FROM name_words WHERE word >= $1 AND word < $2 LIMIT 1", &[&prefix, &end])?.is_some())
    }
    fn offer_near_name_words(&mut self, near: &mut NearWords) -> StoreResult<()> {
        let (low, high) = (*near.letters().start() as i64, *near.letters().end() as i64);
        let db = self.db()?;
        let rows = match near.keys() {
            Some(keys) => {
                let prefix_end = format!("{}{}", keys.prefix, char::MAX);
                let suffix_end = format!("{}{}", keys.reversed_suffix, char::MAX);
                db.query(
                    "SELECT word FROM name_words WHERE word >= $1 AND word < $2
                     UNION ALL
                     SELECT word FROM name_words WHERE reversed >= $3 AND reversed < $4",
                    &[&keys.prefix, &prefix_end, &keys.reversed_suffix, &suffix_end],
                )?
            }
            None => db.query("SELECT word FROM name_words WHERE letters BETWEEN $1 AND $2", &[&low, &high])?,
        };
        for row in &rows {
            near.offer(row.col::<&str>(0)?);
        }
        Ok(())
    }
    /// A live log's id, place, subject and caller (never its thread).
    fn call_log_brief(&mut self, log_id: LogId) -> StoreResult<Option<CallLogBrief>> {
        let db = self.db()?;
        db.query_opt(
            "SELECT log_id, property_id, unit_id, resident_id, subject, call_from FROM call_logs
                 WHERE log_id = $1 AND NOT deleted",
            &[&log_id],
        )?
        .map(|r| {
            Ok::<_, crate::store::StoreError>(CallLogBrief {
                log_id: r.col(0)?,
                property_id: r.col(1)?,
                unit_id: r.col(2)?,
                resident_id: r.col(3)?,
                subject: r.col(4)?,
                call_from: r.col(5)?,
            })
        })
        .transpose()
    }
}
