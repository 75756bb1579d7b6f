//! The directory import on the wire (docs/api.md §6, docs/operations.md §11):
//! the fields a property, unit or resident row may carry (as JSON
//! properties or CSV header names) and how a row is read into the batch.

use crate::domain::catalog::DISPLAY_ORDERS;
use crate::domain::directory::{ImportBatch, Property, Resident, RowKind, Unit, MAX_IMPORT_TEXT};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::suggest;
use crate::wire::input::{Fields, Resource};
use jiff::tz::TimeZone;

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

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
        property_id: PropertyId(property_id?),
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
    let display_order = f.i64_within("DisplayOrder", DISPLAY_ORDERS);
    let floor = trimmed(f.text("Floor"));
    let latitude = f.f64("Latitude");
    let longitude = f.f64("Longitude");
    if !f.is_ok() {
        return None;
    }
    Some(Unit {
        unit_id: UnitId(unit_id?),
        property_id: PropertyId(property_id?),
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
        resident_id: ResidentId(resident_id?),
        property_id: PropertyId(property_id?),
        unit_id: UnitId(unit_id?),
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

/// The resource a row of this kind describes.
pub fn resource_of(kind: RowKind) -> Resource {
    match kind {
        RowKind::Property => PROPERTY_RESOURCE,
        RowKind::Unit => UNIT_RESOURCE,
        RowKind::Resident => RESIDENT_RESOURCE,
    }
}

/// The names a row of this kind may carry.
pub fn fields_of(kind: RowKind) -> &'static [&'static str] {
    resource_of(kind).fields
}

/// The columns every CSV file of this kind must have (a resident's file
/// also needs a first or a last name column).
pub fn required_of(kind: RowKind) -> &'static [&'static str] {
    match kind {
        RowKind::Property => &["PropertyId", "PropertyName"],
        RowKind::Unit => &["UnitId", "PropertyId", "UnitNumber"],
        RowKind::Resident => &["ResidentId", "PropertyId", "UnitId"],
    }
}

/// Reads one row, at `position` of its source; `f` names its fields
/// with [`ImportBatch::row_name`]. A row with a problem is not kept.
pub fn add_row(batch: &mut ImportBatch, kind: RowKind, position: u64, f: Fields, zone: &TimeZone) {
    read_row(batch, kind, Some(position), f, zone);
}

/// Reads a row already refused (a problem found as it was parsed), for
/// its other problems; it is not kept.
pub fn add_refused_row(batch: &mut ImportBatch, kind: RowKind, f: Fields, zone: &TimeZone) {
    read_row(batch, kind, None, f, zone);
}

/// Reads a row for its problems, and keeps it at `position` when it has none.
fn read_row(batch: &mut ImportBatch, kind: RowKind, position: Option<u64>, mut f: Fields, zone: &TimeZone) {
    match kind {
        RowKind::Property => {
            if let (Some(p), Some(position)) = (property_from(&mut f), position) {
                batch.keep_property(position, &p);
            }
        }
        RowKind::Unit => {
            if let (Some(u), Some(position)) = (unit_from(&mut f), position) {
                batch.keep_unit(position, &u);
            }
        }
        RowKind::Resident => {
            if let (Some(r), Some(position)) = (resident_from(&mut f, zone), position) {
                batch.keep_resident(position, &r);
            }
        }
    }
    batch.problems.extend(f.take_errors().0);
}

/// A problem with a CSV file as a whole (an unknown column, text that is not
/// UTF-8, a line with the wrong number of cells): it refuses the import.
/// The text names the file and, where it can, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CsvRefused(pub String);

/// Reads one CSV file (docs/operations.md §11) row by row: a header row of field names
/// (any case), then one row per line, each named after the file and line
/// (`units.csv line 3: `) so every problem points at the line to fix.
/// `Err` is a problem with the file as a whole (an unknown column, text
/// that is not UTF-8, a line with the wrong number of cells), which
/// refuses the import. Shared by `calllog import` and the console.
pub fn add_csv(
    batch: &mut ImportBatch,
    kind: RowKind,
    source: impl std::io::Read,
    file_name: &str,
    zone: &TimeZone,
) -> Result<(), CsvRefused> {
    batch.name_rows_by_file(kind, file_name);
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
        let name = batch.row_name(kind, line);
        add_row(batch, kind, line, Fields::from_text_pairs(pairs, name), zone);
    }
    Ok(())
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

/// The field each header names (`None`: a column with a blank header,
/// ignored). Header names match ignoring case and surrounding spaces; an
/// unknown one or one given twice refuses the file.
fn csv_columns(
    kind: RowKind,
    headers: &csv::StringRecord,
    file_name: &str,
) -> Result<Vec<Option<&'static str>>, CsvRefused> {
    let known = fields_of(kind);
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        // Excel's "CSV UTF-8" starts the file with a byte order mark.
        let header = if i == 0 { header.trim_start_matches('\u{feff}') } else { header }.trim();
        if header.is_empty() {
            columns.push(None);
            continue;
        }
        let Some(field) = known.iter().copied().find(|k| k.eq_ignore_ascii_case(header)) else {
            return Err(CsvRefused(format!("{file_name}: {}", suggest::unknown_name_message("column", header, known))));
        };
        if columns.contains(&Some(field)) {
            return Err(CsvRefused(format!("{file_name}: the column {field} appears twice in the header row.")));
        }
        columns.push(Some(field));
    }
    let has = |name: &str| columns.contains(&Some(name));
    let mut missing: Vec<&str> = required_of(kind).iter().copied().filter(|c| !has(c)).collect();
    if kind == RowKind::Resident && !has("ResidentFirstName") && !has("ResidentLastName") {
        missing.push("ResidentLastName (or ResidentFirstName)");
    }
    if !missing.is_empty() {
        return Err(CsvRefused(format!(
            "{file_name}: the header row is missing {}; a {} file needs {}.",
            missing.join(", "),
            kind.list().to_lowercase(),
            match kind {
                RowKind::Resident =>
                    "ResidentId, PropertyId, UnitId and ResidentFirstName or ResidentLastName".to_string(),
                _ => required_of(kind).join(", "),
            }
        )));
    }
    Ok(columns)
}

/// A CSV problem in words a person can act on.
fn csv_problem(file_name: &str, e: &csv::Error) -> CsvRefused {
    let line = e.position().map(|p| p.line());
    let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
    CsvRefused(match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!(
            "{file_name}{at}: the file is not UTF-8 text; save the file as UTF-8 (in Excel: Save As, \"CSV UTF-8\") and import it again."
        ),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "{file_name}{at}: this line has {len} cells but the header row has {expected_len}; \
             check for a missing or extra comma (a value with a comma must be in double quotes)."
        ),
        csv::ErrorKind::Io(io) => format!("{file_name}: cannot be read: {io}"),
        _ => format!("{file_name}{at}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::directory::tests::resident;
    use crate::domain::directory::ImportCounts;
    use crate::domain::time::Stamp;
    use serde_json::json;

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
        let read = add_csv(&mut batch, RowKind::Unit, text.as_bytes(), "units.csv", &TimeZone::UTC);
        (batch, read.map_err(|refused| refused.0))
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
