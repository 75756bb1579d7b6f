//! Reading request fields the way API.md §1 asks: property names match
//! case-insensitively, unknown ones are ignored, `null` counts as absent, and
//! every problem is collected (not just the first) so `Errors` can list them.
//!
//! The same reader serves JSON bodies (typed values) and text sources
//! (form bodies, CSV rows), where every value arrives as a string.

use crate::domain::error::{DomainError, FieldError};
use crate::domain::time::{parse_date, Stamp};
use jiff::tz::TimeZone;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub struct Fields {
    /// Prepended to field names in errors, e.g. `Units[3].`.
    prefix: String,
    /// Lower-cased name → value.
    values: HashMap<String, Value>,
    /// Values came as text (form, CSV): numbers and booleans are parsed from strings.
    textual: bool,
    errors: Vec<FieldError>,
    any_missing: bool,
}

impl Fields {
    pub fn from_object(object: Map<String, Value>, prefix: impl Into<String>) -> Fields {
        let values = object.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        Fields { prefix: prefix.into(), values, textual: false, errors: Vec::new(), any_missing: false }
    }

    /// A JSON document that must be an object.
    pub fn from_json(value: Value) -> Result<Fields, DomainError> {
        match value {
            Value::Object(object) => Ok(Fields::from_object(object, "")),
            _ => Err(DomainError::invalid("The request body must be a JSON object.")),
        }
    }

    /// Name/value text pairs (form body, CSV row). A name seen twice, or
    /// written `Name[0]`, `Name[1]`, becomes a list. Empty text is absent for
    /// numbers, booleans, dates and lists, but an empty string for text (so
    /// a form's `Notes=` clears the notes, as `""` does in JSON).
    pub fn from_text_pairs(pairs: Vec<(String, String)>, prefix: impl Into<String>) -> Fields {
        let mut values: HashMap<String, Value> = HashMap::new();
        let mut lists: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (name, value) in pairs {
            let name = name.trim().to_lowercase();
            if let Some((base, index)) = split_index(&name) {
                lists.entry(base.to_string()).or_default().push((index, value));
                continue;
            }
            match values.remove(&name) {
                None => {
                    values.insert(name, Value::String(value));
                }
                Some(Value::Array(mut items)) => {
                    items.push(Value::String(value));
                    values.insert(name, Value::Array(items));
                }
                Some(first) => {
                    values.insert(name, Value::Array(vec![first, Value::String(value)]));
                }
            }
        }
        for (name, mut items) in lists {
            items.sort_by_key(|(i, _)| *i);
            values.insert(name, Value::Array(items.into_iter().map(|(_, v)| Value::String(v)).collect()));
        }
        Fields { prefix: prefix.into(), values, textual: true, errors: Vec::new(), any_missing: false }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{}", self.prefix, field)
    }

    /// Records a problem with `field`.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        let name = self.name(field);
        self.errors.push(FieldError::new(name, message));
    }

    /// Records that a required `field` is missing.
    pub fn missing(&mut self, field: &str) {
        self.any_missing = true;
        self.error(field, "is required");
    }

    /// Whether a problem was already recorded for `field`.
    pub fn has_error(&self, field: &str) -> bool {
        let name = self.name(field);
        self.errors.iter().any(|e| e.field == name)
    }

    pub fn has(&self, field: &str) -> bool {
        self.values.get(&field.to_lowercase()).is_some_and(|v| !self.is_blank_text(v))
    }

    fn is_blank_text(&self, value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::String(s) => self.textual && s.trim().is_empty(),
            _ => false,
        }
    }

    /// A value as given; `null` is absent.
    fn take(&mut self, field: &str) -> Option<Value> {
        match self.values.remove(&field.to_lowercase()) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A value for a typed read: from text sources, blank text is absent too.
    fn take_typed(&mut self, field: &str) -> Option<Value> {
        let value = self.take(field)?;
        (!self.is_blank_text(&value)).then_some(value)
    }

    pub fn string(&mut self, field: &str) -> Option<String> {
        match self.take(field)? {
            Value::String(s) => Some(s),
            _ => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    /// Free text that an outside system may also send as a number (a zip
    /// code, a floor): numbers are taken as their decimal text.
    pub fn text(&mut self, field: &str) -> Option<String> {
        match self.take(field)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    /// A string that must be present and not blank; returned trimmed.
    pub fn required_string(&mut self, field: &str) -> Option<String> {
        match self.string(field) {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(_) => {
                self.any_missing = true;
                self.error(field, "must not be blank");
                None
            }
            None => {
                if !self.errors.iter().any(|e| e.field == self.name(field)) {
                    self.missing(field);
                }
                None
            }
        }
    }

    pub fn i64(&mut self, field: &str) -> Option<i64> {
        let value = self.take_typed(field)?;
        let parsed = match &value {
            Value::Number(n) => integral(n),
            Value::String(s) if self.textual => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "must be an integer");
        }
        parsed
    }

    /// A positive id (API.md §1: ids are positive 64-bit integers).
    pub fn id(&mut self, field: &str) -> Option<i64> {
        let id = self.i64(field)?;
        if id <= 0 {
            self.error(field, "must be a positive id");
            return None;
        }
        Some(id)
    }

    pub fn required_id(&mut self, field: &str) -> Option<i64> {
        if !self.has(field) {
            self.missing(field);
            return None;
        }
        self.id(field)
    }

    pub fn f64(&mut self, field: &str) -> Option<f64> {
        let value = self.take_typed(field)?;
        let parsed = match &value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if self.textual => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "must be a number");
        }
        parsed
    }

    pub fn bool(&mut self, field: &str) -> Option<bool> {
        let value = self.take_typed(field)?;
        let parsed = match &value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if self.textual => parse_bool_text(s),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "must be true or false");
        }
        parsed
    }

    pub fn date(&mut self, field: &str, zone: &TimeZone) -> Option<Stamp> {
        let value = self.take_typed(field)?;
        let parsed = match &value {
            Value::String(s) => parse_date(s, zone),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "must be a date such as 2026-01-31T14:30:00Z or 2026-01-31");
        }
        parsed
    }

    /// A list of ids; a single text value may also hold them comma-separated.
    pub fn id_list(&mut self, field: &str) -> Option<Vec<i64>> {
        let value = self.take_typed(field)?;
        let items = match value {
            Value::Array(items) => items,
            Value::String(s) if self.textual => s.split(',').map(|p| Value::String(p.trim().to_string())).collect(),
            _ => {
                self.error(field, "must be a list of ids");
                return None;
            }
        };
        let mut ids = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let id = match item {
                Value::Number(n) => integral(n),
                Value::String(s) if self.textual => s.trim().parse().ok(),
                _ => None,
            };
            match id {
                Some(id) if id > 0 => ids.push(id),
                _ => {
                    self.error(&format!("{field}[{i}]"), "must be a positive id");
                    return None;
                }
            }
        }
        Some(ids)
    }

    /// A list of objects, each read with its own prefix (`Units[3].`).
    pub fn objects(&mut self, field: &str) -> Option<Vec<Fields>> {
        let value = self.take(field)?;
        let Value::Array(items) = value else {
            self.error(field, "must be a list of objects");
            return None;
        };
        let mut rows = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let prefix = format!("{}{}[{}].", self.prefix, field, i);
            match item {
                Value::Object(object) => rows.push(Fields::from_object(object, prefix)),
                _ => {
                    self.error(&format!("{field}[{i}]"), "must be an object");
                    return None;
                }
            }
        }
        Some(rows)
    }

    /// Checks a string's length in characters (after the caller's trimming).
    pub fn check_length(&mut self, field: &str, value: &str, max: usize) -> bool {
        if value.chars().count() > max {
            self.error(field, format!("must be at most {max} characters"));
            return false;
        }
        true
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn take_errors(&mut self) -> (Vec<FieldError>, bool) {
        (std::mem::take(&mut self.errors), std::mem::replace(&mut self.any_missing, false))
    }

    /// Ends the reading: every recorded problem as one 109/114 error.
    pub fn finish(mut self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let (errors, missing) = self.take_errors();
        Err(DomainError::from_field_errors(errors, missing))
    }
}

/// A JSON number with no fractional part, as an i64: JSON has one number
/// type, so `5.0` is the integer 5 (as JSON Schema's `integer` says). Only
/// below 2^53, where a float is exact: a larger one may be an integer
/// literal past the i64 range that the parser rounded (-9223372036854775809).
fn integral(n: &serde_json::Number) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < EXACT).map(|f| f as i64))
}

fn split_index(name: &str) -> Option<(&str, usize)> {
    let open = name.rfind('[')?;
    let index = name[open + 1..].strip_suffix(']')?;
    let index = if index.is_empty() { usize::MAX } else { index.parse().ok()? };
    Some((&name[..open], index))
}

pub fn parse_bool_text(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_match_ignoring_case_and_null_is_absent() {
        let mut f = Fields::from_json(json!({"NOTES": "x", "subject": null, "Other": 1})).unwrap();
        assert_eq!(f.string("Notes").as_deref(), Some("x"));
        assert_eq!(f.string("Subject"), None);
        assert!(f.finish().is_ok());
    }

    #[test]
    fn wrong_types_are_named() {
        let mut f = Fields::from_json(json!({"PropertyId": "7", "Active": 1})).unwrap();
        assert_eq!(f.id("PropertyId"), None);
        assert_eq!(f.bool("Active"), None);
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
        assert_eq!(e.errors.len(), 2);
        assert_eq!(e.errors[0].field, "PropertyId");
    }

    #[test]
    fn a_number_without_fraction_is_an_integer() {
        let mut f = Fields::from_json(json!({"A": 5.0, "B": 5.5, "C": [2.0, 3], "D": 1e300})).unwrap();
        assert_eq!(f.i64("A"), Some(5));
        assert_eq!(f.i64("B"), None);
        assert_eq!(f.id_list("C"), Some(vec![2, 3]));
        assert_eq!(f.i64("D"), None);
        assert_eq!(f.finish().unwrap_err().errors.len(), 2);
        let past_i64: Value = serde_json::from_str(r#"{"E": -9223372036854775809}"#).unwrap();
        let mut g = Fields::from_json(past_i64).unwrap();
        assert_eq!(g.i64("E"), None, "an integer literal past i64 is refused, not rounded");
    }

    #[test]
    fn missing_required_is_109() {
        let mut f = Fields::from_json(json!({"Subject": "   "})).unwrap();
        assert_eq!(f.required_string("Subject"), None);
        assert_eq!(f.required_id("PropertyId"), None);
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::MissingRequired);
        assert_eq!(e.errors.len(), 2);
    }

    #[test]
    fn text_pairs_make_lists_in_both_spellings() {
        let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let mut f =
            Fields::from_text_pairs(pairs(&[("LogReasons[1]", "2"), ("LogReasons[0]", "1"), ("notes", "n")]), "");
        assert_eq!(f.id_list("LogReasons"), Some(vec![1, 2]));
        assert_eq!(f.string("Notes").as_deref(), Some("n"));
        let mut g =
            Fields::from_text_pairs(pairs(&[("LogReasons", "3"), ("LogReasons", "4"), ("ModuleStatusId", "2")]), "");
        assert_eq!(g.id_list("logreasons"), Some(vec![3, 4]));
        assert_eq!(g.id("ModuleStatusId"), Some(2));
    }

    #[test]
    fn blank_text_clears_strings_but_is_absent_for_numbers() {
        let pairs = vec![("Notes".to_string(), String::new()), ("ModuleStatusId".to_string(), " ".to_string())];
        let mut f = Fields::from_text_pairs(pairs, "");
        assert_eq!(f.string("Notes").as_deref(), Some(""));
        assert!(!f.has("ModuleStatusId"));
        assert_eq!(f.id("ModuleStatusId"), None);
        assert!(f.finish().is_ok());
    }

    #[test]
    fn nested_rows_carry_their_prefix() {
        let mut f = Fields::from_json(json!({"Units": [{"UnitId": 1}, {"UnitId": "x"}]})).unwrap();
        let mut rows = f.objects("Units").unwrap();
        assert_eq!(rows[1].id("UnitId"), None);
        let e = rows.pop().unwrap().finish().unwrap_err();
        assert_eq!(e.errors[0].field, "Units[1].UnitId");
    }
}
