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

/// The lookup's answer: its hits, and whether they are for words near the
/// ones typed rather than for those ("Did you mean", docs/console.md §7).
#[derive(Debug, Clone, PartialEq)]
pub struct LookupAnswer {
    pub hits: Vec<LookupHit>,
    pub suggested: bool,
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

/// "Did you mean" (docs/console.md §7): how many edits a word may be from a
/// known name word and still be offered in its place: none under 4 letters
/// (too many names are that close), one for 4–7, two for 8 or more.
fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Name words this long and longer are never offered nor searched for near
/// ones (no real name is; it keeps the edit table on the stack).
const MAX_SUGGESTED_LETTERS: usize = 40;

/// How many alternatives one mistyped word brings, best first.
pub const SUGGESTIONS_PER_WORD: usize = 3;

/// The distinct name words of these names, folded, sorted: what the
/// "Did you mean" vocabulary learns when they are written.
pub fn distinct_name_words<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut words: Vec<String> = names.into_iter().flat_map(crate::domain::calllogs::folded_words).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// How many spellings "Did you mean" tries: the nearest word for each
/// mistyped one, then each further alternative of one word at a time.
pub const MAX_SUGGESTED_SPELLINGS: usize = 8;

/// The spellings to try, best first, from each word's alternatives (best
/// first; a word typed right has one, itself): every word's best, then,
/// one word at a time, its next alternatives with the others at their best.
pub fn spellings(choices: &[Vec<String>]) -> Vec<Vec<String>> {
    let best: Vec<String> = choices.iter().filter_map(|c| c.first().cloned()).collect();
    if best.len() != choices.len() {
        return Vec::new();
    }
    let mut spellings = vec![best.clone()];
    for (i, alternatives) in choices.iter().enumerate() {
        for alternative in alternatives.iter().skip(1) {
            let mut spelling = best.clone();
            spelling[i] = alternative.clone();
            spellings.push(spelling);
        }
    }
    spellings.truncate(MAX_SUGGESTED_SPELLINGS);
    spellings
}

/// The known name words near one mistyped word, as the store hands them
/// over: it reads the candidates [`NearWords::keys`] point at and
/// [`offer`](NearWords::offer)s each; the best [`SUGGESTIONS_PER_WORD`] are
/// kept (fewest edits, then alphabetical). An edit is an insertion, a
/// deletion, a substitution or a swap of two neighbours.
#[derive(Debug, Clone)]
pub struct NearWords {
    wanted: Vec<char>,
    allowed: usize,
    found: Vec<(usize, String)>,
    candidate: Vec<char>,
    /// Whether the word is ASCII, and then how many of each byte it has.
    ascii: bool,
    counts: [u8; 128],
}

/// Where the words one edit from a word are: every one of them begins with
/// `prefix` or ends with `suffix` (see [`NearWords::keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneEditKeys {
    pub prefix: String,
    /// The end the word must have, written backwards (as an index of the
    /// reversed words reads it).
    pub reversed_suffix: String,
}

impl NearWords {
    /// For `word` (folded); `None` when a word that long is not guessed at.
    pub fn new(word: &str) -> Option<NearWords> {
        let wanted: Vec<char> = word.chars().collect();
        let allowed = allowed_edits(wanted.len());
        let mut counts = [0u8; 128];
        word.bytes().for_each(|b| counts[usize::from(b & 0x7f)] += 1);
        (allowed > 0 && wanted.len() <= MAX_SUGGESTED_LETTERS).then(|| NearWords {
            wanted,
            allowed,
            found: Vec::new(),
            candidate: Vec::with_capacity(MAX_SUGGESTED_LETTERS + 2),
            ascii: word.is_ascii(),
            counts,
        })
    }

    /// The lengths in characters a near word may have.
    pub fn letters(&self) -> std::ops::RangeInclusive<usize> {
        self.wanted.len() - self.allowed..=self.wanted.len() + self.allowed
    }

    /// With one edit allowed, a near word keeps the first half of the word
    /// (the edit is in the second) or the second half less its first
    /// character (the edit, or a swap of neighbours, is before it): the
    /// store reads only the words with that beginning or that end, two
    /// ranges of an index, however many words it knows. `None` with two
    /// edits allowed (the store reads the words of [`letters`](Self::letters)).
    pub fn keys(&self) -> Option<OneEditKeys> {
        (self.allowed == 1).then(|| {
            let half = self.wanted.len() / 2;
            OneEditKeys {
                prefix: self.wanted[..half].iter().collect(),
                reversed_suffix: self.wanted[half + 1..].iter().rev().collect(),
            }
        })
    }

    /// Weighs one known word; keeps it if it is near and among the best.
    pub fn offer(&mut self, known: &str) {
        if known.is_ascii() && self.letter_counts_differ_too_much(known.as_bytes()) {
            return;
        }
        self.candidate.clear();
        self.candidate.extend(known.chars());
        let Some(edits) = edits_within(&self.wanted, &self.candidate, self.allowed).filter(|e| *e > 0) else {
            return;
        };
        let entry = (edits, known.to_string());
        if self.found.contains(&entry) {
            return;
        }
        self.found.push(entry);
        self.found.sort();
        self.found.truncate(SUGGESTIONS_PER_WORD);
    }

    /// A quick no for most far words, before the edit table: each edit adds
    /// at most one letter the word does not have, or takes one away, and a
    /// swap neither; so if more than the allowed edits' worth of letters
    /// differ, counted as a bag, the word is too far. (ASCII words only; the
    /// table decides the rest.)
    fn letter_counts_differ_too_much(&self, known: &[u8]) -> bool {
        if !self.ascii {
            return false;
        }
        if known.len().abs_diff(self.wanted.len()) > self.allowed {
            return true;
        }
        let mut counts = self.counts;
        let mut extra = 0usize;
        for &b in known {
            let c = &mut counts[usize::from(b & 0x7f)];
            if *c > 0 {
                *c -= 1;
            } else {
                extra += 1;
                if extra > self.allowed {
                    return true;
                }
            }
        }
        let missing = self.wanted.len() - (known.len() - extra);
        missing > self.allowed
    }

    /// The near words, best first.
    pub fn best(self) -> Vec<String> {
        self.found.into_iter().map(|(_, word)| word).collect()
    }
}

/// The edit distance of `a` and `b` (a swap of neighbours is one edit) when
/// it is at most `most`, else `None`; gives up early, so a far word costs
/// little.
fn edits_within(a: &[char], b: &[char], most: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > most || b.len() > MAX_SUGGESTED_LETTERS + most {
        return None;
    }
    const WIDTH: usize = MAX_SUGGESTED_LETTERS + 3;
    // Three rows of the table: two back (for a swap), one back, this one.
    let (mut before, mut previous, mut row) = ([0usize; WIDTH], [0usize; WIDTH], [0usize; WIDTH]);
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        row[0] = i;
        let mut smallest = row[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1).min(row[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
            smallest = smallest.min(best);
        }
        if smallest > most {
            return None;
        }
        before = previous;
        previous = row;
    }
    Some(previous[b.len()]).filter(|d| *d <= most)
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

    /// The known words near `word`, best first, as the store would offer them.
    fn nearest_words<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let Some(mut near) = NearWords::new(word) else { return Vec::new() };
        known.into_iter().for_each(|k| near.offer(k));
        near.best()
    }
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

    #[test]
    fn did_you_mean_offers_names_one_or_two_edits_away_by_length() {
        let known = || ["nunez", "nunes", "garcia", "kowalski", "kowalczyk", "ana"];
        assert_eq!(nearest_words("nunex", known()), ["nunes", "nunez"], "one edit each, then alphabetical");
        assert_eq!(nearest_words("nunze", known()), ["nunez"], "a swap of neighbours is one edit");
        assert!(nearest_words("nnx", known()).is_empty(), "under 4 letters nothing is offered");
        assert!(nearest_words("gracai", known()).is_empty(), "two edits for 6 letters is too many");
        assert_eq!(nearest_words("kowalsky", known()), ["kowalski"]);
        assert_eq!(nearest_words("kovalsky", known()), ["kowalski"], "8 letters may be two edits off");
        assert_eq!(nearest_words("nunez", known()), ["nunes"], "the word itself is no suggestion");
    }

    /// Every word one edit from another begins with its key's prefix or ends
    /// with its key's suffix: checked for every edit of a few words.
    #[test]
    fn the_one_edit_keys_miss_no_word_one_edit_away() {
        let letters: Vec<char> = "abnz".chars().collect();
        for word in ["nunez", "ana", "cole", "garcia", "ibanez", "kowalsk"] {
            let chars: Vec<char> = word.chars().collect();
            let mut variants: Vec<Vec<char>> = Vec::new();
            for i in 0..=chars.len() {
                for &c in &letters {
                    let mut v = chars.clone();
                    v.insert(i, c);
                    variants.push(v);
                    if i < chars.len() {
                        let mut v = chars.clone();
                        v[i] = c;
                        variants.push(v);
                    }
                }
                if i < chars.len() {
                    let mut v = chars.clone();
                    v.remove(i);
                    variants.push(v);
                }
                if i + 1 < chars.len() {
                    let mut v = chars.clone();
                    v.swap(i, i + 1);
                    variants.push(v);
                }
            }
            for variant in variants {
                let typed: String = variant.iter().collect();
                let Some(near) = NearWords::new(&typed) else { continue };
                let Some(keys) = near.keys() else { continue };
                let suffix: String = keys.reversed_suffix.chars().rev().collect();
                assert!(
                    word.starts_with(&keys.prefix) || word.ends_with(&suffix),
                    "{typed:?} is one edit from {word:?}, but its keys {keys:?} miss it"
                );
            }
        }
    }

    #[test]
    fn spellings_vary_one_word_at_a_time_best_first() {
        let choices =
            vec![vec!["ana".to_string()], vec!["nunez".into(), "nunes".into()], vec!["lee".into(), "lea".into()]];
        assert_eq!(spellings(&choices), [["ana", "nunez", "lee"], ["ana", "nunes", "lee"], ["ana", "nunez", "lea"]]);
        assert!(spellings(&[vec!["ana".to_string()], Vec::new()]).is_empty(), "a word with no alternative: none");
        let many = vec![(0..20).map(|i| i.to_string()).collect::<Vec<_>>()];
        assert_eq!(spellings(&many).len(), MAX_SUGGESTED_SPELLINGS);
    }

    #[test]
    fn edits_are_counted_and_far_words_given_up() {
        let d =
            |a: &str, b: &str, most| edits_within(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>(), most);
        assert_eq!(d("kitten", "sitting", 3), Some(3));
        assert_eq!(d("kitten", "sitting", 2), None);
        assert_eq!(d("ab", "abcd", 1), None);
        assert_eq!(d("ñu", "nu", 1), Some(1));
        assert_eq!(d(&"a".repeat(60), &"a".repeat(60), 2), None, "longer than any name: not compared");
    }

    #[test]
    fn the_quick_letter_count_no_never_refuses_a_near_word() {
        let near = NearWords::new("kowalski").unwrap();
        for far_enough in ["kowalskixyz", "zzzzzzzz", "abcdefgh"] {
            assert!(near.letter_counts_differ_too_much(far_enough.as_bytes()), "{far_enough}");
        }
        for near_word in ["kowalksi", "kovalsky", "owalskik", "kowalsk", "kowalskii", "kowalzki"] {
            assert!(!near.letter_counts_differ_too_much(near_word.as_bytes()), "{near_word}");
        }
    }
}
