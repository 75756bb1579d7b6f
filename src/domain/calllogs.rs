//! Call logs (docs/api.md §4): the model, the rules of create and update, and list filters.

use crate::domain::error::DomainError;
use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, UnitId, UserId};
use crate::domain::query::Named;
use crate::domain::time::Stamp;
use jiff::tz::TimeZone;

pub const MAX_SUBJECT: usize = 200;
pub const MAX_CALL_FROM: usize = 200;
pub const MAX_NOTES: usize = 20_000;
pub const MAX_TAKENBY: usize = 100;
pub const MAX_COMMENT: usize = 10_000;
pub const MAX_IDEMPOTENCY_KEY: usize = 100;
/// `CreatedOn` may be this far ahead of the server clock (clock skew), no more.
pub const MAX_FUTURE_SECONDS: i64 = 5 * 60;

/// `CallCenterActivityLogComment`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub comment: String,
    pub date: Stamp,
    pub user: String,
    pub status: Option<String>,
}

/// `CallCenterActivityLog` as answered.
#[derive(Debug, Clone)]
pub struct CallLog {
    pub log_id: LogId,
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub call_from: String,
    pub module_status_id: StatusId,
    pub subject: String,
    pub notes: Option<String>,
    pub log_reasons: Vec<ReasonId>,
    pub takenby: String,
    pub old_comments: Vec<Comment>,
    /// Write-only: always null in answers.
    pub new_comments: Option<String>,
    pub created_on: Stamp,
    pub modified_on: Stamp,
    pub last_event_no: i64,
    pub deleted: bool,
}

impl CallLog {
    pub fn etag(&self) -> String {
        etag_of(self.log_id, self.last_event_no)
    }

    /// A log just created from `row`, exactly as a read of it answers: its
    /// reasons in id order, its first comment if any, `last_event_no`
    /// events. The create answers with it instead of reading it back.
    pub fn created(
        log_id: LogId,
        row: CallLogRow,
        reasons: &[ReasonId],
        first_comment: Option<Comment>,
        last_event_no: i64,
    ) -> CallLog {
        let mut log_reasons = reasons.to_vec();
        log_reasons.sort_unstable();
        log_reasons.dedup();
        CallLog {
            log_id,
            property_id: row.property_id,
            unit_id: row.unit_id,
            resident_id: row.resident_id,
            call_from: row.call_from,
            module_status_id: row.status_id,
            subject: row.subject,
            notes: row.notes,
            log_reasons,
            takenby: row.takenby,
            old_comments: first_comment.into_iter().collect(),
            new_comments: None,
            created_on: row.created_on,
            modified_on: row.modified_on,
            last_event_no,
            deleted: false,
        }
    }
}

/// What the rules of a write need of a log, and nothing that grows with
/// its thread: a write costs the same on the first comment and the
/// ten-thousandth (docs/architecture.md).
#[derive(Debug, Clone)]
pub struct LogHead {
    pub log_id: LogId,
    pub property_id: PropertyId,
    pub status_id: StatusId,
    pub notes: Option<String>,
    pub deleted: bool,
    pub last_event_no: i64,
}

impl LogHead {
    pub fn etag(&self) -> String {
        etag_of(self.log_id, self.last_event_no)
    }
}

/// The most events (creation, changes, comments, deletes, restores) one log
/// holds. Every client write to a log appends to it, so without a bound a
/// client could push the count past what the stores key a log's rows by
/// (SQLite's search index gives an event 24 bits): no value a client may
/// send can make a later request fail (docs/api.md §1).
pub const MAX_EVENTS_PER_LOG: i64 = (1 << 24) - 1;

/// Whether `adding` more events fit in a log that has `last_event_no`;
/// refused as an operation the log's state does not allow (409/112).
pub fn check_event_room(log_id: LogId, last_event_no: i64, adding: usize) -> Result<(), DomainError> {
    let adding = i64::try_from(adding).unwrap_or(i64::MAX);
    if last_event_no.saturating_add(adding) > MAX_EVENTS_PER_LOG {
        return Err(DomainError::invalid_operation(format!(
            "Call log {log_id} holds the most changes and comments a log may have ({MAX_EVENTS_PER_LOG}); log a \
             new call to go on."
        )));
    }
    Ok(())
}

/// A strong tag that changes with every change (each change appends events).
pub fn etag_of(log_id: LogId, last_event_no: i64) -> String {
    format!("\"{log_id}.{last_event_no}\"")
}

/// Who makes a change, as recorded in events and comments.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: UserId,
    pub display_name: String,
}

/// The kinds of rows in a log's event stream (comments and history are two
/// readings of it). The lower-case name is the history's `Action`, also the stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum EventKind {
    Created,
    Updated,
    Commented,
    Deleted,
    Restored,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The fields whose changes the history records (the only ones `PUT`
/// changes), named as the API names them, also the stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
pub enum TrackedField {
    Notes,
    ModuleStatusId,
}

impl TrackedField {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An event to append to a log's stream.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub field: Option<TrackedField>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// For comments: the status name at that moment.
    pub status_name: Option<String>,
}

impl NewEvent {
    pub fn plain(kind: EventKind) -> NewEvent {
        NewEvent { kind, field: None, old_value: None, new_value: None, status_name: None }
    }

    pub fn comment(text: &str, status_name: &str) -> NewEvent {
        NewEvent {
            kind: EventKind::Commented,
            field: None,
            old_value: None,
            new_value: Some(text.to_string()),
            status_name: Some(status_name.to_string()),
        }
    }
}

/// What an `Idempotency-Key` stands for: the log its first request created,
/// and that request's body (`NewCallLog::fingerprint`); `None` for a key
/// remembered before keys were bound to bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedKey {
    pub log_id: LogId,
    pub fingerprint: Option<String>,
}

/// A new log as stored, its references checked and defaults filled.
#[derive(Debug, Clone)]
pub struct CallLogRow {
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub call_from: String,
    pub status_id: StatusId,
    pub subject: String,
    pub notes: Option<String>,
    pub takenby: String,
    pub created_on: Stamp,
    pub modified_on: Stamp,
    pub created_by: UserId,
}

/// One row of `GET /api/calllogs/{id}/history`.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub date: Stamp,
    pub user: String,
    pub action: EventKind,
    pub field: Option<TrackedField>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Call-log counts by status category, for a property or one of its units
/// (docs/api.md §7); deleted logs are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryCounts {
    pub call_logs: i64,
    pub open_call_logs: i64,
    pub pending_call_logs: i64,
    pub closed_call_logs: i64,
}

#[derive(Debug, Clone)]
pub struct PropertySummary {
    pub property_id: PropertyId,
    pub counts: CategoryCounts,
}

#[derive(Debug, Clone)]
pub struct UnitSummary {
    pub unit_id: UnitId,
    pub counts: CategoryCounts,
}

/// One line of `GET /api/calllogs/export.csv`.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub log_id: LogId,
    pub created_on: Stamp,
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub call_from: String,
    pub status: String,
    /// Reason names joined by `; `.
    pub reasons: String,
    pub subject: String,
    pub notes: Option<String>,
    pub takenby: String,
    pub comment_count: i64,
    pub last_comment: Option<String>,
    pub modified_on: Stamp,
}

pub const EXPORT_HEADER: [&str; 14] = [
    "LogId",
    "CreatedOn",
    "PropertyId",
    "UnitId",
    "ResidentId",
    "CallFrom",
    "Status",
    "Reasons",
    "Subject",
    "Notes",
    "Takenby",
    "CommentCount",
    "LastComment",
    "ModifiedOn",
];

impl ExportRow {
    /// The row's fields as CSV cells, dates written in `zone`; every cell
    /// passes through [`spreadsheet_text`] (ids and dates never start with a
    /// trigger, so only text written by people is ever changed).
    pub fn cells(&self, zone: &TimeZone) -> [String; 14] {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        [
            self.log_id.to_string(),
            self.created_on.format_in(zone),
            self.property_id.to_string(),
            opt(self.unit_id.map(|id| id.0)),
            opt(self.resident_id.map(|id| id.0)),
            self.call_from.clone(),
            self.status.clone(),
            self.reasons.clone(),
            self.subject.clone(),
            self.notes.clone().unwrap_or_default(),
            self.takenby.clone(),
            self.comment_count.to_string(),
            self.last_comment.clone().unwrap_or_default(),
            self.modified_on.format_in(zone),
        ]
        .map(spreadsheet_text)
    }
}

/// docs/api.md §7 (OWASP CSV injection): a cell that begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read by a spreadsheet as a
/// formula; a leading `'` makes it show as text.
pub fn spreadsheet_text(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// A create request after its shape checks; references are checked by the store.
#[derive(Debug, Clone)]
pub struct NewCallLog {
    pub property_id: PropertyId,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub call_from: Option<String>,
    pub status_id: Option<StatusId>,
    pub subject: String,
    pub notes: Option<String>,
    pub reasons: Vec<ReasonId>,
    pub takenby: Option<String>,
    pub comment: Option<String>,
    pub created_on: Option<Stamp>,
}

/// The three things `PUT` may change (docs/api.md §4); `None` = leave unchanged.
#[derive(Debug, Clone, Default)]
pub struct CallLogUpdate {
    /// `Some(None)` clears the notes (`""` was sent).
    pub notes: Option<Option<String>>,
    pub status_id: Option<StatusId>,
    pub comment: Option<String>,
}

/// One field change, as recorded in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: TrackedField,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// What an update actually changes relative to `current`.
pub fn changes_of(current: &LogHead, update: &CallLogUpdate) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    if let Some(notes) = &update.notes {
        if *notes != current.notes {
            changes.push(FieldChange {
                field: TrackedField::Notes,
                old_value: current.notes.clone(),
                new_value: notes.clone(),
            });
        }
    }
    if let Some(status_id) = update.status_id {
        if status_id != current.status_id {
            changes.push(FieldChange {
                field: TrackedField::ModuleStatusId,
                old_value: Some(current.status_id.to_string()),
                new_value: Some(status_id.to_string()),
            });
        }
    }
    changes
}

/// A parsed `If-Match` header: `*`, or a list of strong tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

/// The order a list asks for by `sort` (matched ignoring case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum SortField {
    CreatedOn,
    ModifiedOn,
    LogId,
    /// Best full-text match first (the default when `q` is given). It has no
    /// name: it is only the default of a search.
    #[strum(disabled)]
    Relevance,
}

impl Named for SortField {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum SortOrder {
    Desc,
    Asc,
}

impl Named for SortOrder {}

/// Filters of the call-log lists (docs/api.md §4), already validated.
#[derive(Debug, Clone)]
pub struct CallLogFilter {
    /// Properties the caller may see; `None` = every property (admin).
    pub scope: Option<Vec<PropertyId>>,
    pub property_id: Option<PropertyId>,
    pub unit_id: Option<UnitId>,
    pub resident_id: Option<ResidentId>,
    pub statuses: Option<Vec<StatusId>>,
    pub reasons: Option<Vec<ReasonId>>,
    /// Compared ignoring case; held lower-cased.
    pub takenby: Option<String>,
    /// `Takenby` exactly as a log records it (not an API parameter): the
    /// console's "my open calls" asks for the caller's display name, which a
    /// log records by default, and an index serves this where `takenby`'s
    /// Unicode case folding cannot be indexed.
    pub taken_by_exactly: Option<String>,
    pub from: Option<Stamp>,
    pub to: Option<Stamp>,
    pub modified_since: Option<Stamp>,
    /// Full-text words (`q`); every one must match, each as a prefix.
    pub search: Option<Vec<String>>,
    pub sort: SortField,
    pub descending: bool,
}

/// The filter of a list asked without parameters: every log the caller may
/// see, newest first.
impl Default for CallLogFilter {
    fn default() -> CallLogFilter {
        CallLogFilter {
            scope: None,
            property_id: None,
            unit_id: None,
            resident_id: None,
            statuses: None,
            reasons: None,
            takenby: None,
            taken_by_exactly: None,
            from: None,
            to: None,
            modified_since: None,
            search: None,
            sort: SortField::CreatedOn,
            descending: true,
        }
    }
}

impl CallLogFilter {
    /// The filter without its words, in the order a search's tier is
    /// sorted by (newest first unless `order` says otherwise).
    pub fn without_words(&self) -> CallLogFilter {
        let mut plain = self.clone();
        plain.search = None;
        if plain.sort == SortField::Relevance {
            plain.sort = SortField::CreatedOn;
        }
        plain
    }
}

/// The words of a lookup: split on white space, each kept only if it has a
/// letter or digit. Whatever the text, it is read as plain words, never as
/// search syntax (the store quotes each word).
pub fn search_words(q: &str) -> Vec<String> {
    q.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).map(str::to_string).collect()
}

/// docs/api.md §7: the longest `q` a call-log search takes, in characters.
pub const MAX_SEARCH_CHARS: usize = 256;
/// docs/api.md §7: the most distinct words a call-log search takes.
pub const MAX_SEARCH_WORDS: usize = 16;

/// The words of a call-log search (`q`, docs/api.md §7), as the store should
/// match them: each a maximal run of letters and digits (with the accents
/// written on them), so nothing in the text is ever search syntax.
///
/// Words are compared with case and accents folded: a repeated word counts
/// once, and a word that begins another one is dropped, since every log
/// that has the longer word also has a word beginning with the shorter (all
/// words must match, each as a prefix). What is left is at most 16 words
/// whose prefixes cover disjoint ranges of the index's terms, so a search
/// reads each indexed term at most once, whatever the text.
///
/// Control characters (NUL included), more than 256 characters or more than
/// 16 distinct words are refused, naming `q`.
pub fn call_log_search_words(q: &str) -> Result<Vec<String>, DomainError> {
    if let Some(c) = q.chars().find(|c| c.is_control()) {
        return Err(DomainError::invalid_field(
            "q",
            &format!("contains the control character U+{:04X}; search for words only", u32::from(c)),
        ));
    }
    let length = q.chars().count();
    if length > MAX_SEARCH_CHARS {
        return Err(DomainError::invalid_field(
            "q",
            &format!("has {length} characters; a search takes at most {MAX_SEARCH_CHARS}"),
        ));
    }
    // (folded, as written)
    let mut words: Vec<(String, &str)> = Vec::new();
    for word in q.split(|c: char| !is_word_char(c)).filter(|w| w.chars().any(char::is_alphanumeric)) {
        let folded = fold_word(word);
        if !words.iter().any(|(seen, _)| *seen == folded) {
            words.push((folded, word));
        }
    }
    if words.len() > MAX_SEARCH_WORDS {
        return Err(DomainError::invalid_field(
            "q",
            &format!("has {} different words; a search takes at most {MAX_SEARCH_WORDS}", words.len()),
        ));
    }
    let stems: Vec<String> = words.iter().map(|(folded, _)| word_stem(folded)).collect();
    let covered = |i: usize| {
        let word = &words[i].0;
        words.iter().enumerate().any(|(j, (other, _))| {
            other.len() > word.len() && other.starts_with(word.as_str()) && {
                let stem = &stems[j];
                stems[i] == *stem || word.chars().count() + stem_slack(stem) <= stem.chars().count()
            }
        })
    };
    Ok((0..words.len()).filter(|i| !covered(*i)).map(|i| words[i].1.to_string()).collect())
}

/// The Snowball English stem of a folded word (`parking` → `park`,
/// `leaking` → `leak`; docs/api.md §7). Both engines index and search with
/// this one function, so they agree on every word.
pub fn word_stem(folded: &str) -> String {
    rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English).stem(folded).into_owned()
}

/// How many of a stem's last characters a word with that stem may spell
/// otherwise. Snowball English takes a word to its stem by cutting a
/// suffix, except where it then writes one: a final `e` (`hoping` →
/// `hope`, `ability` → `able`, `dying` → `die`), `i` (`happy` → `happi`)
/// or `y` (`skies` → `sky`), and those change at most the stem's last two
/// characters. A stem ending otherwise begins every word that has it.
fn stem_slack(stem: &str) -> usize {
    if stem.ends_with(['e', 'i', 'y']) {
        2
    } else {
        0
    }
}

/// What one search word matches in stored words (docs/api.md §7): a word
/// it begins, both folded, or a word with the same stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// The folded word: stored words beginning with it match.
    pub prefix: String,
    /// Its stem: stored words whose stem is another word than themselves
    /// are indexed under their stem too (see [`stems_of`]), so those match
    /// by this key.
    pub stem: String,
    /// Whether a stored word spelled exactly as `stem` matches as well (it
    /// is its own stem, so it is not indexed under a stem of its own), and
    /// is not already among the words beginning with `prefix`.
    pub stem_as_word: bool,
}

impl SearchTerm {
    pub fn of(word: &str) -> SearchTerm {
        let prefix = fold_word(word);
        let stem = word_stem(&prefix);
        let stem_as_word = !stem.starts_with(prefix.as_str()) && word_stem(&stem) == stem;
        SearchTerm { prefix, stem, stem_as_word }
    }
}

/// The stems of folded `words` that differ from their word, each once: what
/// an index keeps beside the words themselves, so that a search word finds
/// the other forms of its stem ([`SearchTerm`]). A word that is its own
/// stem is found as a word.
pub fn stems_of(words: &[String]) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for word in words {
        let stem = word_stem(word);
        if stem != *word && !stems.contains(&stem) {
            stems.push(stem);
        }
    }
    stems
}

/// Marks a stem among the words of one list of terms (PostgreSQL's
/// `tsvector`, the index of names): no word begins with it, since words are
/// letters and digits, so a word's prefix never reaches a stem.
pub const STEM_MARK: char = '~';

/// The terms one list keeps for `text`: its folded words, and its stems
/// ([`stems_of`]) marked with [`STEM_MARK`].
pub fn index_terms(text: &str) -> Vec<String> {
    let words = folded_words(text);
    let stems = stems_of(&words);
    let mut terms = words;
    terms.extend(stems.into_iter().map(|stem| format!("{STEM_MARK}{stem}")));
    terms
}

/// What can be named in a search besides a log's text (docs/api.md §7): a
/// log matches a word that matches the name of one of its reasons, its
/// unit's number or its property's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum NamedKind {
    Reason,
    Unit,
    Property,
}

impl NamedKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The reasons, units and properties whose names match one search word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedMatches {
    pub reasons: Vec<i64>,
    pub units: Vec<i64>,
    pub properties: Vec<i64>,
}

impl NamedMatches {
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty() && self.units.is_empty() && self.properties.is_empty()
    }

    pub fn add(&mut self, kind: NamedKind, id: i64) {
        let ids = match kind {
            NamedKind::Reason => &mut self.reasons,
            NamedKind::Unit => &mut self.units,
            NamedKind::Property => &mut self.properties,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
}

/// The least text above every text that begins with `prefix` (in code
/// point order, which is UTF-8 byte order): `prefix` with its last
/// character raised by one, so terms beginning with `prefix` are the range
/// `prefix <= term < bound`. `None` when nothing is above (every character
/// the largest one).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(raised) = char::from_u32(next) {
            chars.push(raised);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Letters and digits, and the combining accents written on them (a word
/// typed in decomposed form stays one word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_accent(c)
}

fn is_combining_accent(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Lower case without accents (`Crème` → `creme`), recomposed so that
/// scripts whose letters decompose into parts (Hangul) keep their letters.
pub fn fold_word(word: &str) -> String {
    let lower = word.to_lowercase();
    let decomposed = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(&lower);
    let bare: String = decomposed.chars().filter(|c| !is_combining_accent(*c)).collect();
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(&bare).into_owned()
}

/// The words of `text` as a search index keeps them: runs of letters and
/// digits (with their combining accents), case and accents folded, the way
/// FTS5's `unicode61 remove_diacritics 2` tokenizer reads them. The
/// PostgreSQL engine indexes these (its own parsers split and fold
/// differently: `unaccent` turns `ß` into `ss`), so both engines find the
/// same logs.
pub fn folded_words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c)).filter(|w| w.chars().any(char::is_alphanumeric)).map(fold_word).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_takes_events_up_to_its_bound_and_no_more() {
        assert!(check_event_room(LogId(7), 0, 2).is_ok());
        assert!(check_event_room(LogId(7), MAX_EVENTS_PER_LOG - 2, 2).is_ok());
        let full = check_event_room(LogId(7), MAX_EVENTS_PER_LOG - 1, 2).unwrap_err();
        assert_eq!(full.kind, crate::domain::error::ErrorKind::InvalidOperation);
        assert!(full.message.contains("Call log 7"), "{}", full.message);
        assert!(check_event_room(LogId(7), i64::MAX, 1).is_err(), "no overflow");
    }

    #[test]
    fn event_kinds_and_fields_are_written_as_they_are_stored() {
        use strum::VariantArray;
        for &kind in EventKind::VARIANTS {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        for &field in TrackedField::VARIANTS {
            assert_eq!(field.as_str().parse::<TrackedField>(), Ok(field));
        }
        // Stored text is matched exactly: another case is not a kind.
        assert!("Created".parse::<EventKind>().is_err());
        assert!("notes".parse::<TrackedField>().is_err());
    }

    #[test]
    fn a_call_log_search_is_runs_of_letters_and_digits_each_distinct_word_once() {
        let words = |q: &str| call_log_search_words(q).unwrap();
        assert_eq!(words("leak \"ceiling\" * OR -kitchen NEAR(x)"), ["leak", "ceiling", "OR", "kitchen", "NEAR", "x"]);
        assert_eq!(words("o'brien e-mail 2b"), ["o", "brien", "e", "mail", "2b"]);
        assert!(words("( ) * - \"").is_empty());
        // Repeats count once, whatever their case and accents; the first spelling is kept.
        assert_eq!(words("Crème creme CREME cre\u{300}me"), ["Crème"]);
        assert_eq!(words(&"a ".repeat(128)), ["a"]);
        // A word that begins another adds nothing.
        assert_eq!(words("lea leak le leaking water w"), ["leaking", "water"]);
        // Letters of scripts that decompose stay letters: neither word begins the other.
        assert_eq!(words("하 한"), ["하", "한"]);
        assert_eq!(fold_word("ZOË"), "zoe");
    }

    #[test]
    fn indexed_words_are_folded_like_the_search_words() {
        assert_eq!(
            folded_words("Crème brûlée, O'Brien's 2B-leak\nZOË"),
            ["creme", "brulee", "o", "brien", "s", "2b", "leak", "zoe"]
        );
        assert_eq!(folded_words("cre\u{300}me -- ** "), ["creme"]);
    }

    #[test]
    fn a_call_log_search_is_bounded() {
        let refused = |q: &str| {
            let e = call_log_search_words(q).unwrap_err();
            assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue, "{q:?}");
            format!("{e:?}")
        };
        assert!(refused("leak\u{0}").contains("U+0000"));
        refused("\tleak");
        refused("leak\nkitchen");
        let sixteen: Vec<String> = (0..16).map(|i| format!("w{i:02}x")).collect();
        assert_eq!(call_log_search_words(&sixteen.join(" ")).unwrap().len(), 16);
        assert!(refused(&format!("{} w16x", sixteen.join(" "))).contains("17 different words"));
        assert_eq!(call_log_search_words(&"é".repeat(MAX_SEARCH_CHARS)).unwrap().len(), 1);
        assert!(refused(&"é".repeat(MAX_SEARCH_CHARS + 1)).contains("257 characters"));
    }

    #[test]
    fn a_word_matches_its_prefixes_and_its_stem() {
        let term = SearchTerm::of("Parking");
        assert_eq!((term.prefix.as_str(), term.stem.as_str(), term.stem_as_word), ("parking", "park", true));
        let term = SearchTerm::of("leak");
        assert_eq!((term.stem.as_str(), term.stem_as_word), ("leak", false), "leak begins leak");
        assert_eq!(word_stem("leaks"), word_stem("leaking"));
        assert_eq!(stems_of(&folded_words("Where can guests park overnight? Leaking, leaking")), ["guest", "leak"]);
        assert_eq!(index_terms("Noise leaks"), ["noise", "leaks", "~nois", "~leak"]);
    }

    /// The slack [`call_log_search_words`] relies on to drop a word that a
    /// longer one makes redundant: a word shares all but at most the last
    /// two characters of its stem, and all of it unless the stem ends in
    /// `e`, `i` or `y`.
    #[test]
    fn a_stem_spells_its_words_but_for_its_slack() {
        let words = "ability agency hoping happy happiness skies dying lying tying ugly early only gently idly \
             singly generously generalization relational conditional rational valency hesitancy probably \
             sensibly abilities allies cries cried ties tied parking parked parks leaking leaks noise noisy \
             neighbors neighbourhood complaint complaints overnight guests elevator elevators billing \
             assessments architectural amenity reservation reservations emergency emergencies information \
             general generally maintenance request requests violation inquiry inquiries condominiums harbor \
             view views plumbing plumber heating cooling windows doors ceiling ceilings flooding flooded \
             drains drained hopeful hopefulness goodness formative formalize formality sensitivity \
             sensitiveness controlling controlled controller electrical electricity electric historical \
             proceed exceed succeed inning outing canning herring earring news atlas cosmos bias andes \
             national nationality nationalism feudalism decisiveness hopefulness callousness analogy \
             fruitfully fearlessly abundantly bluntly gratefully predication operator feudalize";
        for word in words.split_whitespace() {
            let stem = word_stem(word);
            let shared = word.chars().zip(stem.chars()).take_while(|(a, b)| a == b).count();
            let len = stem.chars().count();
            assert!(shared + stem_slack(&stem) >= len, "{word} → {stem}");
        }
    }

    #[test]
    fn a_word_that_another_makes_redundant_is_dropped_and_no_other() {
        let words = |q: &str| call_log_search_words(q).unwrap();
        // `lea` begins `leaking`, and every word stemmed `leak` begins `leak`.
        assert_eq!(words("lea leaking"), ["leaking"]);
        // `happiness` finds `happy` (stem `happi`), which `happin` does not begin.
        assert_eq!(words("happin happiness"), ["happin", "happiness"]);
        // The same stem: whatever finds the longer finds the shorter.
        assert_eq!(words("park parking"), ["parking"]);
    }

    #[test]
    fn a_prefix_range_ends_above_every_word_it_begins() {
        assert_eq!(prefix_upper_bound("lea").as_deref(), Some("leb"));
        assert_eq!(prefix_upper_bound("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }

    #[test]
    fn search_text_is_plain_words() {
        assert_eq!(search_words("  leak  \"ceiling  * OR - "), ["leak", "\"ceiling", "OR"]);
        assert!(search_words("( ) * -").is_empty());
    }
}
