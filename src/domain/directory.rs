//! The directory copy: properties, units, residents, and the shape rules of
//! an import (docs/api.md §6). Reference rules (a unit's property exists, …) need
//! the database and are checked by the store inside the import transaction.

use crate::domain::error::FieldError;
use crate::domain::input::{Fields, ParsedJson, Resource};
use crate::domain::query::Named;
use crate::domain::suggest;
use crate::domain::time::Stamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// `PropertyStatus=Active|Inactive|All`: which properties a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyStatus {
    Active,
    Inactive,
    All,
}

impl PropertyStatus {
    /// The stored `property_status` values (1 active, 0 inactive) it lets through, lowest and highest.
    pub fn stored_range(self) -> (i64, i64) {
        match self {
            PropertyStatus::Active => (1, 1),
            PropertyStatus::Inactive => (0, 0),
            PropertyStatus::All => (0, 1),
        }
    }
}

impl Named for PropertyStatus {
    const NAMES: &'static [(&'static str, PropertyStatus)] =
        &[("Active", PropertyStatus::Active), ("Inactive", PropertyStatus::Inactive), ("All", PropertyStatus::All)];
}

/// The order of a property's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSort {
    DisplayOrder,
    UnitNumber,
}

impl Named for UnitSort {
    const NAMES: &'static [(&'static str, UnitSort)] =
        &[("unitdisplayorder", UnitSort::DisplayOrder), ("unitnumber", UnitSort::UnitNumber)];
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Property {
    pub property_id: i64,
    pub c4_uid: Option<String>,
    pub property_name: String,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub entity_number: Option<String>,
    pub legal_name: Option<String>,
    pub property_type_id: Option<i64>,
    pub property_status: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Unit {
    pub unit_id: i64,
    pub property_id: i64,
    pub unit_number: String,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub display_order: Option<i64>,
    pub floor: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Resident {
    pub resident_id: i64,
    pub property_id: i64,
    pub unit_id: i64,
    pub resident_first_name: Option<String>,
    pub resident_middle_initial: Option<String>,
    pub resident_last_name: Option<String>,
    pub resident_email: Option<String>,
    pub resident_unitphone: Option<String>,
    pub resident_cellphone: Option<String>,
    pub resident_workphone: Option<String>,
    pub resident_otherphone: Option<String>,
    pub occupancy_type: Option<String>,
    pub resident_type: Option<i64>,
    pub move_in_date: Option<Stamp>,
    /// docs/api.md §6: from this instant on (a date in the past) the resident has
    /// moved out: old logs keep them, new logs and the lookup do not.
    pub move_out_date: Option<Stamp>,
}

impl Resident {
    /// Whether the resident has moved out by `now` (a `MoveOutDate` at or before it).
    pub fn moved_out(&self, now: Stamp) -> bool {
        self.move_out_date.is_some_and(|out| out <= now)
    }

    /// `First M. Last`, blank parts left out (the `CallFrom` of a linked call).
    pub fn full_name(&self) -> String {
        let middle = self
            .resident_middle_initial
            .as_deref()
            .map(|m| m.trim().trim_end_matches('.'))
            .filter(|m| !m.is_empty())
            .map(|m| format!("{m}."));
        [
            self.resident_first_name.as_deref().map(str::trim).map(str::to_string),
            middle,
            self.resident_last_name.as_deref().map(str::trim).map(str::to_string),
        ]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// The digits of each phone, the phones apart by one space: what the
    /// lookup searches when a caller reads out (or caller ID shows) digits.
    pub fn phone_digits(&self) -> Option<String> {
        let phones =
            [&self.resident_unitphone, &self.resident_cellphone, &self.resident_workphone, &self.resident_otherphone];
        let digits: Vec<String> = phones
            .into_iter()
            .flatten()
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| !d.is_empty())
            .collect();
        (!digits.is_empty()).then(|| digits.join(" "))
    }

    /// Whether `needle` (already lower-cased) occurs in any spelling of the name.
    pub fn name_contains(&self, needle: &str) -> bool {
        let first = self.resident_first_name.as_deref().unwrap_or("").trim();
        let last = self.resident_last_name.as_deref().unwrap_or("").trim();
        [self.full_name(), format!("{first} {last}"), format!("{last}, {first}"), format!("{last} {first}")]
            .iter()
            .any(|n| n.to_lowercase().contains(needle))
    }
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn in_range(fields: &mut Fields, field: &str, value: Option<i64>, allowed: &[i64], meaning: &str) -> Option<i64> {
    match value {
        Some(v) if !allowed.contains(&v) => {
            fields.error(field, format!("must be {meaning}"));
            None
        }
        other => other,
    }
}

// The readers below read every field before building the row, so that a row
// with several problems has all of them listed, not just the first.

/// The import's body as this API writes its answer (`ImportCounts`).
pub const IMPORT_RESOURCE: Resource = Resource { name: "the import", fields: &["Properties", "Units", "Residents"] };

/// `Property` as this API writes it (docs/api.md §6): the names an import row may
/// carry, as JSON properties or as the header names of a CSV file.
pub const PROPERTY_RESOURCE: Resource = Resource {
    name: "Property",
    fields: &[
        "PropertyId",
        "C4Uid",
        "PropertyName",
        "Address1",
        "Address2",
        "City",
        "State",
        "Zip",
        "EntityNumber",
        "LegalName",
        "PropertyTypeId",
        "PropertyStatus",
    ],
};

/// `Unit` as this API writes it.
pub const UNIT_RESOURCE: Resource = Resource {
    name: "Unit",
    fields: &[
        "UnitId",
        "PropertyId",
        "UnitNumber",
        "Address1",
        "Address2",
        "City",
        "State",
        "Zip",
        "DisplayOrder",
        "Floor",
        "Latitude",
        "Longitude",
    ],
};

/// `Resident` as this API writes it.
pub const RESIDENT_RESOURCE: Resource = Resource {
    name: "Resident",
    fields: &[
        "ResidentId",
        "PropertyId",
        "UnitId",
        "ResidentFirstName",
        "ResidentMiddleInitial",
        "ResidentLastName",
        "ResidentEmail",
        "ResidentUnitphone",
        "ResidentCellphone",
        "ResidentWorkphone",
        "ResidentOtherphone",
        "OccupancyType",
        "ResidentType",
        "MoveInDate",
        "MoveOutDate",
    ],
};

pub fn property_from(f: &mut Fields) -> Option<Property> {
    f.expect(PROPERTY_RESOURCE);
    let property_id = f.required_id("PropertyId");
    let property_name = f.required_string("PropertyName");
    let type_id = f.i64("PropertyTypeId");
    let property_type_id = in_range(f, "PropertyTypeId", type_id, &[1, 2], "1 (Condo/Highrise) or 2 (HOA)");
    let c4_uid = trimmed(f.text("C4Uid"));
    let address1 = trimmed(f.text("Address1"));
    let address2 = trimmed(f.text("Address2"));
    let city = trimmed(f.text("City"));
    let state = trimmed(f.text("State"));
    let zip = trimmed(f.text("Zip"));
    let entity_number = trimmed(f.text("EntityNumber"));
    let legal_name = trimmed(f.text("LegalName"));
    let property_status = f.bool("PropertyStatus").unwrap_or(true);
    if !f.is_ok() {
        return None;
    }
    Some(Property {
        property_id: property_id?,
        c4_uid,
        property_name: property_name?,
        address1,
        address2,
        city,
        state,
        zip,
        entity_number,
        legal_name,
        property_type_id,
        property_status,
    })
}

pub fn unit_from(f: &mut Fields) -> Option<Unit> {
    f.expect(UNIT_RESOURCE);
    let unit_id = f.required_id("UnitId");
    let property_id = f.required_id("PropertyId");
    let had_number = f.has("UnitNumber");
    let unit_number = f.text("UnitNumber").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if unit_number.is_none() && !f.has_error("UnitNumber") {
        if had_number {
            f.error("UnitNumber", "must not be blank");
        } else {
            f.missing("UnitNumber");
        }
    }
    let address1 = trimmed(f.text("Address1"));
    let address2 = trimmed(f.text("Address2"));
    let city = trimmed(f.text("City"));
    let state = trimmed(f.text("State"));
    let zip = trimmed(f.text("Zip"));
    let display_order = f.i64_within("DisplayOrder", crate::domain::input::DISPLAY_ORDERS);
    let floor = trimmed(f.text("Floor"));
    let latitude = f.f64("Latitude");
    let longitude = f.f64("Longitude");
    if !f.is_ok() {
        return None;
    }
    Some(Unit {
        unit_id: unit_id?,
        property_id: property_id?,
        unit_number: unit_number?,
        address1,
        address2,
        city,
        state,
        zip,
        display_order,
        floor,
        latitude,
        longitude,
    })
}

pub fn resident_from(f: &mut Fields, zone: &TimeZone) -> Option<Resident> {
    f.expect(RESIDENT_RESOURCE);
    let resident_id = f.required_id("ResidentId");
    let property_id = f.required_id("PropertyId");
    let unit_id = f.required_id("UnitId");
    let first = trimmed(f.text("ResidentFirstName"));
    let last = trimmed(f.text("ResidentLastName"));
    if first.is_none() && last.is_none() && !f.has_error("ResidentFirstName") && !f.has_error("ResidentLastName") {
        f.missing("ResidentLastName");
    }
    let resident_type = f.i64("ResidentType");
    let resident_type = in_range(f, "ResidentType", resident_type, &[1, 2, 3], "1 (Owner), 2 (Resident) or 3 (Renter)");
    let resident_middle_initial = trimmed(f.text("ResidentMiddleInitial"));
    let resident_email = trimmed(f.text("ResidentEmail"));
    let resident_unitphone = trimmed(f.text("ResidentUnitphone"));
    let resident_cellphone = trimmed(f.text("ResidentCellphone"));
    let resident_workphone = trimmed(f.text("ResidentWorkphone"));
    let resident_otherphone = trimmed(f.text("ResidentOtherphone"));
    let occupancy_type = trimmed(f.text("OccupancyType"));
    let move_in_date = f.date("MoveInDate", zone);
    let move_out_date = f.date("MoveOutDate", zone);
    if !f.is_ok() {
        return None;
    }
    Some(Resident {
        resident_id: resident_id?,
        property_id: property_id?,
        unit_id: unit_id?,
        resident_first_name: first,
        resident_middle_initial,
        resident_last_name: last,
        resident_email,
        resident_unitphone,
        resident_cellphone,
        resident_workphone,
        resident_otherphone,
        occupancy_type,
        resident_type,
        move_in_date,
        move_out_date,
    })
}

/// The three kinds of row of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Property,
    Unit,
    Resident,
}

impl RowKind {
    /// The list's name in an import body (`Units`).
    pub fn list(self) -> &'static str {
        match self {
            RowKind::Property => "Properties",
            RowKind::Unit => "Units",
            RowKind::Resident => "Residents",
        }
    }

    /// The names a row of this kind may carry.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            RowKind::Property => PROPERTY_RESOURCE.fields,
            RowKind::Unit => UNIT_RESOURCE.fields,
            RowKind::Resident => RESIDENT_RESOURCE.fields,
        }
    }

    /// The columns every CSV file of this kind must have (a resident's file
    /// also needs a first or a last name column).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            RowKind::Property => &["PropertyId", "PropertyName"],
            RowKind::Unit => &["UnitId", "PropertyId", "UnitNumber"],
            RowKind::Resident => &["ResidentId", "PropertyId", "UnitId"],
        }
    }

    /// The list named `name`, ignoring case.
    pub fn of_list(name: &str) -> Option<RowKind> {
        [RowKind::Property, RowKind::Unit, RowKind::Resident].into_iter().find(|k| k.list().eq_ignore_ascii_case(name))
    }
}

/// An import whose rows each have the right shape; `errors` lists the rows
/// that did not (they are not in the lists). Each row keeps its name
/// (`Units[3].`, `units.csv line 4: `) so the store can name rows it refuses
/// on reference grounds. Rows are read one at a time (`add_row`), so a
/// large import holds only typed rows, never a document tree.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub properties: Vec<(String, Property)>,
    pub units: Vec<(String, Unit)>,
    pub residents: Vec<(String, Resident)>,
    pub errors: Vec<FieldError>,
}

/// Counts of rows written by an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ImportCounts {
    pub properties: i64,
    pub units: i64,
    pub residents: i64,
}

impl ImportCounts {
    /// "1 property, 2 units, 0 residents": each count with its noun, singular for one.
    pub fn summary(&self) -> String {
        let counted = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}, {}",
            counted(self.properties, "property", "properties"),
            counted(self.units, "unit", "units"),
            counted(self.residents, "resident", "residents")
        )
    }
}

impl ImportBatch {
    /// Reads one row (its problems carry `f`'s prefix, which is also `name`).
    pub fn add_row(&mut self, kind: RowKind, name: String, mut f: Fields, zone: &TimeZone) {
        match kind {
            RowKind::Property => {
                if let Some(p) = property_from(&mut f) {
                    self.properties.push((name, p));
                }
            }
            RowKind::Unit => {
                if let Some(u) = unit_from(&mut f) {
                    self.units.push((name, u));
                }
            }
            RowKind::Resident => {
                if let Some(r) = resident_from(&mut f, zone) {
                    self.residents.push((name, r));
                }
            }
        }
        self.errors.extend(f.take_errors().0);
    }

    /// Reads a row given as JSON, named `Units[3].`: names match ignoring
    /// case; a repeated one, or one that is no field of the row's resource,
    /// is refused (docs/api.md §1).
    pub fn add_json_row(&mut self, kind: RowKind, index: usize, row: ParsedJson, zone: &TimeZone) {
        let name = format!("{}[{index}].", kind.list());
        match Fields::from_parsed_row(row, name.clone()) {
            Some(fields) => self.add_row(kind, name, fields.refusing_unknown(), zone),
            None => self.errors.push(FieldError::new(format!("{}[{index}]", kind.list()), "must be an object")),
        }
    }

    /// Reads one CSV file (docs/operations.md §11) row by row: a header row of field names
    /// (any case), then one row per line, each named after the file and line
    /// (`units.csv line 3: `) so every problem points at the line to fix.
    /// `Err` is a problem with the file as a whole (an unknown column, text
    /// that is not UTF-8, a line with the wrong number of cells), which
    /// refuses the import. Shared by `calllog import` and the console.
    pub fn add_csv(
        &mut self,
        kind: RowKind,
        source: impl std::io::Read,
        file_name: &str,
        zone: &TimeZone,
    ) -> Result<(), String> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(source);
        let headers = reader.headers().map_err(|e| csv_problem(file_name, &e))?.clone();
        if headers.is_empty() {
            return Ok(()); // an empty file (a form's file field left empty): nothing to import
        }
        let columns = csv_columns(kind, &headers, file_name)?;
        for record in reader.records() {
            let record = record.map_err(|e| csv_problem(file_name, &e))?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let pairs = columns
                .iter()
                .zip(record.iter())
                .filter_map(|(column, value)| column.map(|c| (c.to_string(), value.trim().to_string())))
                .collect();
            let name = format!("{file_name} line {line}: ");
            self.add_row(kind, name.clone(), Fields::from_text_pairs(pairs, name), zone);
        }
        Ok(())
    }
}

/// The field each header names (`None`: a column with a blank header,
/// ignored). Header names match ignoring case and surrounding spaces; an
/// unknown one or one given twice refuses the file.
fn csv_columns(
    kind: RowKind,
    headers: &csv::StringRecord,
    file_name: &str,
) -> Result<Vec<Option<&'static str>>, String> {
    let known = kind.fields();
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        // Excel's "CSV UTF-8" starts the file with a byte order mark.
        let header = if i == 0 { header.trim_start_matches('\u{feff}') } else { header }.trim();
        if header.is_empty() {
            columns.push(None);
            continue;
        }
        let Some(field) = known.iter().copied().find(|k| k.eq_ignore_ascii_case(header)) else {
            return Err(format!("{file_name}: {}", suggest::unknown_name_message("column", header, known)));
        };
        if columns.contains(&Some(field)) {
            return Err(format!("{file_name}: the column {field} appears twice in the header row."));
        }
        columns.push(Some(field));
    }
    let has = |name: &str| columns.contains(&Some(name));
    let mut missing: Vec<&str> = kind.required().iter().copied().filter(|c| !has(c)).collect();
    if kind == RowKind::Resident && !has("ResidentFirstName") && !has("ResidentLastName") {
        missing.push("ResidentLastName (or ResidentFirstName)");
    }
    if !missing.is_empty() {
        return Err(format!(
            "{file_name}: the header row is missing {}; a {} file needs {}.",
            missing.join(", "),
            kind.list().to_lowercase(),
            match kind {
                RowKind::Resident =>
                    "ResidentId, PropertyId, UnitId and ResidentFirstName or ResidentLastName".to_string(),
                _ => kind.required().join(", "),
            }
        ));
    }
    Ok(columns)
}

/// A CSV problem in words a person can act on.
fn csv_problem(file_name: &str, e: &csv::Error) -> String {
    let line = e.position().map(|p| p.line());
    let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!(
            "{file_name}{at}: the file is not UTF-8 text; save the file as UTF-8 (in Excel: Save As, \"CSV UTF-8\") and import it again."
        ),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "{file_name}{at}: this line has {len} cells but the header row has {expected_len}; \
             check for a missing or extra comma (a value with a comma must be in double quotes)."
        ),
        csv::ErrorKind::Io(io) => format!("{file_name}: cannot be read: {io}"),
        _ => format!("{file_name}{at}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resident(first: Option<&str>, middle: Option<&str>, last: Option<&str>) -> Resident {
        Resident {
            resident_id: 1,
            property_id: 1,
            unit_id: 1,
            resident_first_name: first.map(String::from),
            resident_middle_initial: middle.map(String::from),
            resident_last_name: last.map(String::from),
            resident_email: None,
            resident_unitphone: None,
            resident_cellphone: None,
            resident_workphone: None,
            resident_otherphone: None,
            occupancy_type: None,
            resident_type: None,
            move_in_date: None,
            move_out_date: None,
        }
    }

    #[test]
    fn import_counts_say_one_in_the_singular() {
        let counts = ImportCounts { properties: 1, units: 0, residents: 2 };
        assert_eq!(counts.summary(), "1 property, 0 units, 2 residents");
        assert_eq!(
            ImportCounts { properties: 3, units: 1, residents: 1 }.summary(),
            "3 properties, 1 unit, 1 resident"
        );
    }

    #[test]
    fn full_name_leaves_blank_parts_out() {
        assert_eq!(resident(Some("Ann"), Some("B"), Some("Cole")).full_name(), "Ann B. Cole");
        assert_eq!(resident(Some("Ann"), Some(" "), Some("Cole")).full_name(), "Ann Cole");
        assert_eq!(resident(None, Some("B."), Some("Cole")).full_name(), "B. Cole");
        assert_eq!(resident(Some("Ann"), None, None).full_name(), "Ann");
    }

    #[test]
    fn resident_needs_a_first_or_last_name() {
        let mut f = Fields::from_object(
            json!({"ResidentId": 1, "PropertyId": 1, "UnitId": 1}).as_object().unwrap().clone(),
            "Residents[0].",
        );
        assert!(resident_from(&mut f, &TimeZone::UTC).is_none());
        let err = f.finish().unwrap_err();
        assert_eq!(err.errors[0].field, "Residents[0].ResidentLastName");
    }

    #[test]
    fn every_problem_of_a_row_is_listed() {
        let mut f = Fields::from_object(
            json!({"UnitNumber": " ", "DisplayOrder": "x", "Latitude": true}).as_object().unwrap().clone(),
            "Units[2].",
        );
        assert!(unit_from(&mut f).is_none());
        let fields: Vec<String> = f.finish().unwrap_err().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "Units[2].UnitId",
                "Units[2].PropertyId",
                "Units[2].UnitNumber",
                "Units[2].DisplayOrder",
                "Units[2].Latitude"
            ]
        );
    }

    #[test]
    fn property_status_defaults_to_active() {
        let mut f =
            Fields::from_object(json!({"propertyid": 4, "propertyname": "Elm Court"}).as_object().unwrap().clone(), "");
        let p = property_from(&mut f).unwrap();
        assert!(p.property_status);
        assert_eq!(p.property_type_id, None);
    }
}
