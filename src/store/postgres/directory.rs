//! Properties, units and residents on PostgreSQL: reads, and the upserts of
//! an import (the twin of `sqlite/directory.rs`).
//!
//! Id lists are bound as one `bigint[]` parameter (`= ANY($n)`), so each
//! query is one statement whatever the list's length. The lookup's terms
//! live in the rows themselves (`name_terms`, `number_terms`: the folded
//! words FTS5 would index, see `folded_words`) and `phone_digits` (the digits
//! of the four phones, under a trigram index); every upsert rewrites them
//! with the text, in the same statement, where SQLite's triggers feed its
//! FTS5 tables.
//!
//! Text sorts as on SQLite: `COLLATE NOCASE` is [`nocase`] (ASCII folded,
//! then bytes), plain text sorts by bytes (`COLLATE "C"`), NULL first.

use super::calllogs::{index_names, renamed};
use super::db::Db;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::calllogs::{folded_words, NamedKind};
use crate::domain::directory::{Property, PropertyStatus, Resident, Unit, UnitSort};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::{DirectoryReads, DirectoryWrites};
use crate::store::{DirectorySize, StoreResult};
use ::postgres::types::ToSql;
use ::postgres::Row;

/// `column COLLATE NOCASE` as SQLite sorts it: ASCII letters folded, then
/// byte order (PostgreSQL's `lower()` and collations follow the locale).
pub(super) fn nocase(column: &str) -> String {
    format!("translate({column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE \"C\"")
}

/// The words the lookup finds `texts` by, one string, apart by spaces (no
/// folded word holds one); SQL makes them a tsvector with
/// `array_to_tsvector(string_to_array(terms, ' '))`.
fn terms(texts: &[Option<&str>]) -> String {
    texts.iter().flatten().flat_map(|t| folded_words(t)).collect::<Vec<_>>().join(" ")
}

pub(super) const PROPERTY_COLUMNS: &str = "property_id, c4_uid, property_name, address1, address2, city, state, zip, \
     entity_number, legal_name, property_type_id, property_status";

pub(super) fn property_from_row(r: &Row) -> StoreResult<Property> {
    Ok(Property {
        property_id: r.col(0)?,
        c4_uid: r.col(1)?,
        property_name: r.col(2)?,
        address1: r.col(3)?,
        address2: r.col(4)?,
        city: r.col(5)?,
        state: r.col(6)?,
        zip: r.col(7)?,
        entity_number: r.col(8)?,
        legal_name: r.col(9)?,
        property_type_id: r.col(10)?,
        property_status: r.col::<i64>(11)? != 0,
    })
}

pub(super) const UNIT_COLUMNS: &str =
    "unit_id, property_id, unit_number, address1, address2, city, state, zip, display_order, floor, latitude, longitude";

pub(super) fn unit_from_row(r: &Row) -> StoreResult<Unit> {
    Ok(Unit {
        unit_id: r.col(0)?,
        property_id: r.col(1)?,
        unit_number: r.col(2)?,
        address1: r.col(3)?,
        address2: r.col(4)?,
        city: r.col(5)?,
        state: r.col(6)?,
        zip: r.col(7)?,
        display_order: r.col(8)?,
        floor: r.col(9)?,
        latitude: r.col(10)?,
        longitude: r.col(11)?,
    })
}

pub(super) const RESIDENT_COLUMNS: &str =
    "resident_id, property_id, unit_id, first_name, middle_initial, last_name, email, \
     unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date, move_out_date";

pub(super) fn resident_from_row(r: &Row) -> StoreResult<Resident> {
    Ok(Resident {
        resident_id: r.col(0)?,
        property_id: r.col(1)?,
        unit_id: r.col(2)?,
        resident_first_name: r.col(3)?,
        resident_middle_initial: r.col(4)?,
        resident_last_name: r.col(5)?,
        resident_email: r.col(6)?,
        resident_unitphone: r.col(7)?,
        resident_cellphone: r.col(8)?,
        resident_workphone: r.col(9)?,
        resident_otherphone: r.col(10)?,
        occupancy_type: r.col(11)?,
        resident_type: r.col(12)?,
        move_in_date: r.col::<Option<i64>>(13)?.map(Stamp),
        move_out_date: r.col::<Option<i64>>(14)?.map(Stamp),
    })
}

/// Properties within `scope` (None = all), optionally only `ids`, by status.
pub fn list_properties(
    db: &mut Db,
    scope: Option<&[PropertyId]>,
    ids: Option<&[PropertyId]>,
    status: PropertyStatus,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Property>)> {
    let (low, high) = crate::store::shared::property_status_range(status);
    let filter = "($1::bigint[] IS NULL OR property_id = ANY($1))
         AND ($2::bigint[] IS NULL OR property_id = ANY($2))
         AND property_status BETWEEN $3 AND $4";
    let total: i64 = db
        .query_one(&format!("SELECT count(*) FROM properties WHERE {filter}"), &[&scope, &ids, &low, &high])?
        .col(0)?;
    let rows = db.query(
        &format!(
            "SELECT {PROPERTY_COLUMNS} FROM properties WHERE {filter}
             ORDER BY {}, property_id LIMIT $5 OFFSET $6",
            nocase("property_name")
        ),
        &[&scope, &ids, &low, &high, &limit, &offset],
    )?;
    Ok((total, rows.iter().map(property_from_row).collect::<StoreResult<_>>()?))
}

/// Units by id, limited to `scope`; ordered by id.
pub fn units_by_ids(
    db: &mut Db,
    scope: Option<&[PropertyId]>,
    ids: &[UnitId],
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Unit>)> {
    let filter = "unit_id = ANY($1) AND ($2::bigint[] IS NULL OR property_id = ANY($2))";
    let total: i64 = db.query_one(&format!("SELECT count(*) FROM units WHERE {filter}"), &[&ids, &scope])?.col(0)?;
    let rows = db.query(
        &format!("SELECT {UNIT_COLUMNS} FROM units WHERE {filter} ORDER BY unit_id LIMIT $3 OFFSET $4"),
        &[&ids, &scope, &limit, &offset],
    )?;
    Ok((total, rows.iter().map(unit_from_row).collect::<StoreResult<_>>()?))
}

/// Rows per statement of an import: each column one array parameter,
/// `unnest` makes the rows (a round trip per row made a 100,000-resident
/// import wait on the network). In id order, so that two writes touching
/// the same rows lock them in the same order. The service has refused an id
/// given twice (one statement may not upsert a row twice).
const IMPORT_CHUNK: usize = 1000;

/// The columns a resident's upsert writes.
const RESIDENT_WRITE_COLUMNS: &str =
    "resident_id, property_id, unit_id, first_name, middle_initial, last_name, email, \
     unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date, phone_digits, \
     move_out_date, name_terms";

/// What an upsert does to an existing row: replace all of it.
const RESIDENT_REPLACE: &str = "ON CONFLICT (resident_id) DO UPDATE SET property_id = excluded.property_id,
            unit_id = excluded.unit_id, first_name = excluded.first_name, middle_initial = excluded.middle_initial,
            last_name = excluded.last_name, email = excluded.email, unit_phone = excluded.unit_phone,
            cell_phone = excluded.cell_phone, work_phone = excluded.work_phone, other_phone = excluded.other_phone,
            occupancy_type = excluded.occupancy_type, resident_type = excluded.resident_type,
            move_in_date = excluded.move_in_date, phone_digits = excluded.phone_digits,
            move_out_date = excluded.move_out_date, name_terms = excluded.name_terms";

/// The words a resident is found by: first and last name (as SQLite's `resident_names`).
fn resident_terms(r: &Resident) -> String {
    terms(&[r.resident_first_name.as_deref(), r.resident_last_name.as_deref()])
}

impl DirectoryReads for PgTx<'_> {
    fn property(&mut self, property_id: PropertyId) -> StoreResult<Option<Property>> {
        let db = self.db()?;
        db.query_opt(&format!("SELECT {PROPERTY_COLUMNS} FROM properties WHERE property_id = $1"), &[&property_id])?
            .map(|r| property_from_row(&r))
            .transpose()
    }
    fn properties_page(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: Option<&[PropertyId]>,
        status: PropertyStatus,
        page: Page,
    ) -> StoreResult<(i64, Vec<Property>)> {
        list_properties(self.db()?, scope, ids, status, page.size, page.offset())
    }
    fn unit(&mut self, unit_id: UnitId) -> StoreResult<Option<Unit>> {
        let db = self.db()?;
        db.query_opt(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $1"), &[&unit_id])?
            .map(|r| unit_from_row(&r))
            .transpose()
    }
    fn units_by_ids(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: &[UnitId],
        page: Page,
    ) -> StoreResult<(i64, Vec<Unit>)> {
        units_by_ids(self.db()?, scope, ids, page.size, page.offset())
    }
    /// Every unit of a property, sorted; units without a display order go last.
    fn units_of_property(&mut self, property_id: PropertyId, sort: UnitSort) -> StoreResult<Vec<Unit>> {
        let db = self.db()?;
        let order = match sort {
            UnitSort::DisplayOrder => "display_order IS NULL, display_order, unit_number COLLATE \"C\", unit_id",
            UnitSort::UnitNumber => "unit_number COLLATE \"C\", unit_id",
        };
        let rows = db.query(
            &format!("SELECT {UNIT_COLUMNS} FROM units WHERE property_id = $1 ORDER BY {order}"),
            &[&property_id],
        )?;
        rows.iter().map(unit_from_row).collect::<StoreResult<_>>()
    }
    fn resident(&mut self, resident_id: ResidentId) -> StoreResult<Option<Resident>> {
        let db = self.db()?;
        db.query_opt(&format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE resident_id = $1"), &[&resident_id])?
            .map(|r| resident_from_row(&r))
            .transpose()
    }
    fn residents_of_unit(&mut self, unit_id: UnitId) -> StoreResult<Vec<Resident>> {
        let db = self.db()?;
        let rows = db.query(
            &format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE unit_id = $1 ORDER BY resident_id"),
            &[&unit_id],
        )?;
        rows.iter().map(resident_from_row).collect::<StoreResult<_>>()
    }
    fn residents_of_property(&mut self, property_id: PropertyId) -> StoreResult<Vec<Resident>> {
        let db = self.db()?;
        let rows = db.query(
            &format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents WHERE property_id = $1
                 ORDER BY {} NULLS FIRST, {} NULLS FIRST, resident_id",
                nocase("last_name"),
                nocase("first_name")
            ),
            &[&property_id],
        )?;
        rows.iter().map(resident_from_row).collect::<StoreResult<_>>()
    }
    fn directory_is_empty(&mut self) -> StoreResult<bool> {
        let db = self.db()?;
        Ok(db.query_opt("SELECT 1 FROM properties LIMIT 1", &[])?.is_none())
    }
    /// The ids of `property_ids` that are stored.
    fn known_properties(&mut self, property_ids: &[PropertyId]) -> StoreResult<Vec<PropertyId>> {
        let db = self.db()?;
        let rows = db.query("SELECT property_id FROM properties WHERE property_id = ANY($1)", &[&property_ids])?;
        rows.iter().map(|r| r.col(0)).collect::<StoreResult<_>>()
    }
    /// The stored units of `unit_ids` with their property.
    fn unit_owners(&mut self, unit_ids: &[UnitId]) -> StoreResult<Vec<(UnitId, PropertyId)>> {
        let db = self.db()?;
        let rows = db.query("SELECT unit_id, property_id FROM units WHERE unit_id = ANY($1)", &[&unit_ids])?;
        rows.iter().map(|r| Ok((r.col(0)?, r.col(1)?))).collect()
    }
    fn directory_size(&mut self) -> StoreResult<DirectorySize> {
        let db = self.db()?;
        let row = db.query_one("SELECT (SELECT count(*) FROM properties), (SELECT count(*) FROM units)", &[])?;
        Ok(DirectorySize { properties: row.col(0)?, units: row.col(1)? })
    }
}

impl DirectoryWrites for PgTx<'_> {
    /// In one statement; sorted, so two writers take the rows' locks in the same order.
    fn record_name_words(&mut self, words: &[String]) -> StoreResult<()> {
        let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let db = self.db()?;
        db.execute(
            "INSERT INTO name_words (word, letters, reversed)
             SELECT word, char_length(word), reverse(word) FROM unnest($1::text[]) AS word
             ON CONFLICT DO NOTHING",
            &[&sorted],
        )?;
        Ok(())
    }
    /// Replaces the whole row of each property's id (the directory is a copy of the outside system).
    fn upsert_properties(&mut self, properties: &[Property]) -> StoreResult<()> {
        let db = self.db()?;
        let named: Vec<(i64, &str)> = properties.iter().map(|p| (p.property_id.0, p.property_name.as_str())).collect();
        let changed =
            renamed(db, "SELECT property_id, property_name FROM properties WHERE property_id = ANY($1)", &named)?;
        let mut sorted: Vec<&Property> = properties.iter().collect();
        sorted.sort_by_key(|p| p.property_id);
        let sql = "INSERT INTO properties (property_id, c4_uid, property_name, address1, address2, city, state, zip,
                        entity_number, legal_name, property_type_id, property_status, name_terms)
             SELECT property_id, c4_uid, property_name, address1, address2, city, state, zip, entity_number, legal_name,
                    property_type_id, property_status, array_to_tsvector(string_to_array(terms, ' '))
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[])
                  AS p(property_id, c4_uid, property_name, address1, address2, city, state, zip, entity_number,
                       legal_name, property_type_id, property_status, terms)
             ORDER BY property_id
             ON CONFLICT (property_id) DO UPDATE SET c4_uid = excluded.c4_uid, property_name = excluded.property_name,
                address1 = excluded.address1, address2 = excluded.address2, city = excluded.city,
                state = excluded.state, zip = excluded.zip, entity_number = excluded.entity_number,
                legal_name = excluded.legal_name, property_type_id = excluded.property_type_id,
                property_status = excluded.property_status, name_terms = excluded.name_terms";
        for chunk in sorted.chunks(IMPORT_CHUNK) {
            let text = |f: fn(&Property) -> &Option<String>| -> Vec<Option<&str>> {
                chunk.iter().map(|p| f(p).as_deref()).collect()
            };
            let ids: Vec<PropertyId> = chunk.iter().map(|p| p.property_id).collect();
            let c4_uid = text(|p| &p.c4_uid);
            let names: Vec<&str> = chunk.iter().map(|p| p.property_name.as_str()).collect();
            let address1 = text(|p| &p.address1);
            let address2 = text(|p| &p.address2);
            let city = text(|p| &p.city);
            let state = text(|p| &p.state);
            let zip = text(|p| &p.zip);
            let entity_number = text(|p| &p.entity_number);
            let legal_name = text(|p| &p.legal_name);
            let kinds: Vec<Option<i64>> = chunk.iter().map(|p| p.property_type_id).collect();
            let status: Vec<i64> = chunk.iter().map(|p| i64::from(p.property_status)).collect();
            let words: Vec<String> = chunk.iter().map(|p| terms(&[Some(&p.property_name)])).collect();
            let params: [&(dyn ToSql + Sync); 13] = [
                &ids,
                &c4_uid,
                &names,
                &address1,
                &address2,
                &city,
                &state,
                &zip,
                &entity_number,
                &legal_name,
                &kinds,
                &status,
                &words,
            ];
            db.execute(sql, &params)?;
        }
        index_names(db, NamedKind::Property, &changed)
    }
    /// Replaces the row of each unit's id, but never its property (the service refuses a move).
    fn upsert_units(&mut self, units: &[Unit]) -> StoreResult<()> {
        let db = self.db()?;
        let named: Vec<(i64, &str)> = units.iter().map(|u| (u.unit_id.0, u.unit_number.as_str())).collect();
        let changed = renamed(db, "SELECT unit_id, unit_number FROM units WHERE unit_id = ANY($1)", &named)?;
        let mut sorted: Vec<&Unit> = units.iter().collect();
        sorted.sort_by_key(|u| u.unit_id);
        let sql = "INSERT INTO units (unit_id, property_id, unit_number, address1, address2, city, state, zip,
                        display_order, floor, latitude, longitude, number_terms)
             SELECT unit_id, property_id, unit_number, address1, address2, city, state, zip, display_order, floor,
                    latitude, longitude, array_to_tsvector(string_to_array(terms, ' '))
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::bigint[], $10::text[], $11::float8[], $12::float8[], $13::text[])
                  AS u(unit_id, property_id, unit_number, address1, address2, city, state, zip, display_order, floor,
                       latitude, longitude, terms)
             ORDER BY unit_id
             ON CONFLICT (unit_id) DO UPDATE SET unit_number = excluded.unit_number,
                address1 = excluded.address1, address2 = excluded.address2, city = excluded.city,
                state = excluded.state, zip = excluded.zip, display_order = excluded.display_order,
                floor = excluded.floor, latitude = excluded.latitude, longitude = excluded.longitude,
                number_terms = excluded.number_terms";
        for chunk in sorted.chunks(IMPORT_CHUNK) {
            let text = |f: fn(&Unit) -> &Option<String>| -> Vec<Option<&str>> {
                chunk.iter().map(|u| f(u).as_deref()).collect()
            };
            let ids: Vec<UnitId> = chunk.iter().map(|u| u.unit_id).collect();
            let properties: Vec<PropertyId> = chunk.iter().map(|u| u.property_id).collect();
            let numbers: Vec<&str> = chunk.iter().map(|u| u.unit_number.as_str()).collect();
            let address1 = text(|u| &u.address1);
            let address2 = text(|u| &u.address2);
            let city = text(|u| &u.city);
            let state = text(|u| &u.state);
            let zip = text(|u| &u.zip);
            let display_order: Vec<Option<i64>> = chunk.iter().map(|u| u.display_order).collect();
            let floor = text(|u| &u.floor);
            let latitude: Vec<Option<f64>> = chunk.iter().map(|u| u.latitude).collect();
            let longitude: Vec<Option<f64>> = chunk.iter().map(|u| u.longitude).collect();
            let words: Vec<String> = chunk.iter().map(|u| terms(&[Some(&u.unit_number)])).collect();
            let params: [&(dyn ToSql + Sync); 13] = [
                &ids,
                &properties,
                &numbers,
                &address1,
                &address2,
                &city,
                &state,
                &zip,
                &display_order,
                &floor,
                &latitude,
                &longitude,
                &words,
            ];
            db.execute(sql, &params)?;
        }
        index_names(db, NamedKind::Unit, &changed)
    }
    /// An import's residents, [`IMPORT_CHUNK`] per statement.
    fn upsert_residents(&mut self, residents: &[Resident]) -> StoreResult<()> {
        let db = self.db()?;
        let mut sorted: Vec<&Resident> = residents.iter().collect();
        sorted.sort_by_key(|r| r.resident_id);
        let sql = format!(
            "INSERT INTO residents ({RESIDENT_WRITE_COLUMNS})
             SELECT resident_id, property_id, unit_id, first_name, middle_initial, last_name, email,
                    unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date,
                    phone_digits, move_out_date, array_to_tsvector(string_to_array(terms, ' '))
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::bigint[],
                         $15::text[], $16::bigint[], $17::text[])
                  AS r(resident_id, property_id, unit_id, first_name, middle_initial, last_name, email,
                       unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date,
                       phone_digits, move_out_date, terms)
             ORDER BY resident_id
             {RESIDENT_REPLACE}"
        );
        for chunk in sorted.chunks(IMPORT_CHUNK) {
            let ids: Vec<ResidentId> = chunk.iter().map(|r| r.resident_id).collect();
            let properties: Vec<PropertyId> = chunk.iter().map(|r| r.property_id).collect();
            let units: Vec<UnitId> = chunk.iter().map(|r| r.unit_id).collect();
            let text = |f: fn(&Resident) -> &Option<String>| -> Vec<Option<&str>> {
                chunk.iter().map(|r| f(r).as_deref()).collect()
            };
            let first = text(|r| &r.resident_first_name);
            let middle = text(|r| &r.resident_middle_initial);
            let last = text(|r| &r.resident_last_name);
            let email = text(|r| &r.resident_email);
            let unit_phone = text(|r| &r.resident_unitphone);
            let cell_phone = text(|r| &r.resident_cellphone);
            let work_phone = text(|r| &r.resident_workphone);
            let other_phone = text(|r| &r.resident_otherphone);
            let occupancy = text(|r| &r.occupancy_type);
            let kinds: Vec<Option<i64>> = chunk.iter().map(|r| r.resident_type).collect();
            let move_in: Vec<Option<i64>> = chunk.iter().map(|r| r.move_in_date.map(|s| s.0)).collect();
            let digits: Vec<Option<String>> = chunk.iter().map(|r| r.phone_digits()).collect();
            let move_out: Vec<Option<i64>> = chunk.iter().map(|r| r.move_out_date.map(|s| s.0)).collect();
            let words: Vec<String> = chunk.iter().map(|r| resident_terms(r)).collect();
            let params: [&(dyn ToSql + Sync); 17] = [
                &ids,
                &properties,
                &units,
                &first,
                &middle,
                &last,
                &email,
                &unit_phone,
                &cell_phone,
                &work_phone,
                &other_phone,
                &occupancy,
                &kinds,
                &move_in,
                &digits,
                &move_out,
                &words,
            ];
            db.execute(&sql, &params)?;
        }
        Ok(())
    }
}
