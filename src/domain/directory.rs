//! The directory copy: properties, units, residents, and the shape rules of
//! an import (docs/api.md §6). Reference rules (a unit's property exists, …) need
//! the database: the service checks them (`service::directory`).

use crate::domain::error::{DomainError, FieldError};
use crate::domain::input::{Fields, Resource};
use crate::domain::packed::{Pack, PackedRows, Packer, Unpacker};
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

/// The longest text a field of an import row may hold, in characters as
/// given (docs/api.md is silent; no name, address or phone of the outside system
/// comes near it, and it bounds what one row costs to check, keep and index).
pub const MAX_IMPORT_TEXT: usize = 1_000;

/// Refuses each of `fields` whose text is longer than [`MAX_IMPORT_TEXT`] as given.
fn refuse_long_text(f: &mut Fields, fields: &[&str]) {
    for field in fields {
        if f.given_chars(field).is_some_and(|n| n > MAX_IMPORT_TEXT) {
            f.error(field, format!("must be at most {MAX_IMPORT_TEXT} characters"));
        }
    }
}

/// A row's text as read from its source: `value`, or when it is far longer
/// than any field may be, its first [`MAX_IMPORT_TEXT`] + 1 characters (so
/// it is still refused as too long, and a 64 MiB value is not copied again).
pub fn bounded_text(value: &str) -> &str {
    if value.len() <= 4 * MAX_IMPORT_TEXT {
        return value; // at most 4 bytes a character: a longer one is too long
    }
    let end = value.char_indices().nth(MAX_IMPORT_TEXT + 1).map_or(value.len(), |(i, _)| i);
    &value[..end]
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
    refuse_long_text(
        f,
        &["C4Uid", "PropertyName", "Address1", "Address2", "City", "State", "Zip", "EntityNumber", "LegalName"],
    );
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
    refuse_long_text(f, &["UnitNumber", "Address1", "Address2", "City", "State", "Zip", "Floor"]);
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
    refuse_long_text(
        f,
        &[
            "ResidentFirstName",
            "ResidentMiddleInitial",
            "ResidentLastName",
            "ResidentEmail",
            "ResidentUnitphone",
            "ResidentCellphone",
            "ResidentWorkphone",
            "ResidentOtherphone",
            "OccupancyType",
        ],
    );
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

    /// The resource a row of this kind describes.
    pub fn resource(self) -> Resource {
        match self {
            RowKind::Property => PROPERTY_RESOURCE,
            RowKind::Unit => UNIT_RESOURCE,
            RowKind::Resident => RESIDENT_RESOURCE,
        }
    }

    /// The names a row of this kind may carry.
    pub fn fields(self) -> &'static [&'static str] {
        self.resource().fields
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

/// At most this many of an import's problems are listed (docs/api.md §6); the
/// rest are counted, so that a body of millions of bad rows answers a page,
/// not a copy of itself.
pub const LISTED_PROBLEMS: usize = 100;

/// An import's problems: the first [`LISTED_PROBLEMS`] in the order found
/// (each row's shape as it is read, then references), and how many in all.
/// Nothing is kept of a problem past the first hundred.
#[derive(Debug, Default)]
pub struct ImportProblems {
    listed: Vec<FieldError>,
    total: u64,
}

impl ImportProblems {
    pub fn add(&mut self, problem: FieldError) {
        self.add_with(|| problem);
    }

    /// Counts a problem; `problem` makes its text only when it is listed
    /// (problems past the first hundred cost no text at all).
    pub fn add_with(&mut self, problem: impl FnOnce() -> FieldError) {
        self.total += 1;
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(problem());
        }
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = FieldError>) {
        for problem in problems {
            self.add(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems were found in all, listed or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn listed(&self) -> &[FieldError] {
        &self.listed
    }

    /// The import's refusal (400/114): the listed problems, and a message
    /// that says how many there are when not all are listed.
    pub fn into_error(self) -> DomainError {
        if self.total <= self.listed.len() as u64 {
            return DomainError::from_field_errors(self.listed, false);
        }
        let described: Vec<String> = self.listed.iter().map(|e| format!("{} {}", e.field, e.message)).collect();
        let message = format!(
            "The import was refused and nothing was written: {} problems in all; the first {} are listed: {}.",
            with_thousands(self.total),
            self.listed.len(),
            described.join("; ")
        );
        DomainError { message, ..DomainError::from_field_errors(self.listed, false) }
    }
}

/// `22369621` as `22,369,621`.
fn with_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Where one kind of row came from, which names its rows in problems.
#[derive(Debug, Clone, Default)]
enum RowSource {
    /// A list of a JSON body: `Units[3].`.
    #[default]
    List,
    /// A CSV file: `units.csv line 4: `.
    Csv(String),
}

/// An import as read: the rows that have the right shape, packed (see
/// `domain::packed`: a large import holds a fraction of its body, never
/// typed rows or a document tree), and the problems of those that did not.
/// Each row keeps its position in its source (list index or CSV line), so
/// that a row refused later, on reference grounds, is named the same way.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub properties: PackedRows<Property>,
    pub units: PackedRows<Unit>,
    pub residents: PackedRows<Resident>,
    pub problems: ImportProblems,
    /// Properties, units, residents.
    sources: [RowSource; 3],
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

impl RowKind {
    fn slot(self) -> usize {
        match self {
            RowKind::Property => 0,
            RowKind::Unit => 1,
            RowKind::Resident => 2,
        }
    }
}

impl ImportBatch {
    /// How a row is named in problems: `Units[3].` or `units.csv line 4: `
    /// (the field's name follows).
    pub fn row_name(&self, kind: RowKind, position: u64) -> String {
        match &self.sources[kind.slot()] {
            RowSource::List => format!("{}[{position}].", kind.list()),
            RowSource::Csv(file_name) => format!("{file_name} line {position}: "),
        }
    }

    /// The rows of each kind, as they will be written.
    pub fn counts(&self) -> ImportCounts {
        ImportCounts {
            properties: self.properties.len() as i64,
            units: self.units.len() as i64,
            residents: self.residents.len() as i64,
        }
    }

    /// Rows made by the program itself (the demo directory), named as list entries.
    pub fn add_property(&mut self, property: &Property) {
        self.properties.push(self.properties.len() as u64, property);
    }

    pub fn add_unit(&mut self, unit: &Unit) {
        self.units.push(self.units.len() as u64, unit);
    }

    pub fn add_resident(&mut self, resident: &Resident) {
        self.residents.push(self.residents.len() as u64, resident);
    }

    /// Reads one row, at `position` of its source; `f` names its fields
    /// with [`ImportBatch::row_name`]. A row with a problem is not kept.
    pub fn add_row(&mut self, kind: RowKind, position: u64, f: Fields, zone: &TimeZone) {
        self.read_row(kind, Some(position), f, zone);
    }

    /// Reads a row already refused (a problem found as it was parsed), for
    /// its other problems; it is not kept.
    pub fn add_refused_row(&mut self, kind: RowKind, f: Fields, zone: &TimeZone) {
        self.read_row(kind, None, f, zone);
    }

    /// Reads a row for its problems, and keeps it at `position` when it has none.
    fn read_row(&mut self, kind: RowKind, position: Option<u64>, mut f: Fields, zone: &TimeZone) {
        match kind {
            RowKind::Property => {
                if let (Some(p), Some(position)) = (property_from(&mut f), position) {
                    self.properties.push(position, &p);
                }
            }
            RowKind::Unit => {
                if let (Some(u), Some(position)) = (unit_from(&mut f), position) {
                    self.units.push(position, &u);
                }
            }
            RowKind::Resident => {
                if let (Some(r), Some(position)) = (resident_from(&mut f, zone), position) {
                    self.residents.push(position, &r);
                }
            }
        }
        self.problems.extend(f.take_errors().0);
    }

    /// Gives back what the row buffers reserved while growing (up to half of
    /// what they hold), before the batch waits to be checked and written.
    pub fn shrink_to_fit(&mut self) {
        self.properties.shrink_to_fit();
        self.units.shrink_to_fit();
        self.residents.shrink_to_fit();
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
        self.sources[kind.slot()] = RowSource::Csv(file_name.to_string());
        let source = CellBound::new(source, MAX_CSV_CELLS);
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(source);
        let headers = reader.headers().map_err(|e| csv_problem(file_name, &e))?.clone();
        if headers.is_empty() {
            return Ok(()); // an empty file (a form's file field left empty): nothing to import
        }
        let columns = csv_columns(kind, &headers, file_name)?;
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_problem(file_name, &e)),
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let pairs = columns
                .iter()
                .zip(record.iter())
                .filter_map(|(column, value)| column.map(|c| (c.to_string(), bounded_text(value.trim()).to_string())))
                .collect();
            let name = self.row_name(kind, line);
            self.add_row(kind, line, Fields::from_text_pairs(pairs, name), zone);
        }
        Ok(())
    }
}

/// Cells a CSV line may have: every field of a row with room for blank
/// columns. The CSV reader keeps 8 bytes per cell of a line before it can
/// compare the count with the header's, so a line of a million commas
/// would cost 8 MB; past this bound the file is refused as it is read.
const MAX_CSV_CELLS: usize = 1_000;

/// A reader that refuses a CSV line of more than `max` cells as it passes
/// it on. It follows the quoting of the CSV reader (RFC 4180 as the `csv`
/// crate reads it): a cell opens quotes only at its start, `""` inside
/// quotes is a quote, and after the closing quote the cell goes on unquoted.
struct CellBound<R> {
    inner: R,
    max: usize,
    state: CellState,
    cells: usize,
    line: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CellState {
    StartOfCell,
    InCell,
    InQuotes,
    QuoteInQuotes,
}

impl<R> CellBound<R> {
    fn new(inner: R, max: usize) -> Self {
        CellBound { inner, max, state: CellState::StartOfCell, cells: 1, line: 1 }
    }

    /// Follows one byte; false when the line now has too many cells.
    fn step(&mut self, byte: u8) -> bool {
        use CellState::*;
        if byte == b'\n' {
            self.line += 1;
        }
        match (self.state, byte) {
            (InQuotes, b'"') => self.state = QuoteInQuotes,
            (InQuotes, _) => {}
            (QuoteInQuotes, b'"') => self.state = InQuotes,
            (StartOfCell, b'"') => self.state = InQuotes,
            (_, b',') => {
                self.state = StartOfCell;
                self.cells += 1;
            }
            (_, b'\n' | b'\r') => {
                self.state = StartOfCell;
                self.cells = 1;
            }
            _ => self.state = InCell,
        }
        self.cells <= self.max
    }
}

impl<R: std::io::Read> std::io::Read for CellBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            if !self.step(byte) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("line {} has more than {} cells", self.line, self.max),
                ));
            }
        }
        Ok(n)
    }
}

impl Pack for Property {
    fn pack(&self, out: &mut Packer<'_>) {
        out.int(self.property_id);
        out.option(self.c4_uid.as_deref(), Packer::text);
        out.text(&self.property_name);
        for text in [&self.address1, &self.address2, &self.city, &self.state, &self.zip] {
            out.option(text.as_deref(), Packer::text);
        }
        out.option(self.entity_number.as_deref(), Packer::text);
        out.option(self.legal_name.as_deref(), Packer::text);
        out.option(self.property_type_id, Packer::int);
        out.bool(self.property_status);
    }

    fn unpack(input: &mut Unpacker<'_>) -> Option<Self> {
        Some(Property {
            property_id: input.int()?,
            c4_uid: input.option(Unpacker::text)?,
            property_name: input.text()?,
            address1: input.option(Unpacker::text)?,
            address2: input.option(Unpacker::text)?,
            city: input.option(Unpacker::text)?,
            state: input.option(Unpacker::text)?,
            zip: input.option(Unpacker::text)?,
            entity_number: input.option(Unpacker::text)?,
            legal_name: input.option(Unpacker::text)?,
            property_type_id: input.option(Unpacker::int)?,
            property_status: input.bool()?,
        })
    }
}

impl Pack for Unit {
    fn pack(&self, out: &mut Packer<'_>) {
        out.int(self.unit_id);
        out.int(self.property_id);
        out.text(&self.unit_number);
        for text in [&self.address1, &self.address2, &self.city, &self.state, &self.zip] {
            out.option(text.as_deref(), Packer::text);
        }
        out.option(self.display_order, Packer::int);
        out.option(self.floor.as_deref(), Packer::text);
        out.option(self.latitude, Packer::float);
        out.option(self.longitude, Packer::float);
    }

    fn unpack(input: &mut Unpacker<'_>) -> Option<Self> {
        Some(Unit {
            unit_id: input.int()?,
            property_id: input.int()?,
            unit_number: input.text()?,
            address1: input.option(Unpacker::text)?,
            address2: input.option(Unpacker::text)?,
            city: input.option(Unpacker::text)?,
            state: input.option(Unpacker::text)?,
            zip: input.option(Unpacker::text)?,
            display_order: input.option(Unpacker::int)?,
            floor: input.option(Unpacker::text)?,
            latitude: input.option(Unpacker::float)?,
            longitude: input.option(Unpacker::float)?,
        })
    }
}

impl Pack for Resident {
    fn pack(&self, out: &mut Packer<'_>) {
        out.int(self.resident_id);
        out.int(self.property_id);
        out.int(self.unit_id);
        for text in [
            &self.resident_first_name,
            &self.resident_middle_initial,
            &self.resident_last_name,
            &self.resident_email,
            &self.resident_unitphone,
            &self.resident_cellphone,
            &self.resident_workphone,
            &self.resident_otherphone,
            &self.occupancy_type,
        ] {
            out.option(text.as_deref(), Packer::text);
        }
        out.option(self.resident_type, Packer::int);
        out.option(self.move_in_date.map(|s| s.0), Packer::int);
        out.option(self.move_out_date.map(|s| s.0), Packer::int);
    }

    fn unpack(input: &mut Unpacker<'_>) -> Option<Self> {
        Some(Resident {
            resident_id: input.int()?,
            property_id: input.int()?,
            unit_id: input.int()?,
            resident_first_name: input.option(Unpacker::text)?,
            resident_middle_initial: input.option(Unpacker::text)?,
            resident_last_name: input.option(Unpacker::text)?,
            resident_email: input.option(Unpacker::text)?,
            resident_unitphone: input.option(Unpacker::text)?,
            resident_cellphone: input.option(Unpacker::text)?,
            resident_workphone: input.option(Unpacker::text)?,
            resident_otherphone: input.option(Unpacker::text)?,
            occupancy_type: input.option(Unpacker::text)?,
            resident_type: input.option(Unpacker::int)?,
            move_in_date: input.option(Unpacker::int)?.map(Stamp),
            move_out_date: input.option(Unpacker::int)?.map(Stamp),
        })
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

    #[test]
    fn counts_are_written_with_thousands_separators() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (22_369_621, "22,369,621"), (100_000, "100,000")];
        for (n, text) in cases {
            assert_eq!(with_thousands(n), text);
        }
    }

    #[test]
    fn up_to_100_problems_read_as_before_and_more_say_how_many() {
        let mut few = ImportProblems::default();
        few.add(FieldError::new("Units[0].UnitId", "is required"));
        assert_eq!(few.into_error().message, "Units[0].UnitId is required.");
        let mut many = ImportProblems::default();
        let mut made = 0;
        for i in 0..250 {
            many.add_with(|| {
                made += 1;
                FieldError::new(format!("Units[{i}].UnitId"), "is required")
            });
        }
        assert_eq!((many.total(), many.listed().len(), made), (250, 100, 100), "only listed problems are made");
        let error = many.into_error();
        assert_eq!(error.errors.len(), 100);
        assert!(error.message.contains(": 250 problems in all; the first 100 are listed: Units[0].UnitId"));
    }

    #[test]
    fn rows_of_each_kind_pack_and_come_back_whole() {
        let full = Resident {
            resident_email: Some("ann@example.com".into()),
            resident_unitphone: Some("305 555 0101".into()),
            resident_workphone: Some("".into()),
            resident_otherphone: Some("x".into()),
            occupancy_type: Some("owner".into()),
            resident_type: Some(3),
            move_in_date: Some(Stamp(-5)),
            move_out_date: Some(Stamp(i64::MAX)),
            ..resident(Some("Ann"), Some("B"), Some("Cole"))
        };
        let mut batch = ImportBatch::default();
        batch.add_resident(&full);
        batch.add_resident(&resident(None, None, Some("Zoë")));
        let back: Vec<Resident> = batch.residents.iter().map(|r| r.unwrap().1).collect();
        assert_eq!(format!("{back:?}"), format!("{:?}", [full, resident(None, None, Some("Zoë"))]));
        let mut f = Fields::from_object(
            json!({"UnitId": 7, "PropertyId": 1, "UnitNumber": "7", "Latitude": -33.5, "DisplayOrder": 2, "Zip": 33101})
                .as_object()
                .unwrap()
                .clone(),
            "",
        );
        let unit = unit_from(&mut f).unwrap();
        batch.add_unit(&unit);
        assert_eq!(format!("{:?}", batch.units.iter().next().unwrap().unwrap().1), format!("{unit:?}"));
        let mut f = Fields::from_object(
            json!({"PropertyId": 4, "PropertyName": "Elm", "PropertyStatus": false, "PropertyTypeId": 2, "City": "Ely"})
                .as_object()
                .unwrap()
                .clone(),
            "",
        );
        let property = property_from(&mut f).unwrap();
        batch.add_property(&property);
        assert_eq!(format!("{:?}", batch.properties.iter().next().unwrap().unwrap().1), format!("{property:?}"));
        assert_eq!(batch.counts(), ImportCounts { properties: 1, units: 1, residents: 2 });
    }

    fn read_units_csv(text: &str) -> (ImportBatch, Result<(), String>) {
        let mut batch = ImportBatch::default();
        let read = batch.add_csv(RowKind::Unit, text.as_bytes(), "units.csv", &TimeZone::UTC);
        (batch, read)
    }

    #[test]
    fn a_csv_line_of_too_many_cells_is_refused_as_it_is_read() {
        let wide = format!("UnitId,PropertyId,UnitNumber\n1,1,1\n2,1,{}\n3,1,1\n", ",".repeat(MAX_CSV_CELLS));
        let (batch, read) = read_units_csv(&wide);
        let problem = read.unwrap_err();
        assert!(problem.contains("line 3 has more than 1000 cells"), "{problem}");
        assert!(batch.units.len() <= 1, "the line was not read whole");
        let header = format!("UnitId,PropertyId,UnitNumber{}\n", ",".repeat(MAX_CSV_CELLS));
        assert!(read_units_csv(&header).1.unwrap_err().contains("line 1 has more than 1000 cells"));
    }

    #[test]
    fn commas_inside_quotes_are_not_cells() {
        let quoted = format!(
            "UnitId,PropertyId,UnitNumber,Address1\n1,1,\"1\"\"A\",\"{}\"\r\n2,1,2,\"a\nb\"\n",
            ",".repeat(5 * MAX_CSV_CELLS)
        );
        let (batch, read) = read_units_csv(&quoted);
        read.unwrap();
        let listed = batch.problems.listed();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].field, "units.csv line 2: Address1", "the line is read, its cell too long");
        let units: Vec<Unit> = batch.units.iter().map(|u| u.unwrap().1).collect();
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].address1.as_deref(), Some("a\nb"));
        let quoted = "UnitId,PropertyId,UnitNumber\n1,1,\"1\"\"A,\"\r\n";
        let unit = read_units_csv(quoted).0.units.iter().next().unwrap().unwrap().1;
        assert_eq!(unit.unit_number, "1\"A,");
        assert_eq!(batch.row_name(RowKind::Unit, 3), "units.csv line 3: ");
    }

    #[test]
    fn text_longer_than_1000_characters_as_given_is_refused() {
        let at_most = "é".repeat(MAX_IMPORT_TEXT);
        let over = format!("{at_most}x");
        let padded = format!(" {at_most}");
        for (number, ok) in [(at_most.as_str(), true), (over.as_str(), false), (padded.as_str(), false)] {
            let mut f = Fields::from_object(
                json!({"UnitId": 1, "PropertyId": 1, "UnitNumber": number}).as_object().unwrap().clone(),
                "Units[0].",
            );
            assert_eq!(unit_from(&mut f).is_some(), ok, "{} characters", number.chars().count());
            if !ok {
                let error = f.finish().unwrap_err();
                assert_eq!(error.errors[0].field, "Units[0].UnitNumber");
                assert_eq!(error.errors[0].message, "must be at most 1000 characters");
            }
        }
    }

    #[test]
    fn a_value_far_too_long_is_kept_only_in_part_and_still_refused() {
        assert_eq!(bounded_text("short"), "short");
        let four_thousand_bytes = "é".repeat(2 * MAX_IMPORT_TEXT);
        assert_eq!(bounded_text(&four_thousand_bytes), four_thousand_bytes, "refused by its reader as it is");
        let huge = "7".repeat(1 << 20);
        let kept = bounded_text(&huge);
        assert_eq!(kept.chars().count(), MAX_IMPORT_TEXT + 1);
        let csv = format!("UnitId,PropertyId,UnitNumber\n1,1,{huge}\n");
        let (batch, read) = read_units_csv(&csv);
        read.unwrap();
        let listed = batch.problems.listed();
        assert_eq!(
            (listed[0].field.as_str(), listed[0].message.as_str()),
            ("units.csv line 2: UnitNumber", "must be at most 1000 characters")
        );
        assert!(batch.units.is_empty());
    }
}
