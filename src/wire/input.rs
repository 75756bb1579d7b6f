//! Reading request fields the way docs/api.md §1 asks: property names match
//! case-insensitively, `null` counts as absent, and every problem is
//! collected (not just the first) so `Errors` can list them.
//!
//! What a body may carry besides the fields a route reads: the fields of
//! its resource as this API writes it (a client may send back what it read)
//! are ignored; in an API body (`refusing_unknown`), any other name is
//! refused with the nearest known name as a hint, so a typo never loses
//! text. The same property twice (names differing only in case) is refused
//! everywhere.
//!
//! The same reader serves JSON bodies (typed values) and text sources
//! (form bodies, CSV rows), where every value arrives as a string.

use crate::domain::error::{DomainError, FieldError};
use crate::domain::time::{parse_date, Stamp};
use jiff::tz::TimeZone;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::RangeInclusive;

/// A resource's field names as this API writes them (its answer model).
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

/// Unknown names beyond this many are still refused, but get no hint (a
/// hint costs an edit distance against every known name).
const MAX_HINTED_NAMES: usize = 20;
/// Names longer than this are shown cut short and get no hint.
const MAX_SHOWN_NAME: usize = 64;

struct Entry {
    /// The name as the client wrote it.
    given: String,
    value: Value,
    /// Where it came in the object, for a stable order of errors.
    position: usize,
}

/// One step from a body's root to a nested value: a property (lower-cased) or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A property given more than once in one object (at `path`), as spelt each time.
#[derive(Debug, Clone)]
struct Repeat {
    path: Vec<Step>,
    spellings: Vec<String>,
}

pub struct Fields {
    /// Prepended to field names in errors, e.g. `Units[3].`.
    prefix: String,
    /// Lower-cased name → value.
    values: HashMap<String, Entry>,
    /// Values came as text (form, CSV): numbers and booleans are parsed from strings.
    textual: bool,
    errors: Vec<FieldError>,
    any_missing: bool,
    /// The names the reader asked for, as it spells them.
    read: Vec<String>,
    /// The resource whose fields the body may carry (ignored when not read).
    resource: Option<Resource>,
    /// Refuse a name that is neither read nor a field of the resource.
    strict: bool,
    /// Repeated properties found while parsing: of this object (empty path)
    /// and of the objects nested in it, handed down by `objects`.
    repeats: Vec<Repeat>,
}

/// A JSON body as parsed, with every property that one of its objects
/// carries twice (`serde_json` alone keeps the last silently).
#[derive(Debug)]
pub struct ParsedJson {
    value: Value,
    repeats: Vec<Repeat>,
}

/// Parses a JSON document, noting repeated properties (compared ignoring case).
/// docs/api.md §1: a NUL character (U+0000) in text is kept as U+FFFD, on
/// both engines alike: PostgreSQL cannot store a NUL in text, and a text
/// must read the same whichever engine holds it.
pub fn nul_replaced(text: &str) -> Option<String> {
    text.contains('\0').then(|| text.replace('\0', "\u{FFFD}"))
}

/// A password field (`Password`, `NewPassword`, `CurrentPassword`): only
/// its hash is ever stored, so it keeps its NULs, and the password rules see
/// exactly what was typed.
pub fn is_secret(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("password")
}

/// Every string in `value` (in lists and objects too), NULs replaced.
fn without_nul(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(kept) = nul_replaced(s) {
                *s = kept;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_nul),
        Value::Object(map) => map.values_mut().for_each(without_nul),
        _ => {}
    }
}

pub fn parse_json(bytes: &[u8]) -> Result<ParsedJson, serde_json::Error> {
    let state = RefCell::new(ParseState::default());
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = ValueSeed(&state).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(ParsedJson { value, repeats: state.into_inner().repeats })
}

#[derive(Default)]
struct ParseState {
    path: Vec<Step>,
    repeats: Vec<Repeat>,
}

/// Builds a `serde_json::Value` like `serde_json` does, keeping the first
/// of a repeated property and recording the repeat with its path.
struct ValueSeed<'a>(&'a RefCell<ParseState>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        ValueSeed(self.0).deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.0.borrow_mut().path.push(Step::Index(items.len()));
            let next = seq.next_element_seed(ValueSeed(self.0));
            self.0.borrow_mut().path.pop();
            match next? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        // Lower-cased name → its spellings, in order.
        let mut spellings: HashMap<String, Vec<String>> = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let lower = key.to_lowercase();
            self.0.borrow_mut().path.push(Step::Key(lower.clone()));
            let value = map.next_value_seed(ValueSeed(self.0));
            self.0.borrow_mut().path.pop();
            let value = value?;
            let seen = spellings.entry(lower).or_default();
            if seen.is_empty() {
                object.insert(key.clone(), value);
            }
            seen.push(key);
        }
        let mut repeated: Vec<Vec<String>> = spellings.into_values().filter(|s| s.len() > 1).collect();
        if !repeated.is_empty() {
            repeated.sort();
            let mut state = self.0.borrow_mut();
            let path = state.path.clone();
            state.repeats.extend(repeated.into_iter().map(|spellings| Repeat { path: path.clone(), spellings }));
        }
        Ok(Value::Object(object))
    }
}

impl Fields {
    fn new(prefix: String, mut values: HashMap<String, Entry>, textual: bool, repeats: Vec<Repeat>) -> Fields {
        values.iter_mut().filter(|(name, _)| !is_secret(name)).for_each(|(_, entry)| without_nul(&mut entry.value));
        Fields {
            prefix,
            values,
            textual,
            errors: Vec::new(),
            any_missing: false,
            read: Vec::new(),
            resource: None,
            strict: false,
            repeats,
        }
    }

    pub fn from_object(object: Map<String, Value>, prefix: impl Into<String>) -> Fields {
        let values = object
            .into_iter()
            .enumerate()
            .map(|(position, (given, value))| (given.to_lowercase(), Entry { given, value, position }))
            .collect();
        Fields::new(prefix.into(), values, false, Vec::new())
    }

    /// A JSON document that must be an object.
    pub fn from_json(value: Value) -> Result<Fields, DomainError> {
        Fields::from_parsed(ParsedJson { value, repeats: Vec::new() })
    }

    /// A parsed JSON body that must be an object; its repeated properties are refused.
    pub fn from_parsed(parsed: ParsedJson) -> Result<Fields, DomainError> {
        match parsed.value {
            Value::Object(object) => {
                let mut fields = Fields::from_object(object, "");
                fields.repeats = parsed.repeats;
                Ok(fields)
            }
            _ => Err(DomainError::invalid("The request body must be a JSON object.")),
        }
    }

    /// Refuse names that are no field of the resource (API bodies). The
    /// console's own forms carry more (a form token, buttons), so they do not.
    pub fn refusing_unknown(mut self) -> Fields {
        self.strict = true;
        self
    }

    /// The resource this body describes: its fields are accepted, and
    /// ignored when the reader does not take them.
    pub fn expect(&mut self, resource: Resource) {
        self.resource = Some(resource);
    }

    /// Name/value text pairs (form body, CSV row). A name seen twice, or
    /// written `Name[0]`, `Name[1]`, becomes a list; the same name spelt in
    /// another case is a repeat, refused. Empty text is absent for
    /// numbers, booleans, dates and lists, but an empty string for text (so
    /// a form's `Notes=` clears the notes, as `""` does in JSON).
    pub fn from_text_pairs(pairs: Vec<(String, String)>, prefix: impl Into<String>) -> Fields {
        let mut values: HashMap<String, Entry> = HashMap::new();
        let mut lists: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        // Lower-cased name → how it was first spelt.
        let mut spelt: HashMap<String, (String, usize)> = HashMap::new();
        let mut repeats: Vec<Repeat> = Vec::new();
        for (position, (given, value)) in pairs.into_iter().enumerate() {
            let given = given.trim().to_string();
            let name = given.to_lowercase();
            let (base, index) = match split_index(&name) {
                Some((base, index)) => (base.to_string(), Some(index)),
                None => (name.clone(), None),
            };
            let given_base = match (index, given.rfind('[')) {
                (Some(_), Some(open)) => given[..open].to_string(),
                _ => given.clone(),
            };
            match spelt.get(&base) {
                Some((first, _)) if *first != given_base => {
                    match repeats.iter_mut().find(|r| r.spellings[0] == *first) {
                        Some(repeat) if !repeat.spellings.contains(&given_base) => repeat.spellings.push(given_base),
                        Some(_) => {}
                        None => repeats.push(Repeat { path: Vec::new(), spellings: vec![first.clone(), given_base] }),
                    }
                    continue;
                }
                Some(_) => {}
                None => {
                    spelt.insert(base.clone(), (given_base, position));
                }
            }
            if let Some(index) = index {
                lists.entry(base).or_default().push((index, value));
                continue;
            }
            match values.remove(&name) {
                None => {
                    values.insert(name, Entry { given, value: Value::String(value), position });
                }
                Some(Entry { given, value: Value::Array(mut items), position }) => {
                    items.push(Value::String(value));
                    values.insert(name, Entry { given, value: Value::Array(items), position });
                }
                Some(Entry { given, value: first, position }) => {
                    values.insert(
                        name,
                        Entry { given, value: Value::Array(vec![first, Value::String(value)]), position },
                    );
                }
            }
        }
        for (name, mut items) in lists {
            items.sort_by_key(|(i, _)| *i);
            let (given, position) = spelt.remove(&name).unwrap_or_else(|| (name.clone(), 0));
            let value = Value::Array(items.into_iter().map(|(_, v)| Value::String(v)).collect());
            values.insert(name, Entry { given, value, position });
        }
        Fields::new(prefix.into(), values, true, repeats)
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

    /// The length in characters of `field`'s value as given, when it is a string.
    pub fn given_chars(&self, field: &str) -> Option<usize> {
        with_lower_case(field, |key| self.values.get(key)).and_then(|e| e.value.as_str()).map(|s| s.chars().count())
    }

    /// Whether a problem was already recorded for `field`.
    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field.strip_prefix(self.prefix.as_str()) == Some(field))
    }

    pub fn has(&mut self, field: &str) -> bool {
        self.note(field);
        !self.values.is_empty()
            && with_lower_case(field, |key| self.values.get(key)).is_some_and(|e| !self.is_blank_text(&e.value))
    }

    /// Remembers that the reader takes `field` (so it is known, and a hint).
    /// Only the refusal of unknown or repeated names asks: without either
    /// (an import row, whose reader refused those as it parsed), nothing is
    /// noted, which spares a row of an import an allocation per field.
    fn note(&mut self, field: &str) {
        if !self.strict && self.repeats.is_empty() {
            return;
        }
        if !self.read.iter().any(|n| n.eq_ignore_ascii_case(field)) {
            self.read.push(field.to_string());
        }
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
        self.note(field);
        if self.values.is_empty() {
            return None;
        }
        match with_lower_case(field, |key| self.values.remove(key)).map(|e| e.value) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A value for a typed read: from text sources, blank text is absent too.
    fn take_typed(&mut self, field: &str) -> Option<Value> {
        let value = self.take(field)?;
        (!self.is_blank_text(&value)).then_some(value)
    }

    /// A string that may be sent as `null` to clear it: `None` when absent,
    /// `Some(None)` for `null`.
    pub fn clearable_string(&mut self, field: &str) -> Option<Option<String>> {
        self.note(field);
        if self.values.is_empty() {
            return None;
        }
        match with_lower_case(field, |key| self.values.remove(key)).map(|e| e.value)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            _ => {
                self.error(field, "must be a string or null");
                None
            }
        }
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
                if !self.has_error(field) {
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

    /// An integer within `bounds` (docs/api.md §1: every integer a client sends
    /// is bounded, so that none can make a later request fail).
    pub fn i64_within(&mut self, field: &str, bounds: RangeInclusive<i64>) -> Option<i64> {
        let value = self.i64(field)?;
        if !bounds.contains(&value) {
            self.error(field, format!("must be between {} and {}", bounds.start(), bounds.end()));
            return None;
        }
        Some(value)
    }

    /// A positive id (docs/api.md §1: ids are positive 64-bit integers).
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

    /// A list of objects, each read with its own prefix (`Units[3].`), each
    /// refusing unknown names when this body does, and each told of its own
    /// repeated properties.
    pub fn objects(&mut self, field: &str) -> Option<Vec<Fields>> {
        let value = self.take(field)?;
        let Value::Array(items) = value else {
            self.error(field, "must be a list of objects");
            return None;
        };
        let key = Step::Key(field.to_lowercase());
        let mut nested: HashMap<usize, Vec<Repeat>> = HashMap::new();
        self.repeats.retain(|repeat| match repeat.path.as_slice() {
            [first, Step::Index(i), ..] if *first == key => {
                let path = repeat.path[2..].to_vec();
                nested.entry(*i).or_default().push(Repeat { path, spellings: repeat.spellings.clone() });
                false
            }
            _ => true,
        });
        let mut rows = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let prefix = format!("{}{}[{}].", self.prefix, field, i);
            match item {
                Value::Object(object) => {
                    let mut row = Fields::from_object(object, prefix);
                    row.strict = self.strict;
                    row.repeats = nested.remove(&i).unwrap_or_default();
                    rows.push(row);
                }
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

    /// The errors found so far, and whether a required field is missing;
    /// this ends the reading, so unknown and repeated names are among them.
    pub fn take_errors(&mut self) -> (Vec<FieldError>, bool) {
        self.refuse_unknown_and_repeated();
        (std::mem::take(&mut self.errors), std::mem::replace(&mut self.any_missing, false))
    }

    /// Ends the reading: every recorded problem as one 109/114 error.
    pub fn finish(mut self) -> Result<(), DomainError> {
        let (errors, missing) = self.take_errors();
        if errors.is_empty() {
            return Ok(());
        }
        Err(DomainError::from_field_errors(errors, missing))
    }

    /// Whether the body may carry `lower` (a lower-cased name).
    fn is_known(&self, lower: &str) -> bool {
        self.read.iter().any(|n| n.eq_ignore_ascii_case(lower))
            || self.resource.is_some_and(|r| r.fields.iter().any(|n| n.eq_ignore_ascii_case(lower)))
    }

    /// A known name as this API spells it.
    fn canonical(&self, lower: &str) -> Option<String> {
        let resource_fields = self.resource.map(|r| r.fields).unwrap_or_default();
        self.read
            .iter()
            .map(String::as_str)
            .chain(resource_fields.iter().copied())
            .find(|n| n.eq_ignore_ascii_case(lower))
            .map(str::to_string)
    }

    /// The known name nearest to `given`, when it is close (see
    /// `suggest::nearest`). Names the route takes come before those it
    /// ignores, so they win a tie.
    fn nearest(&self, given: &str) -> Option<String> {
        if given.chars().count() > MAX_SHOWN_NAME {
            return None;
        }
        let resource_fields = self.resource.map(|r| r.fields).unwrap_or_default();
        let mut known: Vec<&str> = Vec::new();
        for name in self.read.iter().map(String::as_str).chain(resource_fields.iter().copied()) {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                known.push(name);
            }
        }
        crate::domain::suggest::nearest(given, &known).map(str::to_string)
    }

    /// docs/api.md §1: a repeated property is refused; so is, in an API body, a
    /// name that is no field of the resource (with the nearest known name
    /// as a hint). Either makes the answer 114, listed first: a misspelt
    /// name is often why a required field looks missing.
    fn refuse_unknown_and_repeated(&mut self) {
        let mut refused = Vec::new();
        for repeat in std::mem::take(&mut self.repeats).into_iter().filter(|r| r.path.is_empty()) {
            let first = &repeat.spellings[0];
            let name = self.canonical(&first.to_lowercase()).unwrap_or_else(|| shown(first));
            let spellings: Vec<String> = repeat.spellings.iter().map(|s| format!("\"{}\"", shown(s))).collect();
            refused.push(FieldError::new(
                self.name(&name),
                format!(
                    "is given {} times ({}); names match ignoring case, so send it once",
                    spellings.len(),
                    spellings.join(", ")
                ),
            ));
        }
        if self.strict {
            let mut unknown: Vec<(usize, String)> = self
                .values
                .iter()
                .filter(|(lower, _)| !self.is_known(lower))
                .map(|(_, entry)| (entry.position, entry.given.clone()))
                .collect();
            unknown.sort();
            let what = match self.resource {
                Some(resource) => format!("is not a field of {}", resource.name),
                None => "is not a field of this request".to_string(),
            };
            for (i, (_, given)) in unknown.iter().enumerate() {
                let hint = if i < MAX_HINTED_NAMES { self.nearest(given) } else { None };
                let message = match hint {
                    Some(name) => format!("{what} (did you mean {name}?)"),
                    None => what.clone(),
                };
                refused.push(FieldError::new(self.name(&shown(given)), message));
                self.values.remove(&given.to_lowercase());
            }
        }
        if !refused.is_empty() {
            self.any_missing = false;
            refused.append(&mut self.errors);
            self.errors = refused;
        }
    }
}

/// Runs `work` on `name` in lower case; a short ASCII name (every field's)
/// is lowered on the stack, without an allocation.
fn with_lower_case<T>(name: &str, work: impl FnOnce(&str) -> T) -> T {
    let mut buffer = [0u8; 32];
    match buffer.get_mut(..name.len()) {
        Some(lowered) if name.is_ascii() => {
            lowered.copy_from_slice(name.as_bytes());
            lowered.make_ascii_lowercase();
            match std::str::from_utf8(lowered) {
                Ok(key) => work(key),
                Err(_) => work(&name.to_lowercase()),
            }
        }
        _ => work(&name.to_lowercase()),
    }
}

/// A name as shown in an error: cut short when absurdly long.
fn shown(name: &str) -> String {
    if name.chars().count() > MAX_SHOWN_NAME {
        format!("{}…", name.chars().take(MAX_SHOWN_NAME).collect::<String>())
    } else {
        name.to_string()
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
    use crate::domain::catalog::DISPLAY_ORDERS;
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
    fn a_bounded_integer_outside_its_bounds_is_refused_naming_the_field() {
        let body = r#"{"A": 0, "B": 1000000, "C": -1, "D": 1000001, "E": 9223372036854775807, "F": "7"}"#;
        let mut f = Fields::from_parsed(parse_json(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(f.i64_within("A", DISPLAY_ORDERS), Some(0));
        assert_eq!(f.i64_within("B", DISPLAY_ORDERS), Some(1_000_000));
        assert_eq!(f.i64_within("C", DISPLAY_ORDERS), None);
        assert_eq!(f.i64_within("D", DISPLAY_ORDERS), None);
        assert_eq!(f.i64_within("E", DISPLAY_ORDERS), None);
        assert_eq!(f.i64_within("F", DISPLAY_ORDERS), None, "a string is no integer in JSON");
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
        let listed: Vec<_> = e.errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert_eq!(
            listed,
            [
                ("C", "must be between 0 and 1000000"),
                ("D", "must be between 0 and 1000000"),
                ("E", "must be between 0 and 1000000"),
                ("F", "must be an integer"),
            ]
        );
        let mut text = Fields::from_text_pairs(vec![("DisplayOrder".into(), "99999999999999999999".into())], "");
        assert_eq!(text.i64_within("DisplayOrder", DISPLAY_ORDERS), None, "past i64 in a form: refused, no panic");
        assert!(text.finish().is_err());
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

    const LOG: Resource = Resource { name: "CallCenterActivityLog", fields: &["Notes", "NewComments", "OldComments"] };

    fn strict(body: &str) -> Fields {
        Fields::from_parsed(parse_json(body.as_bytes()).unwrap()).unwrap().refusing_unknown()
    }

    #[test]
    fn a_misspelt_name_is_refused_with_the_nearest_known_one() {
        let mut f = strict(r#"{"NewComment": "lost?", "notes": "n", "OldComments": [1], "Zzz": 1}"#);
        f.expect(LOG);
        assert_eq!(f.string("Notes").as_deref(), Some("n"));
        assert_eq!(f.string("NewComments"), None);
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
        let listed: Vec<_> = e.errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert_eq!(
            listed,
            [
                ("NewComment", "is not a field of CallCenterActivityLog (did you mean NewComments?)"),
                ("Zzz", "is not a field of CallCenterActivityLog"),
            ],
            "OldComments is a field of the resource: ignored"
        );
        assert!(e.message.contains("did you mean NewComments?"), "{}", e.message);
    }

    #[test]
    fn unknown_names_are_ignored_where_the_reader_is_not_strict() {
        let mut f = Fields::from_text_pairs(vec![("csrf".into(), "t".into()), ("Notes".into(), "n".into())], "");
        assert_eq!(f.string("Notes").as_deref(), Some("n"));
        assert!(f.finish().is_ok());
    }

    #[test]
    fn an_unknown_name_makes_a_missing_field_114() {
        let mut f = strict(r#"{"Subjet": "typo"}"#);
        assert_eq!(f.required_string("Subject"), None);
        let e = f.finish().unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
        assert_eq!(e.errors[0].field, "Subjet");
        assert_eq!(e.errors[0].message, "is not a field of this request (did you mean Subject?)");
        assert_eq!(e.errors[1].field, "Subject");
    }

    #[test]
    fn the_same_name_twice_is_refused_in_any_case() {
        for body in [r#"{"PropertyId": 1, "propertyid": 2}"#, r#"{"PropertyId": 1, "PropertyId": 2}"#] {
            let mut f = strict(body);
            assert!(f.id("PropertyId").is_some());
            let e = f.finish().unwrap_err();
            assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
            assert_eq!(e.errors.len(), 1, "{body}: {:?}", e.errors);
            assert_eq!(e.errors[0].field, "PropertyId");
            assert!(e.errors[0].message.starts_with("is given 2 times"), "{}", e.errors[0].message);
        }
        let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let mut f = Fields::from_text_pairs(
            pairs(&[("Notes", "a"), ("NOTES", "b"), ("LogReasons", "1"), ("LogReasons", "2")]),
            "",
        );
        assert_eq!(f.id_list("LogReasons"), Some(vec![1, 2]), "the same spelling twice is a list");
        f.string("Notes");
        let e = f.finish().unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(
            e.errors[0].message,
            "is given 2 times (\"Notes\", \"NOTES\"); names match ignoring case, so send it once"
        );
    }

    #[test]
    fn a_repeat_inside_a_row_is_named_with_the_row() {
        let mut f = strict(r#"{"Units": [{"UnitId": 1}, {"UnitId": 2, "unitId": 3, "Floor": 4}]}"#);
        let mut rows = f.objects("Units").unwrap();
        assert!(f.finish().is_ok());
        rows[1].id("UnitId");
        rows[1].text("Floor");
        let e = rows.pop().unwrap().finish().unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field, "Units[1].UnitId");
        rows[0].id("UnitId");
        assert!(rows.pop().unwrap().finish().is_ok());
    }

    #[test]
    fn parsing_keeps_json_values_and_its_errors() {
        let f = parse_json(br#"{"A": [1, -2, 2.5, "x", null, true, {"b": {}}], "B": 18446744073709551615}"#).unwrap();
        assert_eq!(f.value, json!({"A": [1, -2, 2.5, "x", null, true, {"b": {}}], "B": 18446744073709551615u64}));
        assert!(parse_json(b"{\"A\": 1").unwrap_err().is_eof());
        assert!(parse_json(b"{} x").is_err());
        assert!(parse_json("[".repeat(10_000).as_bytes()).is_err(), "nesting is bounded, not a stack overflow");
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
