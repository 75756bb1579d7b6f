//! The directory import's body (docs/api.md §1, §6): up to 64 MiB, read as a
//! stream. The body's chunks go through a small bounded channel to a
//! blocking task that parses them as they come: each row of the three lists
//! is read as a small JSON object, turned into a typed row at once and
//! dropped, so the import holds typed rows only (never the whole body, nor a
//! JSON tree of it). The console's upload feeds its CSV parts to the CSV
//! reader the same way ([`feed_blocking`]).

use crate::domain::directory::{ImportBatch, RowKind, IMPORT_RESOURCE};
use crate::domain::error::FieldError;
use crate::domain::input::ParsedJsonSeed;
use crate::error::ApiError;
use crate::http::{bad_json, body_media, declared_length, BodyKinds, MAX_IMPORT_BYTES};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt};
use jiff::tz::TimeZone;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
        Ok(()) => Ok(batch),
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
                        .errors
                        .push(FieldError::new(kind.list(), "is given twice (property names match ignoring case)"));
                }
                Some(kind) => {
                    seen.push(kind);
                    map.next_value_seed(Rows { kind, batch: &mut *self.batch, zone: self.zone })?;
                }
                None => {
                    // docs/api.md §1: a name that is no field of the import is refused, with a hint.
                    map.next_value::<IgnoredAny>()?;
                    let lists = IMPORT_RESOURCE.fields;
                    let message = match crate::domain::suggest::nearest(&key, lists) {
                        Some(name) => format!("is not a field of the import (did you mean {name}?)"),
                        None => "is not a field of the import".to_string(),
                    };
                    self.batch.errors.push(FieldError::new(key, message));
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
        self.batch.errors.push(FieldError::new(self.kind.list(), "must be a list of objects"));
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
        let mut index = 0;
        while let Some(row) = seq.next_element_seed(ParsedJsonSeed)? {
            self.batch.add_json_row(self.kind, index, row, self.zone);
            index += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ImportBatch, ApiError> {
        parse_import(text.as_bytes(), &TimeZone::UTC)
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
        assert_eq!(batch.residents[0].0, "Residents[0].");
        assert!(batch.errors.is_empty());
    }

    #[test]
    fn unknown_and_repeated_names_are_refused_with_a_hint() {
        let batch = parse(
            r#"{"Unit": [], "Units": [{"UnitId": 2, "unitid": 3, "PropertyId": 1, "UnitNumber": "1", "Floorr": 2}]}"#,
        )
        .unwrap();
        let fields: Vec<(&str, &str)> = batch.errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert!(fields.contains(&("Unit", "is not a field of the import (did you mean Units?)")), "{fields:?}");
        assert!(fields.iter().any(|(f, m)| *f == "Units[0].UnitId" && m.contains("2 times")), "{fields:?}");
        assert!(fields.iter().any(|(f, m)| *f == "Units[0].Floorr" && m.contains("did you mean Floor?")), "{fields:?}");
    }

    #[test]
    fn lists_that_are_not_lists_of_objects_are_named() {
        let batch =
            parse(r#"{"Properties": {"PropertyId": 1}, "Units": [1, {"UnitId": 1}], "Residents": null}"#).unwrap();
        let fields: Vec<&str> = batch.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["Properties", "Units[0]", "Units[1].PropertyId", "Units[1].UnitNumber"]);
    }

    #[test]
    fn a_list_twice_and_bad_documents_are_refused() {
        let batch = parse(r#"{"Units": [], "units": []}"#).unwrap();
        assert_eq!(batch.errors[0].field, "Units");
        assert!(parse("[1]").unwrap_err().to_string().contains("must be a JSON object"));
        assert!(parse(r#"{"Units": [}"#).unwrap_err().to_string().contains("not valid JSON"));
        assert!(parse(r#"{"Units": ["#).unwrap_err().to_string().contains("incomplete"));
        assert!(parse(r#"{} {}"#).unwrap_err().to_string().contains("not valid JSON"));
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
