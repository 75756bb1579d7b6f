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
    let begins_another =
        |word: &str| words.iter().any(|(other, _)| other.len() > word.len() && other.starts_with(word));
    Ok(words.iter().filter(|(folded, _)| !begins_another(folded)).map(|(_, word)| word.to_string()).collect())
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
    fn search_text_is_plain_words() {
        assert_eq!(search_words("  leak  \"ceiling  * OR - "), ["leak", "\"ceiling", "OR"]);
        assert!(search_words("( ) * -").is_empty());
    }
}
