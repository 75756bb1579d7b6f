//! The lookup (docs/console.md §2, docs/api.md §9): one box that finds whoever is on
//! the phone — residents by name or phone digits, units by number,
//! properties by name, call logs by number.

use crate::domain::directory::{Property, Resident, Unit};
use crate::domain::error::DomainError;
use crate::domain::ids::{LogId, PropertyId, ResidentId, UnitId};

/// At most this many answers, residents first.
pub const MAX_LOOKUP_HITS: usize = 20;
/// Longer text is no name, number or phone anyone types into the box.
pub const MAX_LOOKUP_CHARS: usize = 100;
/// A run of this many digits may be part of a phone number.
const MIN_PHONE_DIGITS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupKind {
    Resident,
    Unit,
    Property,
    CallLog,
}

/// One answer of the lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupHit {
    pub kind: LookupKind,
    /// The id of what `kind` names (a resident's, a unit's, …), as the answer writes it.
    pub id: i64,
    pub label: String,
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
}

/// What the text in the box asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupQuery {
    /// A number (`7`, `#7`): that log id, and unit numbers starting with it.
    pub number: Option<(LogId, String)>,
    /// Words with letters, to match names (resident, unit, property) by
    /// prefix; every word must match.
    pub words: Vec<String>,
    /// Runs of 4+ digits that a resident's phone must contain.
    pub phone_digits: Vec<String>,
}

impl LookupQuery {
    /// Reads `q` as sent; its length counts the blanks around it too.
    pub fn parse(q: &str) -> Result<LookupQuery, DomainError> {
        if q.chars().count() > MAX_LOOKUP_CHARS {
            return Err(DomainError::invalid_field("q", &format!("must be at most {MAX_LOOKUP_CHARS} characters")));
        }
        if q.chars().any(char::is_control) {
            return Err(DomainError::invalid_field("q", "must not contain control characters"));
        }
        let q = q.trim();
        let digits_only = q.strip_prefix('#').unwrap_or(q);
        if !digits_only.is_empty() && digits_only.bytes().all(|b| b.is_ascii_digit()) {
            let phone_digits =
                if digits_only.len() >= MIN_PHONE_DIGITS { vec![digits_only.to_string()] } else { Vec::new() };
            let log_id = digits_only.parse::<i64>().ok().filter(|id| *id > 0);
            return Ok(LookupQuery {
                number: log_id.map(|id| (LogId(id), digits_only.to_string())),
                words: Vec::new(),
                phone_digits,
            });
        }
        if q.chars().count() < 2 {
            return Err(DomainError::invalid_field("q", "must be a number or at least 2 characters"));
        }
        // A phone typed with its separators ("555-0101", "(555) 010 1010") is one run of digits.
        let phone_like = q.chars().all(|c| c.is_ascii_digit() || " -().+/".contains(c));
        let phone_digits: Vec<String> = if phone_like {
            let digits: String = q.chars().filter(char::is_ascii_digit).collect();
            vec![digits].into_iter().filter(|d| d.len() >= MIN_PHONE_DIGITS).collect()
        } else {
            q.split(|c: char| !c.is_ascii_digit())
                .filter(|run| run.len() >= MIN_PHONE_DIGITS)
                .map(String::from)
                .collect()
        };
        // Digits are for phones; names are matched by the words with letters.
        let words = if phone_like {
            Vec::new()
        } else {
            crate::domain::calllogs::search_words(q)
                .into_iter()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .collect()
        };
        Ok(LookupQuery { number: None, words, phone_digits })
    }
}

/// A resident with where they live, for a label.
#[derive(Debug, Clone)]
pub struct ResidentPlace {
    pub resident: Resident,
    pub unit_number: String,
    pub property_name: String,
}

/// Residents found by the lookup, in the order it lists them: by last name,
/// then first name, ignoring case, then by id.
pub fn sort_by_name(places: &mut [ResidentPlace]) {
    places.sort_by_cached_key(|p| {
        let r = &p.resident;
        let lower = |s: &Option<String>| s.as_deref().unwrap_or("").to_lowercase();
        (lower(&r.resident_last_name), lower(&r.resident_first_name), r.resident_id)
    });
}

/// Units found by the lookup, in the order it lists them: by property, then
/// display order (units without one last), unit number, id.
pub fn sort_units(places: &mut [UnitPlace]) {
    places.sort_by(|a, b| {
        let key = |p: &UnitPlace| (p.unit.property_id, p.unit.display_order.is_none(), p.unit.display_order);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.unit.unit_number.cmp(&b.unit.unit_number))
            .then(a.unit.unit_id.cmp(&b.unit.unit_id))
    });
}

/// A unit with its property's name, for a label.
#[derive(Debug, Clone)]
pub struct UnitPlace {
    pub unit: Unit,
    pub property_name: String,
}

/// What a lookup shows of a call log.
#[derive(Debug, Clone)]
pub struct CallLogBrief {
    pub log_id: LogId,
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub subject: String,
    pub call_from: String,
}

impl From<ResidentPlace> for LookupHit {
    fn from(p: ResidentPlace) -> LookupHit {
        LookupHit {
            kind: LookupKind::Resident,
            id: p.resident.resident_id.0,
            label: format!("{} — Unit {}, {}", p.resident.full_name(), p.unit_number, p.property_name),
            property_id: p.resident.property_id,
            unit_id: Some(p.resident.unit_id),
            resident_id: Some(p.resident.resident_id),
        }
    }
}

impl From<UnitPlace> for LookupHit {
    fn from(p: UnitPlace) -> LookupHit {
        LookupHit {
            kind: LookupKind::Unit,
            id: p.unit.unit_id.0,
            label: format!("Unit {} — {}", p.unit.unit_number, p.property_name),
            property_id: p.unit.property_id,
            unit_id: Some(p.unit.unit_id),
            resident_id: None,
        }
    }
}

impl From<Property> for LookupHit {
    fn from(p: Property) -> LookupHit {
        LookupHit {
            kind: LookupKind::Property,
            id: p.property_id.0,
            label: p.property_name,
            property_id: p.property_id,
            unit_id: None,
            resident_id: None,
        }
    }
}

impl From<CallLogBrief> for LookupHit {
    fn from(l: CallLogBrief) -> LookupHit {
        LookupHit {
            kind: LookupKind::CallLog,
            id: l.log_id.0,
            label: format!("#{} {} — {}", l.log_id, l.subject, l.call_from),
            property_id: l.property_id,
            unit_id: l.unit_id,
            resident_id: l.resident_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::ErrorKind;

    #[test]
    fn a_number_is_a_log_and_a_unit_number_and_four_digits_a_phone() {
        let q = LookupQuery::parse("#7").unwrap();
        assert_eq!(q.number, Some((LogId(7), "7".to_string())));
        assert!(q.words.is_empty() && q.phone_digits.is_empty());
        let q = LookupQuery::parse("0101").unwrap();
        assert_eq!(q.number, Some((LogId(101), "0101".to_string())));
        assert_eq!(q.phone_digits, ["0101"]);
    }

    #[test]
    fn a_phone_with_separators_is_one_run_of_digits() {
        let q = LookupQuery::parse("(555) 010-1010").unwrap();
        assert_eq!(q.phone_digits, ["5550101010"]);
        assert!(q.words.is_empty() && q.number.is_none());
        let q = LookupQuery::parse("Cole 0101").unwrap();
        assert_eq!((q.words, q.phone_digits), (vec!["Cole".to_string()], vec!["0101".to_string()]));
    }

    #[test]
    fn short_long_or_control_text_is_refused() {
        for bad in ["a", "é", &"x".repeat(101), &format!("0{}", " ".repeat(100)), "ab\u{0}c", "  "] {
            assert_eq!(LookupQuery::parse(bad).unwrap_err().kind, ErrorKind::InvalidValue, "{bad:?}");
        }
        assert_eq!(LookupQuery::parse("an").unwrap().words, ["an"]);
    }
}
