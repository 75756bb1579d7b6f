//! The directory copy: properties, units, residents, and the shape rules of
//! an import (docs/api.md §6). Reference rules (a unit's property exists, …) need
//! the database: the service checks them (`service::directory`).

use crate::domain::error::{DomainError, FieldError};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::packed::{Pack, PackedRows, Packer, Unpacker};
use crate::domain::query::Named;
use crate::domain::time::Stamp;

/// `PropertyStatus=Active|Inactive|All`: which properties a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(ascii_case_insensitive)]
pub enum PropertyStatus {
    Active,
    Inactive,
    All,
}

impl Named for PropertyStatus {}

/// The order of a property's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(ascii_case_insensitive)]
pub enum UnitSort {
    #[strum(serialize = "unitdisplayorder")]
    DisplayOrder,
    #[strum(serialize = "unitnumber")]
    UnitNumber,
}

impl Named for UnitSort {}

#[derive(Debug, Clone)]
pub struct Property {
    pub property_id: PropertyId,
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

#[derive(Debug, Clone)]
pub struct Unit {
    pub unit_id: UnitId,
    pub property_id: PropertyId,
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

#[derive(Debug, Clone)]
pub struct Resident {
    pub resident_id: ResidentId,
    pub property_id: PropertyId,
    pub unit_id: UnitId,
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

/// The longest text a field of an import row may hold, in characters as
/// given (docs/api.md is silent; no name, address or phone of the outside system
/// comes near it, and it bounds what one row costs to check, keep and index).
pub const MAX_IMPORT_TEXT: usize = 1_000;

/// The three kinds of row of an import, by the name of their list in an
/// import body (`Units`), matched ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(ascii_case_insensitive)]
pub enum RowKind {
    #[strum(serialize = "Properties")]
    Property,
    #[strum(serialize = "Units")]
    Unit,
    #[strum(serialize = "Residents")]
    Resident,
}

impl RowKind {
    /// The list's name in an import body (`Units`).
    pub fn list(self) -> &'static str {
        self.into()
    }

    /// The list named `name`, ignoring case.
    pub fn of_list(name: &str) -> Option<RowKind> {
        name.parse().ok()
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

    /// Names this kind's rows after the CSV file they come from
    /// (`units.csv line 4: `) rather than as list entries.
    pub fn name_rows_by_file(&mut self, kind: RowKind, file_name: &str) {
        self.sources[kind.slot()] = RowSource::Csv(file_name.to_string());
    }

    /// Keeps a row read without problems at `position` of its source.
    pub fn keep_property(&mut self, position: u64, property: &Property) {
        self.properties.push(position, property);
    }

    pub fn keep_unit(&mut self, position: u64, unit: &Unit) {
        self.units.push(position, unit);
    }

    pub fn keep_resident(&mut self, position: u64, resident: &Resident) {
        self.residents.push(position, resident);
    }

    /// Gives back what the row buffers reserved while growing (up to half of
    /// what they hold), before the batch waits to be checked and written.
    pub fn shrink_to_fit(&mut self) {
        self.properties.shrink_to_fit();
        self.units.shrink_to_fit();
        self.residents.shrink_to_fit();
    }
}

impl Pack for Property {
    fn pack(&self, out: &mut Packer<'_>) {
        out.int(self.property_id.0);
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
            property_id: PropertyId(input.int()?),
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
        out.int(self.unit_id.0);
        out.int(self.property_id.0);
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
            unit_id: UnitId(input.int()?),
            property_id: PropertyId(input.int()?),
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
        out.int(self.resident_id.0);
        out.int(self.property_id.0);
        out.int(self.unit_id.0);
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
            resident_id: ResidentId(input.int()?),
            property_id: PropertyId(input.int()?),
            unit_id: UnitId(input.int()?),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A resident of unit 1 of property 1 with only these names (tests of
    /// the domain and of the wire format build theirs from it).
    pub(crate) fn resident(first: Option<&str>, middle: Option<&str>, last: Option<&str>) -> Resident {
        Resident {
            resident_id: ResidentId(1),
            property_id: PropertyId(1),
            unit_id: UnitId(1),
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
}
