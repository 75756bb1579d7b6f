//! "Did you mean …?": the known name nearest to an unknown one, so a typo in
//! a CSV header (or a field name) gets a hint instead of a silent loss.
//!
//! Names are compared ignoring case and everything but letters and digits
//! (`Property ID`, `property_id` and `PropertyId` are the same name), then by
//! edit distance (Levenshtein, on characters).

/// Letters and digits only, lower-cased: how two spellings of a name compare.
fn folded(name: &str) -> Vec<char> {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The edit distance between two character strings: insertions, deletions,
/// substitutions, and a swap of two neighbours (`emial`) as one edit.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The known name nearest to `unknown`, when it is near enough to be a
/// likely typo: the same once case, spaces and punctuation are ignored;
/// within a quarter of the shorter name's length in edits (at least 1, at
/// most 3, so `UnitNo` is not taken for `UnitId`); all but
/// the last letter of the shorter in common (`Property` for `Properties`);
/// else the one name that contains it (`Email` → `ResidentEmail`). Ties go
/// to the name listed first, so a caller lists its likelier names first.
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let wanted = folded(unknown);
    if wanted.is_empty() {
        return None;
    }
    let near = known
        .iter()
        .filter_map(|name| {
            let candidate = folded(name);
            let edits = distance(&wanted, &candidate);
            let allowed = (wanted.len().min(candidate.len()) / 4).clamp(1, 3);
            let common = wanted.iter().zip(&candidate).take_while(|(a, b)| a == b).count();
            let plural = common >= 4 && common + 1 >= wanted.len().min(candidate.len());
            (edits <= allowed || plural).then_some((edits, *name))
        })
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, name)| name);
    near.or_else(|| {
        // A short form of one name only (`Email` for `ResidentEmail`).
        let mut containing = known.iter().filter(|name| wanted.len() >= 4 && contains(&folded(name), &wanted)).copied();
        match (containing.next(), containing.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `unknown column "X"` followed by ` — did you mean Y?` when one is near.
pub fn unknown_name_message(what: &str, unknown: &str, known: &[&str]) -> String {
    match nearest(unknown, known) {
        Some(name) => format!("unknown {what} \"{unknown}\" — did you mean {name}?"),
        None => format!("unknown {what} \"{unknown}\" (known: {})", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["PropertyId", "PropertyName", "UnitId", "UnitNumber"];

    #[test]
    fn spaces_case_and_punctuation_do_not_count() {
        assert_eq!(nearest("Property ID", KNOWN), Some("PropertyId"));
        assert_eq!(nearest("unit_number", KNOWN), Some("UnitNumber"));
    }

    #[test]
    fn small_typos_are_found_and_far_names_are_not() {
        assert_eq!(nearest("PropertyNme", KNOWN), Some("PropertyName"));
        assert_eq!(nearest("Colour", KNOWN), None);
        assert_eq!(nearest("", KNOWN), None);
    }

    #[test]
    fn a_short_form_of_one_name_finds_it_but_not_of_several() {
        let known = ["ResidentEmail", "ResidentCellphone", "ResidentWorkphone"];
        assert_eq!(nearest("Email", &known), Some("ResidentEmail"));
        assert_eq!(nearest("cell phone", &known), Some("ResidentCellphone"));
        assert_eq!(nearest("Phone", &known), None);
    }

    #[test]
    fn distance_counts_edits() {
        let d = |a: &str, b: &str| distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("same", "same"), 0);
        assert_eq!(d("ñu", "nu"), 1);
        assert_eq!(d("emial", "email"), 1, "a swap is one edit");
    }

    #[test]
    fn a_plural_or_a_singular_finds_the_other() {
        assert_eq!(nearest("Property", &["Properties", "Units"]), Some("Properties"));
        assert_eq!(nearest("NewComment", &["NewComments", "Notes"]), Some("NewComments"));
    }

    #[test]
    fn a_common_beginning_beats_a_short_name_a_few_edits_away() {
        assert_eq!(nearest("UnitNo", &["UnitId", "UnitNumber"]), Some("UnitNumber"));
    }

    #[test]
    fn ties_go_to_the_name_listed_first() {
        assert_eq!(nearest("Nme", &["Name", "Nmea"]), Some("Name"));
    }

    #[test]
    fn the_message_names_the_column_and_the_hint() {
        assert_eq!(
            unknown_name_message("column", "Property ID", KNOWN),
            "unknown column \"Property ID\" — did you mean PropertyId?"
        );
        assert!(unknown_name_message("column", "Colour", KNOWN).contains("known: PropertyId, PropertyName"));
    }
}
