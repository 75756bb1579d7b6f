//! The directory import's body (docs/api.md §1, §6): up to 64 MiB, read as a
//! stream. The body's chunks go through a small bounded channel to a
//! blocking task that parses them as they come: each row of the three lists
//! is read as a small JSON object, turned into a typed row at once and
//! dropped, so the import holds typed rows only (never the whole body, nor a
//! JSON tree of it). The console's upload feeds its CSV parts to the CSV
//! reader the same way ([`feed_blocking`]).

use crate::domain::directory::{ImportBatch, RowKind};
use crate::domain::error::FieldError;
use crate::error::ApiError;
use crate::wire::directory::{add_refused_row, add_row, fields_of, resource_of};
use crate::wire::directory::{bounded_text, IMPORT_RESOURCE, PROPERTY_RESOURCE, RESIDENT_RESOURCE, UNIT_RESOURCE};
use crate::wire::input::Fields;
use crate::wire::{bad_json, body_media, declared_length, BodyKinds, MAX_IMPORT_BYTES};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt};
use jiff::tz::TimeZone;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;
use tokio::sync::mpsc;

/// Chunks in flight between the request and the parser: the memory a body
/// takes while read is this many chunks, whatever its size.
const CHUNKS_IN_FLIGHT: usize = 8;

/// A `Read` over chunks sent from the async side; the end of the channel is
/// the end of the input. For blocking threads only.
pub struct ChunkReader {
    chunks: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// How feeding a stream to a blocking reader ended.
pub enum Fed<T> {
    /// The stream ended (or the reader stopped early) and the reader answered.
    Done(T),
    /// More than `limit` bytes came: the reader's answer is dropped.
    TooLarge,
    /// The stream failed (the client went away).
    Broken,
}

/// Runs `read` on a blocking thread over the chunks of `stream` (after
/// `first`, chunks already taken from it), counting bytes against `limit`.
/// A reader that stops early (a parse error) stops the feeding, and the
/// rest of the stream is left unread. Also answers the bytes taken.
pub async fn feed_blocking<S, E, T, F>(first: Vec<Bytes>, mut stream: S, limit: usize, read: F) -> (Fed<T>, usize)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    F: FnOnce(ChunkReader) -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, chunks) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let task = tokio::task::spawn_blocking(move || read(ChunkReader { chunks, current: Bytes::new() }));
    let mut total: usize = first.iter().map(Bytes::len).sum();
    let mut outcome = None;
    'feed: {
        for chunk in first {
            if sender.send(chunk).await.is_err() {
                break 'feed;
            }
        }
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                outcome = Some(Fed::Broken);
                break;
            };
            total += chunk.len();
            if total > limit {
                outcome = Some(Fed::TooLarge);
                break;
            }
            if sender.send(chunk).await.is_err() {
                break; // the reader stopped: it has its answer
            }
        }
    }
    // The reader sees the end of its input (a cut-off body when refused).
    drop(sender);
    let answer = task.await;
    let fed = match (outcome, answer) {
        (Some(refused), _) => refused,
        (None, Ok(answer)) => Fed::Done(answer),
        (None, Err(_)) => Fed::Broken,
    };
    (fed, total)
}

/// Reads `POST /api/admin/import`'s body into typed rows: the size limit
/// first (Content-Length, then while streaming), an empty body (109), the
/// media type (415), then the parse, as for every body (docs/api.md §1).
pub async fn read_import_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    zone: TimeZone,
) -> Result<ImportBatch, ApiError> {
    let limit = MAX_IMPORT_BYTES;
    let too_large = || ApiError::payload_too_large(limit);
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    // Up to the first chunk with something other than white space.
    let mut first = Vec::new();
    let mut total = 0;
    loop {
        let Some(chunk) = payload.next().await else {
            return Err(ApiError::missing("A request body is required."));
        };
        let chunk = chunk.map_err(|_| ApiError::invalid("The request body could not be read."))?;
        total += chunk.len();
        if total > limit {
            return Err(too_large());
        }
        let blank = chunk.iter().all(u8::is_ascii_whitespace);
        first.push(chunk);
        if !blank {
            break;
        }
    }
    body_media(req, BodyKinds::Json)?;
    let (parsed, _) = feed_blocking(first, payload, limit, move |reader| parse_import(reader, &zone)).await;
    match parsed {
        Fed::Done(batch) => batch,
        Fed::TooLarge => Err(too_large()),
        Fed::Broken => Err(ApiError::invalid("The request body could not be read.")),
    }
}

/// Parses an import document from `reader`, row by row.
pub fn parse_import(reader: impl Read, zone: &TimeZone) -> Result<ImportBatch, ApiError> {
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(64 * 1024, reader));
    let mut batch = ImportBatch::default();
    let parsed = Document { batch: &mut batch, zone }.deserialize(&mut de).and_then(|()| de.end());
    match parsed {
        Ok(()) => {
            batch.shrink_to_fit();
            Ok(batch)
        }
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            Err(ApiError::invalid("The request body must be a JSON object."))
        }
        Err(e) => Err(bad_json(&e)),
    }
}

/// The top-level object: `Properties`, `Units`, `Residents` in any case and
/// order; other names are ignored (docs/api.md §1); a list named twice is 114.
struct Document<'a> {
    batch: &'a mut ImportBatch,
    zone: &'a TimeZone,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<RowKind> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match RowKind::of_list(&key) {
                Some(kind) if seen.contains(&kind) => {
                    map.next_value::<IgnoredAny>()?;
                    self.batch
                        .problems
                        .add(FieldError::new(kind.list(), "is given twice (property names match ignoring case)"));
                }
                Some(kind) => {
                    seen.push(kind);
                    map.next_value_seed(Rows { kind, batch: &mut *self.batch, zone: self.zone })?;
                }
                None => {
                    // docs/api.md §1: a name that is no field of the import is refused, with a hint.
                    map.next_value::<IgnoredAny>()?;
                    self.batch.problems.add_with(|| {
                        let lists = IMPORT_RESOURCE.fields;
                        let message = match crate::domain::suggest::nearest(&key, lists) {
                            Some(name) => format!("is not a field of the import (did you mean {name}?)"),
                            None => "is not a field of the import".to_string(),
                        };
                        FieldError::new(shown(&key), message)
                    });
                }
            }
        }
        Ok(())
    }
}

/// One list of rows; `null` is an absent list. Anything but a list of
/// objects is a problem named after the list or the element.
struct Rows<'a> {
    kind: RowKind,
    batch: &'a mut ImportBatch,
    zone: &'a TimeZone,
}

impl Rows<'_> {
    fn not_a_list<E>(self) -> Result<(), E> {
        self.batch.problems.add(FieldError::new(self.kind.list(), "must be a list of objects"));
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut position = 0;
        while seq
            .next_element_seed(Row { kind: self.kind, position, batch: &mut *self.batch, zone: self.zone })?
            .is_some()
        {
            position += 1;
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.not_a_list()
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.not_a_list()
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.not_a_list()
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.not_a_list()
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.not_a_list()
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.not_a_list()
    }
}

/// The most fields a row's resource has (a resident's 15).
const MAX_ROW_FIELDS: usize = 15;
const _: () = assert!(
    PROPERTY_RESOURCE.fields.len() <= MAX_ROW_FIELDS
        && UNIT_RESOURCE.fields.len() <= MAX_ROW_FIELDS
        && RESIDENT_RESOURCE.fields.len() <= MAX_ROW_FIELDS
);
/// How many spellings of a repeated name a problem quotes.
const QUOTED_SPELLINGS: usize = 5;
/// Names longer than this are shown cut short and get no hint.
const MAX_SHOWN_NAME: usize = 64;

/// A name as shown in a problem: cut short when absurdly long.
fn shown(name: &str) -> String {
    if name.chars().count() > MAX_SHOWN_NAME {
        format!("{}…", name.chars().take(MAX_SHOWN_NAME).collect::<String>())
    } else {
        name.to_string()
    }
}

/// One row of a list, read into the batch as it is parsed. What a row keeps
/// while it is read is bounded by its fields, whatever the client sends:
/// the first value of each field of its resource, a nested list or object
/// only as its kind (a field holds a scalar), and of a name given several
/// times its first spellings and a count. A name that is no field of the
/// row is a problem at once (docs/api.md §1, with the nearest field as a hint),
/// and is not kept.
struct Row<'a> {
    kind: RowKind,
    position: u64,
    batch: &'a mut ImportBatch,
    zone: &'a TimeZone,
}

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Row<'_> {
    fn not_an_object<E>(self) -> Result<(), E> {
        let (kind, position) = (self.kind, self.position);
        self.batch.problems.add_with(|| FieldError::new(format!("{}[{position}]", kind.list()), "must be an object"));
        Ok(())
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = fields_of(self.kind);
        // Per field of the resource (at most MAX_ROW_FIELDS): the first value
        // as given, and when it comes again, how many times and its spellings.
        let mut given: [Option<(String, Value)>; MAX_ROW_FIELDS] = Default::default();
        let mut repeats: [(usize, Vec<String>); MAX_ROW_FIELDS] = Default::default();
        let name = self.batch.row_name(self.kind, self.position);
        let problems_before = self.batch.problems.total();
        while let Some(key) = map.next_key::<String>()? {
            let field = if key.is_ascii() {
                fields.iter().position(|f| f.eq_ignore_ascii_case(&key))
            } else {
                let lower = key.to_lowercase();
                fields.iter().position(|f| f.eq_ignore_ascii_case(&lower))
            };
            match field {
                Some(i) => match &given[i] {
                    None => given[i] = Some((key, map.next_value_seed(Scalar)?)),
                    Some((first, _)) => {
                        map.next_value::<IgnoredAny>()?;
                        let (times, spellings) = &mut repeats[i];
                        if *times == 0 {
                            *times = 1;
                            spellings.push(first.clone());
                        }
                        *times += 1;
                        if spellings.len() < QUOTED_SPELLINGS {
                            spellings.push(key);
                        }
                    }
                },
                None => {
                    map.next_value::<IgnoredAny>()?;
                    let resource = resource_of(self.kind);
                    self.batch.problems.add_with(|| {
                        let hint = (key.chars().count() <= MAX_SHOWN_NAME)
                            .then(|| crate::domain::suggest::nearest(&key, resource.fields))
                            .flatten();
                        let message = match hint {
                            Some(field) => format!("is not a field of {} (did you mean {field}?)", resource.name),
                            None => format!("is not a field of {}", resource.name),
                        };
                        FieldError::new(format!("{name}{}", shown(&key)), message)
                    });
                }
            }
        }
        for (field, (times, spellings)) in fields.iter().zip(&repeats) {
            if *times > 1 {
                self.batch.problems.add_with(|| {
                    let quoted: Vec<String> = spellings.iter().map(|s| format!("\"{}\"", shown(s))).collect();
                    let more = if *times > spellings.len() { ", …" } else { "" };
                    FieldError::new(
                        format!("{name}{field}"),
                        format!(
                            "is given {times} times ({}{more}); names match ignoring case, so send it once",
                            quoted.join(", ")
                        ),
                    )
                });
            }
        }
        let object: Map<String, Value> = given.into_iter().flatten().collect();
        let fields = Fields::from_object(object, name);
        if self.batch.problems.total() == problems_before {
            add_row(self.batch, self.kind, self.position, fields, self.zone);
        } else {
            add_refused_row(self.batch, self.kind, fields, self.zone);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_an_object()
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.not_an_object()
    }
}

/// A field's value: a scalar as given (a string far too long only in part:
/// `bounded_text`); a list or an object read through and kept as an empty
/// one of its kind (the field's reader refuses it by its kind: "must be a
/// string").
struct Scalar;

impl<'de> DeserializeSeed<'de> for Scalar {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scalar {
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
        Ok(Value::String(bounded_text(v).to_string()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array(Vec::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(Map::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::directory::LISTED_PROBLEMS;

    fn parse(text: &str) -> Result<ImportBatch, ApiError> {
        parse_import(text.as_bytes(), &TimeZone::UTC)
    }

    /// The problems listed, as (field, message).
    fn problems(batch: &ImportBatch) -> Vec<(&str, &str)> {
        batch.problems.listed().iter().map(|e| (e.field.as_str(), e.message.as_str())).collect()
    }

    #[test]
    fn rows_are_read_in_any_case_and_order() {
        let batch = parse(
            r#"{"residents": [{"ResidentId": 7, "PropertyId": 1, "UnitId": 2, "ResidentLastName": "Cole"}],
                "UNITS": [{"unitid": 2, "PropertyId": 1, "UnitNumber": "101"}],
                "Properties": [{"PropertyId": 1, "PropertyName": "Elm"}]}"#,
        )
        .unwrap();
        assert_eq!((batch.properties.len(), batch.units.len(), batch.residents.len()), (1, 1, 1));
        let (position, resident) = batch.residents.iter().next().unwrap().unwrap();
        assert_eq!((position, resident.resident_last_name.as_deref()), (0, Some("Cole")));
        assert_eq!(batch.row_name(RowKind::Resident, position), "Residents[0].");
        assert!(batch.problems.is_empty());
    }

    #[test]
    fn unknown_and_repeated_names_are_refused_with_a_hint() {
        let batch = parse(
            r#"{"Unit": [], "Units": [{"UnitId": 2, "unitid": 3, "PropertyId": 1, "UnitNumber": "1", "Floorr": 2}]}"#,
        )
        .unwrap();
        let fields = problems(&batch);
        assert!(fields.contains(&("Unit", "is not a field of the import (did you mean Units?)")), "{fields:?}");
        assert!(fields.iter().any(|(f, m)| *f == "Units[0].UnitId" && m.contains("2 times")), "{fields:?}");
        assert!(fields.iter().any(|(f, m)| *f == "Units[0].Floorr" && m.contains("did you mean Floor?")), "{fields:?}");
    }

    #[test]
    fn lists_that_are_not_lists_of_objects_are_named() {
        let batch =
            parse(r#"{"Properties": {"PropertyId": 1}, "Units": [1, {"UnitId": 1}], "Residents": null}"#).unwrap();
        let fields: Vec<&str> = problems(&batch).iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["Properties", "Units[0]", "Units[1].PropertyId", "Units[1].UnitNumber"]);
    }

    #[test]
    fn a_list_twice_and_bad_documents_are_refused() {
        let batch = parse(r#"{"Units": [], "units": []}"#).unwrap();
        assert_eq!(problems(&batch)[0].0, "Units");
        assert!(parse("[1]").unwrap_err().to_string().contains("must be a JSON object"));
        assert!(parse(r#"{"Units": [}"#).unwrap_err().to_string().contains("not valid JSON"));
        assert!(parse(r#"{"Units": ["#).unwrap_err().to_string().contains("incomplete"));
        assert!(parse(r#"{} {}"#).unwrap_err().to_string().contains("not valid JSON"));
    }

    #[test]
    fn a_field_holding_a_list_or_an_object_is_refused_by_its_kind() {
        let batch = parse(
            r#"{"Units": [{"UnitId": 1, "PropertyId": {"a": [1, 2, {"b": 3}]}, "UnitNumber": [[1], [2], "x"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            problems(&batch),
            [("Units[0].PropertyId", "must be an integer"), ("Units[0].UnitNumber", "must be a string")]
        );
    }

    #[test]
    fn every_problem_is_counted_and_only_the_first_hundred_are_kept() {
        let rows = vec!["{}"; 1_000].join(",");
        let batch = parse(&format!(r#"{{"Units": [{rows}]}}"#)).unwrap();
        // Three required fields missing in each of 1,000 rows.
        assert_eq!(batch.problems.total(), 3_000);
        assert_eq!(batch.problems.listed().len(), LISTED_PROBLEMS);
        assert_eq!(problems(&batch)[99], ("Units[33].UnitId", "is required"));
        let error = std::mem::take(&mut { batch }.problems).into_error();
        assert!(
            error.message.starts_with(
                "The import was refused and nothing was written: 3,000 problems in all; the first 100 are listed: \
                 Units[0].UnitId is required; Units[0].PropertyId is required; "
            ),
            "{}",
            error.message
        );
        assert!(error.message.ends_with("; Units[33].UnitId is required."), "{}", error.message);
        assert_eq!(error.errors.len(), 100);
    }

    #[test]
    fn unknown_names_of_one_row_are_each_counted() {
        let names: Vec<String> = (0..150).map(|i| format!(r#""Extra{i}": {i}"#)).collect();
        let row = format!(r#"{{"UnitId": 1, "PropertyId": 1, "UnitNumber": "1", {}}}"#, names.join(", "));
        let batch = parse(&format!(r#"{{"Units": [{row}]}}"#)).unwrap();
        assert_eq!(batch.problems.total(), 150);
        assert_eq!(problems(&batch)[0], ("Units[0].Extra0", "is not a field of Unit"));
        assert_eq!(batch.units.len(), 0, "a row with a problem is not kept");
    }

    #[test]
    fn a_name_given_many_times_quotes_its_first_spellings_and_counts_them_all() {
        let repeats: Vec<&str> =
            ["UnitId", "unitid", "UNITID", "unitId", "UnitID", "uNITID", "unitiD"].into_iter().collect();
        let row: Vec<String> = repeats.iter().map(|n| format!(r#""{n}": 1"#)).collect();
        let batch =
            parse(&format!(r#"{{"Units": [{{{}, "PropertyId": 1, "UnitNumber": "1"}}]}}"#, row.join(", "))).unwrap();
        assert_eq!(
            problems(&batch),
            [(
                "Units[0].UnitId",
                r#"is given 7 times ("UnitId", "unitid", "UNITID", "unitId", "UnitID", …); names match ignoring case, so send it once"#
            )]
        );
    }

    fn chunks(sizes: &[usize]) -> futures_util::stream::Iter<std::vec::IntoIter<Result<Bytes, ()>>> {
        let list: Vec<Result<Bytes, ()>> = sizes.iter().map(|n| Ok(Bytes::from(vec![b' '; *n]))).collect();
        futures_util::stream::iter(list)
    }

    #[tokio::test]
    async fn a_stream_over_the_limit_is_refused_whatever_the_reader_says() {
        let count = |mut r: ChunkReader| std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        let (fed, taken) = feed_blocking(vec![Bytes::from_static(b"ab")], chunks(&[40, 40]), 100, count).await;
        assert!(matches!(fed, Fed::Done(82)) && taken == 82);
        let (fed, taken) = feed_blocking(Vec::new(), chunks(&[60, 60, 60]), 100, count).await;
        assert!(matches!(fed, Fed::TooLarge) && taken == 120);
    }

    #[tokio::test]
    async fn a_reader_that_stops_early_stops_the_feeding() {
        let first_byte = |mut r: ChunkReader| {
            let mut one = [0u8; 1];
            r.read_exact(&mut one).unwrap();
            one[0]
        };
        let many = vec![1usize; 10_000];
        let (fed, taken) = feed_blocking(Vec::new(), chunks(&many), usize::MAX, first_byte).await;
        assert!(matches!(fed, Fed::Done(b' ')));
        assert!(taken < 10_000, "read {taken} chunks of 10,000");
    }
}
