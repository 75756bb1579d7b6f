//! Properties, units and residents: reads, and the upserts of an import.
//!
//! Id lists are bound as one JSON array parameter (`json_each`) so that each
//! query is a single cached statement whatever the list's length.

use super::calllogs::index_name;
use super::SqliteTx;
use crate::domain::calllogs::NamedKind;
use crate::domain::directory::{Property, PropertyStatus, Resident, Unit, UnitSort};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::store::{DirectoryReads, DirectoryWrites};
use crate::store::{DirectorySize, StoreResult};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A JSON array parameter for `json_each` (ids of any kind, or plain
/// numbers: each is written as its number), or NULL meaning "no restriction".
pub fn id_list_param<T: std::fmt::Display>(ids: Option<&[T]>) -> Option<String> {
    use std::fmt::Write;
    ids.map(|ids| {
        let mut json = String::with_capacity(2 + ids.len() * 8);
        json.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(json, "{id}");
        }
        json.push(']');
        json
    })
}

pub(super) const PROPERTY_COLUMNS: &str = "property_id, c4_uid, property_name, address1, address2, city, state, zip, \
     entity_number, legal_name, property_type_id, property_status";

pub(super) fn property_from_row(r: &Row) -> rusqlite::Result<Property> {
    Ok(Property {
        property_id: r.get(0)?,
        c4_uid: r.get(1)?,
        property_name: r.get(2)?,
        address1: r.get(3)?,
        address2: r.get(4)?,
        city: r.get(5)?,
        state: r.get(6)?,
        zip: r.get(7)?,
        entity_number: r.get(8)?,
        legal_name: r.get(9)?,
        property_type_id: r.get(10)?,
        property_status: r.get(11)?,
    })
}

pub(super) const UNIT_COLUMNS: &str =
    "unit_id, property_id, unit_number, address1, address2, city, state, zip, display_order, floor, latitude, longitude";

pub(super) fn unit_from_row(r: &Row) -> rusqlite::Result<Unit> {
    Ok(Unit {
        unit_id: r.get(0)?,
        property_id: r.get(1)?,
        unit_number: r.get(2)?,
        address1: r.get(3)?,
        address2: r.get(4)?,
        city: r.get(5)?,
        state: r.get(6)?,
        zip: r.get(7)?,
        display_order: r.get(8)?,
        floor: r.get(9)?,
        latitude: r.get(10)?,
        longitude: r.get(11)?,
    })
}

pub(super) const RESIDENT_COLUMNS: &str =
    "resident_id, property_id, unit_id, first_name, middle_initial, last_name, email, \
     unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date, move_out_date";

pub(super) fn resident_from_row(r: &Row) -> rusqlite::Result<Resident> {
    Ok(Resident {
        resident_id: r.get(0)?,
        property_id: r.get(1)?,
        unit_id: r.get(2)?,
        resident_first_name: r.get(3)?,
        resident_middle_initial: r.get(4)?,
        resident_last_name: r.get(5)?,
        resident_email: r.get(6)?,
        resident_unitphone: r.get(7)?,
        resident_cellphone: r.get(8)?,
        resident_workphone: r.get(9)?,
        resident_otherphone: r.get(10)?,
        occupancy_type: r.get(11)?,
        resident_type: r.get(12)?,
        move_in_date: r.get::<_, Option<i64>>(13)?.map(Stamp),
        move_out_date: r.get::<_, Option<i64>>(14)?.map(Stamp),
    })
}

/// Properties within `scope` (None = all), optionally only `ids`, by status.
pub fn list_properties(
    conn: &Connection,
    scope: Option<&[PropertyId]>,
    ids: Option<&[PropertyId]>,
    status: PropertyStatus,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Property>)> {
    let (low, high) = crate::store::shared::property_status_range(status);
    let filter = "(?1 IS NULL OR property_id IN (SELECT value FROM json_each(?1)))
         AND (?2 IS NULL OR property_id IN (SELECT value FROM json_each(?2)))
         AND property_status BETWEEN ?3 AND ?4";
    let scope = id_list_param(scope);
    let ids = id_list_param(ids);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM properties WHERE {filter}"))?
        .query_row(params![scope, ids, low, high], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PROPERTY_COLUMNS} FROM properties WHERE {filter} ORDER BY property_name COLLATE NOCASE, property_id LIMIT ?5 OFFSET ?6"
    ))?;
    let rows =
        stmt.query_map(params![scope, ids, low, high, limit, offset], property_from_row)?.collect::<Result<_, _>>()?;
    Ok((total, rows))
}

pub fn get_unit(conn: &Connection, unit_id: UnitId) -> StoreResult<Option<Unit>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = ?1"))?
        .query_row([unit_id], unit_from_row)
        .optional()?)
}

/// Units by id, limited to `scope`; ordered by id.
pub fn units_by_ids(
    conn: &Connection,
    scope: Option<&[PropertyId]>,
    ids: &[UnitId],
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Unit>)> {
    let filter = "unit_id IN (SELECT value FROM json_each(?1))
         AND (?2 IS NULL OR property_id IN (SELECT value FROM json_each(?2)))";
    let ids = id_list_param(Some(ids));
    let scope = id_list_param(scope);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM units WHERE {filter}"))?
        .query_row(params![ids, scope], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {UNIT_COLUMNS} FROM units WHERE {filter} ORDER BY unit_id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(params![ids, scope, limit, offset], unit_from_row)?.collect::<Result<_, _>>()?;
    Ok((total, rows))
}

// An import's rows are staged in a temporary table, then upserted by one
// statement per slice. Row by row, each statement's end makes the lookup's
// FTS5 indexes flush a tiny segment and merge it (a 100,000-resident import
// spent most of its time there); in one statement the indexes take the
// slice at once. Same rows, same triggers, same transaction. The staging
// tables live in memory (temp_store), one slice at a time.

const PROPERTY_WRITE_COLUMNS: &str = "property_id, c4_uid, property_name, address1, address2, city, state, zip, \
     entity_number, legal_name, property_type_id, property_status";

/// What an upsert does to an existing property: replace all of it.
const PROPERTY_REPLACE: &str = "ON CONFLICT (property_id) DO UPDATE SET c4_uid = excluded.c4_uid,
            property_name = excluded.property_name, address1 = excluded.address1, address2 = excluded.address2,
            city = excluded.city, state = excluded.state, zip = excluded.zip,
            entity_number = excluded.entity_number, legal_name = excluded.legal_name,
            property_type_id = excluded.property_type_id, property_status = excluded.property_status";

const UNIT_WRITE_COLUMNS: &str = "unit_id, property_id, unit_number, address1, address2, city, state, zip, \
     display_order, floor, latitude, longitude";

/// What an upsert does to an existing unit: replace all of it but its property (a unit never moves).
const UNIT_REPLACE: &str = "ON CONFLICT (unit_id) DO UPDATE SET unit_number = excluded.unit_number,
            address1 = excluded.address1, address2 = excluded.address2, city = excluded.city, state = excluded.state,
            zip = excluded.zip, display_order = excluded.display_order, floor = excluded.floor,
            latitude = excluded.latitude, longitude = excluded.longitude";

/// The columns a resident's upsert writes.
const RESIDENT_WRITE_COLUMNS: &str =
    "resident_id, property_id, unit_id, first_name, middle_initial, last_name, email, \
     unit_phone, cell_phone, work_phone, other_phone, occupancy_type, resident_type, move_in_date, phone_digits, \
     move_out_date";

/// What an upsert does to an existing resident: replace all of it.
const RESIDENT_REPLACE: &str = "ON CONFLICT (resident_id) DO UPDATE SET property_id = excluded.property_id,
            unit_id = excluded.unit_id, first_name = excluded.first_name, middle_initial = excluded.middle_initial,
            last_name = excluded.last_name, email = excluded.email, unit_phone = excluded.unit_phone,
            cell_phone = excluded.cell_phone, work_phone = excluded.work_phone, other_phone = excluded.other_phone,
            occupancy_type = excluded.occupancy_type, resident_type = excluded.resident_type,
            move_in_date = excluded.move_in_date, phone_digits = excluded.phone_digits,
            move_out_date = excluded.move_out_date";

/// A directory table as an import writes it.
struct Upsert {
    table: &'static str,
    /// The staging table's columns.
    definition: &'static str,
    /// The columns written, in the order the rows are bound.
    columns: &'static str,
    id: &'static str,
    /// What the upsert does to an existing row.
    replace: &'static str,
}

const PROPERTIES: Upsert = Upsert {
    table: "properties",
    definition: "property_id INTEGER PRIMARY KEY, c4_uid TEXT, property_name TEXT, address1 TEXT, address2 TEXT,
         city TEXT, state TEXT, zip TEXT, entity_number TEXT, legal_name TEXT, property_type_id INTEGER,
         property_status INTEGER",
    columns: PROPERTY_WRITE_COLUMNS,
    id: "property_id",
    replace: PROPERTY_REPLACE,
};

const UNITS: Upsert = Upsert {
    table: "units",
    definition: "unit_id INTEGER PRIMARY KEY, property_id INTEGER, unit_number TEXT, address1 TEXT, address2 TEXT,
         city TEXT, state TEXT, zip TEXT, display_order INTEGER, floor TEXT, latitude REAL, longitude REAL",
    columns: UNIT_WRITE_COLUMNS,
    id: "unit_id",
    replace: UNIT_REPLACE,
};

const RESIDENTS: Upsert = Upsert {
    table: "residents",
    definition: "resident_id INTEGER PRIMARY KEY, property_id INTEGER, unit_id INTEGER, first_name TEXT,
         middle_initial TEXT, last_name TEXT, email TEXT, unit_phone TEXT, cell_phone TEXT, work_phone TEXT,
         other_phone TEXT, occupancy_type TEXT, resident_type INTEGER, move_in_date INTEGER, phone_digits TEXT,
         move_out_date INTEGER",
    columns: RESIDENT_WRITE_COLUMNS,
    id: "resident_id",
    replace: RESIDENT_REPLACE,
};

/// Stages `rows` in `temp.import_{table}` (each bound by `bind` to an
/// INSERT of the columns), then upserts them all into `main.{table}` in id order.
fn stage_and_upsert<T>(
    conn: &Connection,
    upsert: &Upsert,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> rusqlite::Result<usize>,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let Upsert { table, definition, columns, id, replace } = upsert;
    let staging = format!("import_{table}");
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {staging} ({definition}); DELETE FROM temp.{staging};"
    ))?;
    let placeholders = (1..=columns.split(',').count()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    {
        let mut insert =
            conn.prepare_cached(&format!("INSERT INTO temp.{staging} ({columns}) VALUES ({placeholders})"))?;
        for row in rows {
            bind(&mut insert, row)?;
        }
    }
    // A row the import gives as it is stored is left alone: rewriting it
    // would change nothing but still cost its lookup entries (a nightly
    // import of the same directory then holds the writer for its changes
    // only). In the writer, so nothing can change the row in between.
    let same =
        columns.split(',').map(|c| format!("stored.{0} IS staged.{0}", c.trim())).collect::<Vec<_>>().join(" AND ");
    conn.prepare_cached(&format!(
        "INSERT INTO main.{table} ({columns})
         SELECT {columns} FROM temp.{staging} AS staged
         WHERE NOT EXISTS (SELECT 1 FROM main.{table} AS stored WHERE stored.{id} = staged.{id} AND {same})
         ORDER BY {id} {replace}"
    ))?
    .execute([])?;
    conn.execute_batch(&format!("DELETE FROM temp.{staging};"))?;
    Ok(())
}

/// The names among `named` (id, name) that differ from the stored ones
/// (`sql` reads a stored name by id): the ones whose words a search must
/// learn anew. A nightly import of the same directory renames nothing.
fn renamed<'a>(
    conn: &Connection,
    sql: &str,
    named: impl Iterator<Item = (i64, &'a str)>,
) -> StoreResult<Vec<(i64, &'a str)>> {
    let mut stored = conn.prepare_cached(sql)?;
    let mut changed = Vec::new();
    for (id, name) in named {
        let before: Option<String> = stored.query_row([id], |r| r.get(0)).optional()?;
        if before.as_deref() != Some(name) {
            changed.push((id, name));
        }
    }
    Ok(changed)
}

/// Replaces the whole row of each property's id (the directory is a copy of the outside system).
pub fn upsert_properties(conn: &Connection, properties: &[Property]) -> StoreResult<()> {
    let changed = renamed(
        conn,
        "SELECT property_name FROM properties WHERE property_id = ?1",
        properties.iter().map(|p| (p.property_id.0, p.property_name.as_str())),
    )?;
    upsert_property_rows(conn, properties)?;
    for (id, name) in changed {
        index_name(conn, NamedKind::Property, id, name)?;
    }
    Ok(())
}

fn upsert_property_rows(conn: &Connection, properties: &[Property]) -> StoreResult<()> {
    stage_and_upsert(conn, &PROPERTIES, properties, |insert, p| {
        insert.execute(params![
            p.property_id,
            p.c4_uid,
            p.property_name,
            p.address1,
            p.address2,
            p.city,
            p.state,
            p.zip,
            p.entity_number,
            p.legal_name,
            p.property_type_id,
            p.property_status
        ])
    })
}

pub fn upsert_units(conn: &Connection, units: &[Unit]) -> StoreResult<()> {
    let changed = renamed(
        conn,
        "SELECT unit_number FROM units WHERE unit_id = ?1",
        units.iter().map(|u| (u.unit_id.0, u.unit_number.as_str())),
    )?;
    upsert_unit_rows(conn, units)?;
    for (id, number) in changed {
        index_name(conn, NamedKind::Unit, id, number)?;
    }
    Ok(())
}

fn upsert_unit_rows(conn: &Connection, units: &[Unit]) -> StoreResult<()> {
    stage_and_upsert(conn, &UNITS, units, |insert, u| {
        insert.execute(params![
            u.unit_id,
            u.property_id,
            u.unit_number,
            u.address1,
            u.address2,
            u.city,
            u.state,
            u.zip,
            u.display_order,
            u.floor,
            u.latitude,
            u.longitude
        ])
    })
}

impl DirectoryReads for SqliteTx<'_> {
    fn property(&mut self, property_id: PropertyId) -> StoreResult<Option<Property>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(&format!("SELECT {PROPERTY_COLUMNS} FROM properties WHERE property_id = ?1"))?
            .query_row([property_id], property_from_row)
            .optional()?)
    }
    fn properties_page(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: Option<&[PropertyId]>,
        status: PropertyStatus,
        page: Page,
    ) -> StoreResult<(i64, Vec<Property>)> {
        list_properties(self.conn, scope, ids, status, page.size, page.offset())
    }
    fn unit(&mut self, unit_id: UnitId) -> StoreResult<Option<Unit>> {
        get_unit(self.conn, unit_id)
    }
    fn units_by_ids(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: &[UnitId],
        page: Page,
    ) -> StoreResult<(i64, Vec<Unit>)> {
        units_by_ids(self.conn, scope, ids, page.size, page.offset())
    }
    /// Every unit of a property, sorted; units without a display order go last.
    fn units_of_property(&mut self, property_id: PropertyId, sort: UnitSort) -> StoreResult<Vec<Unit>> {
        let conn = self.conn;
        let order = match sort {
            UnitSort::DisplayOrder => "display_order IS NULL, display_order, unit_number, unit_id",
            UnitSort::UnitNumber => "unit_number, unit_id",
        };
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE property_id = ?1 ORDER BY {order}"))?;
        let rows = stmt.query_map([property_id], unit_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn resident(&mut self, resident_id: ResidentId) -> StoreResult<Option<Resident>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(&format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE resident_id = ?1"))?
            .query_row([resident_id], resident_from_row)
            .optional()?)
    }
    fn residents_of_unit(&mut self, unit_id: UnitId) -> StoreResult<Vec<Resident>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE unit_id = ?1 ORDER BY resident_id"
        ))?;
        let rows = stmt.query_map([unit_id], resident_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn residents_of_property(&mut self, property_id: PropertyId) -> StoreResult<Vec<Resident>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE property_id = ?1
             ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, resident_id"
        ))?;
        let rows = stmt.query_map([property_id], resident_from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn directory_is_empty(&mut self) -> StoreResult<bool> {
        let conn = self.conn;
        Ok(!conn.prepare_cached("SELECT 1 FROM properties LIMIT 1")?.exists([])?)
    }
    /// The ids of `property_ids` that are stored.
    fn known_properties(&mut self, property_ids: &[PropertyId]) -> StoreResult<Vec<PropertyId>> {
        let conn = self.conn;
        let ids = id_list_param(Some(property_ids));
        let mut stmt = conn.prepare_cached(
            "SELECT property_id FROM properties WHERE property_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([ids], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    /// The stored units of `unit_ids` with their property.
    fn unit_owners(&mut self, unit_ids: &[UnitId]) -> StoreResult<Vec<(UnitId, PropertyId)>> {
        let conn = self.conn;
        let ids = id_list_param(Some(unit_ids));
        let mut stmt = conn.prepare_cached(
            "SELECT unit_id, property_id FROM units WHERE unit_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([ids], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(rows)
    }
    fn directory_size(&mut self) -> StoreResult<DirectorySize> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached("SELECT (SELECT count(*) FROM properties), (SELECT count(*) FROM units)")?
            .query_row([], |r| Ok(DirectorySize { properties: r.get(0)?, units: r.get(1)? }))?)
    }
}

impl DirectoryWrites for SqliteTx<'_> {
    fn upsert_properties(&mut self, properties: &[Property]) -> StoreResult<()> {
        upsert_properties(self.conn, properties)
    }
    fn upsert_units(&mut self, units: &[Unit]) -> StoreResult<()> {
        upsert_units(self.conn, units)
    }
    fn record_name_words(&mut self, words: &[String]) -> StoreResult<()> {
        // Only a word already known is passed over (`OR IGNORE` would hide any other failure too).
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO name_words (word, letters, reversed) VALUES (?1, ?2, ?3) ON CONFLICT (word) DO NOTHING",
        )?;
        for word in words {
            insert.execute(params![word, word.chars().count() as i64, word.chars().rev().collect::<String>()])?;
        }
        Ok(())
    }
    fn upsert_residents(&mut self, residents: &[Resident]) -> StoreResult<()> {
        let conn = self.conn;
        stage_and_upsert(conn, &RESIDENTS, residents, |insert, r| {
            insert.execute(params![
                r.resident_id,
                r.property_id,
                r.unit_id,
                r.resident_first_name,
                r.resident_middle_initial,
                r.resident_last_name,
                r.resident_email,
                r.resident_unitphone,
                r.resident_cellphone,
                r.resident_workphone,
                r.resident_otherphone,
                r.occupancy_type,
                r.resident_type,
                r.move_in_date.map(|s| s.0),
                r.phone_digits(),
                r.move_out_date.map(|s| s.0)
            ])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(unit_id: i64, number: &str, floor: Option<&str>) -> Unit {
        Unit {
            unit_id: UnitId(unit_id),
            property_id: PropertyId(1),
            unit_number: number.into(),
            address1: None,
            address2: None,
            city: None,
            state: None,
            zip: None,
            display_order: Some(unit_id),
            floor: floor.map(String::from),
            latitude: Some(25.5),
            longitude: None,
        }
    }

    #[test]
    fn an_import_rewrites_only_the_rows_it_changes() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::sqlite::register_functions(&conn).unwrap();
        crate::store::sqlite::schema::migrate(&conn).unwrap();
        conn.execute_batch(
            "CREATE TEMP TABLE rewritten (unit_id INTEGER);
             CREATE TEMP TRIGGER count_rewrites AFTER UPDATE ON main.units BEGIN
                 INSERT INTO rewritten VALUES (new.unit_id);
             END;",
        )
        .unwrap();
        let property = Property {
            property_id: PropertyId(1),
            c4_uid: None,
            property_name: "Elm".into(),
            address1: None,
            address2: None,
            city: None,
            state: None,
            zip: None,
            entity_number: None,
            legal_name: None,
            property_type_id: None,
            property_status: true,
        };
        upsert_properties(&conn, &[property]).unwrap();
        let units = [unit(1, "101", Some("1")), unit(2, "102", None), unit(3, "103", Some("1"))];
        upsert_units(&conn, &units).unwrap();
        let rewritten = || -> Vec<i64> {
            let mut stmt = conn.prepare("SELECT unit_id FROM rewritten ORDER BY unit_id").unwrap();
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        upsert_units(&conn, &units).unwrap();
        assert_eq!(rewritten(), Vec::<i64>::new(), "the same rows again rewrite nothing");
        // A value set, one cleared (NULL compares as a value), one changed.
        let changed = [unit(1, "101", Some("1")), unit(2, "102", Some("2")), unit(3, "103b", None)];
        upsert_units(&conn, &changed).unwrap();
        assert_eq!(rewritten(), [2, 3]);
        let stored = get_unit(&conn, UnitId(3)).unwrap().unwrap();
        assert_eq!((stored.unit_number.as_str(), stored.floor), ("103b", None));
        assert_eq!(get_unit(&conn, UnitId(2)).unwrap().unwrap().floor.as_deref(), Some("2"));
    }
}
